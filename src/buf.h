/*
 * A growable byte buffer, NUL-terminated once it holds anything. Header
 * only: the client module and the server module (acrcloud/httpd.so) each
 * compile their own copy.
 */
#ifndef ACR_BUF_H
#define ACR_BUF_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct acr_buf {
  char *data; /* NUL-terminated when not NULL */
  size_t len, cap;
} acr_buf;

/* Appends len bytes. Returns 0, or -1 when memory runs out (b unchanged). */
static inline int acr_buf_append(acr_buf *b, const void *data, size_t len) {
  if (len > SIZE_MAX / 2 - b->len) return -1;
  if (b->len + len + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + len + 1)
      cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) return -1;
    b->data = p;
    b->cap = cap;
  }
  if (len) memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
  return 0;
}

static inline void acr_buf_free(acr_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

#endif
