/* The floor of the call benchmark: N GETs of one URL with plain libcurl, one
 * easy handle reused (so one kept-alive connection), the header lines a
 * client of acrlua sends (Accept, Authorization, User-Agent), gzip accepted
 * as the client accepts it, and the body appended to a growing buffer.
 *
 *   raw_curl URL N   -> one warm-up request, then N timed ones; prints
 *                       "calls=N seconds=S bytes=B" (B: the last body's size)
 *
 * Built by tests/bench/call.sh (cc $(pkg-config --cflags --libs libcurl)),
 * or by CMake as the target bench_raw_curl, which is not part of `all`. */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
  char *data;
  size_t len, cap;
} buffer;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata) {
  buffer *b = userdata;
  size_t n = size * nmemb;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 16384;
    while (cap < b->len + n)
      cap *= 2;
    char *data = realloc(b->data, cap);
    if (!data) return 0; /* libcurl fails the transfer with a write error */
    b->data = data;
    b->cap = cap;
  }
  memcpy(b->data + b->len, ptr, n);
  b->len += n;
  return n;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One GET; the body in *b (emptied first). 0 on a 200, else 1. */
static int get(CURL *c, buffer *b) {
  b->len = 0;
  CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK || status != 200) {
    fprintf(stderr, "raw_curl: %s (HTTP %ld)\n", curl_easy_strerror(rc),
            status);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 3 || atol(argv[2]) < 1) {
    fprintf(stderr, "usage: raw_curl URL N\n");
    return 2;
  }
  long n = atol(argv[2]);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURL *c = curl_easy_init();
  if (!c) return 1;

  char agent[128];
  snprintf(agent, sizeof agent, "acrlua/bench libcurl/%s",
           curl_version_info(CURLVERSION_NOW)->version);
  struct curl_slist *headers = NULL;
  headers = curl_slist_append(headers, "Accept: application/json");
  headers = curl_slist_append(headers, "Authorization: Bearer x");
  buffer body = {NULL, 0, 0};
  curl_easy_setopt(c, CURLOPT_URL, argv[1]);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_USERAGENT, agent);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  /* The same transfer the client asks libcurl for: it accepts gzip. */
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);

  int failed = get(c, &body); /* the connection is made here, untimed */
  double start = now();
  for (long i = 0; i < n && !failed; i++)
    failed = get(c, &body);
  double seconds = now() - start;
  if (!failed)
    printf("calls=%ld seconds=%.6f bytes=%zu\n", n, seconds, body.len);

  free(body.data);
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  curl_global_cleanup();
  return failed;
}
