/*
 * The transport: plain C over libcurl, no Lua inside. One acr_http holds one
 * easy handle, so connections are reused across the requests a client makes.
 * A request and its response are separate structs so that a driver of several
 * requests at once (curl's multi interface) can be added beside
 * acr_http_perform without changing its callers.
 */
#ifndef ACRCLOUD_HTTP_H
#define ACRCLOUD_HTTP_H

#include <stddef.h>

typedef struct acr_buf {
  char *data; /* NUL-terminated when not NULL */
  size_t len, cap;
} acr_buf;

int acr_buf_append(acr_buf *b, const void *data, size_t len); /* 0, or -1 */
void acr_buf_free(acr_buf *b);

typedef enum {
  ACR_HTTP_OK,          /* a response arrived (any status) */
  ACR_HTTP_TIMEOUT,     /* the connect or total timeout ran out */
  ACR_HTTP_NETWORK,     /* DNS, connect, TLS, reset, ... */
  ACR_HTTP_FILE,        /* a file to send or to write could not be used */
  ACR_HTTP_INTERRUPTED, /* acrcloud_interrupt() was called */
  ACR_HTTP_NOMEM
} acr_http_result;

/* One part of a multipart/form-data body: a text field, or a file streamed
 * from disk (never read whole into memory). */
typedef struct acr_http_part {
  const char *name;
  const char *value; /* a text field, or NULL */
  size_t value_len;
  const char *file;     /* a path to stream, or NULL */
  const char *filename; /* the name the server sees for a file */
} acr_http_part;

typedef struct acr_http_request {
  const char *method;
  const char *url;
  const char *const *headers; /* "Name: value" lines */
  size_t header_count;
  const char *body; /* NULL: no body */
  size_t body_len;
  const acr_http_part *parts; /* a multipart body instead of body */
  size_t part_count;
  const char *upload_file; /* a file streamed as the body (PUT to a presigned
                              URL), instead of body and parts */
  const char *output;      /* write a 2xx body to this path (through path.part,
                              renamed once complete) instead of res->body */
  long timeout_ms, connect_timeout_ms;
  const char *user_agent;
} acr_http_request;

typedef struct acr_http_response {
  long status;
  acr_buf headers; /* the raw header block of the final response */
  acr_buf body;
  int sent;        /* whether any of the request left the machine */
  char error[256]; /* set when the result is not ACR_HTTP_OK */
} acr_http_response;

typedef struct acr_http acr_http;

/* curl_global_init, once per process. Returns 0 or -1. */
int acr_http_global_init(void);
acr_http *acr_http_new(void);
void acr_http_free(acr_http *h);
acr_http_result acr_http_perform(acr_http *h, const acr_http_request *req,
                                 acr_http_response *res);
void acr_http_response_free(acr_http_response *res);
/* "libcurl/7.88.1 OpenSSL/3.0.19 ..." */
const char *acr_http_version(void);

#endif
