#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <signal.h>

#include <curl/curl.h>

#include "acrcloud.h"

struct acr_http {
  CURL *easy;
};

/* Set by acrcloud_interrupt (from a signal handler), read by the progress
 * callback, cleared when a transfer starts. */
static volatile sig_atomic_t interrupted;

void acrcloud_interrupt(void) {
  interrupted = 1;
}

int acr_buf_append(acr_buf *b, const void *data, size_t len) {
  if (len > (size_t)-1 / 2 - b->len) return -1;
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

void acr_buf_free(acr_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

int acr_http_global_init(void) {
  static int done; /* curl_global_init is thread-safe since 7.84 */
  if (done) return 0;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return -1;
  done = 1;
  return 0;
}

const char *acr_http_version(void) {
  return curl_version();
}

acr_http *acr_http_new(void) {
  acr_http *h = calloc(1, sizeof *h);
  if (!h) return NULL;
  h->easy = curl_easy_init();
  if (!h->easy) {
    free(h);
    return NULL;
  }
  return h;
}

void acr_http_free(acr_http *h) {
  if (!h) return;
  curl_easy_cleanup(h->easy);
  free(h);
}

void acr_http_response_free(acr_http_response *res) {
  acr_buf_free(&res->headers);
  acr_buf_free(&res->body);
}

/* libcurl callbacks: they only fill C buffers and files. */

typedef struct body_sink {
  CURL *easy;
  acr_buf *buf;
  FILE *out; /* the output file, for 2xx answers; NULL: buffer */
  int write_failed;
} body_sink;

static size_t on_body(char *data, size_t size, size_t n, void *ud) {
  body_sink *sink = ud;
  long status = 0;
  curl_easy_getinfo(sink->easy, CURLINFO_RESPONSE_CODE, &status);
  if (sink->out && status >= 200 && status < 300) {
    if (fwrite(data, size, n, sink->out) == n) return size * n;
    sink->write_failed = 1;
    return 0;
  }
  return acr_buf_append(sink->buf, data, size * n) == 0 ? size * n : 0;
}

/* Called at least once a second while a transfer runs: non-zero aborts it. */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow) {
  (void)ud, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
  return interrupted != 0;
}

static size_t on_read(char *data, size_t size, size_t n, void *ud) {
  size_t got = fread(data, size, n, ud);
  return ferror((FILE *)ud) ? CURL_READFUNC_ABORT : got;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud) {
  acr_buf *b = ud;
  /* A status line starts the headers of a new response (after a 100
   * Continue, say): keep only the last response's block. */
  if (size * n >= 5 && memcmp(data, "HTTP/", 5) == 0) b->len = 0;
  return acr_buf_append(b, data, size * n) == 0 ? size * n : 0;
}

static acr_http_result fail(acr_http_response *res, acr_http_result r,
                            const char *msg) {
  snprintf(res->error, sizeof res->error, "%s", msg);
  return r;
}

acr_http_result acr_http_perform(acr_http *h, const acr_http_request *req,
                                 acr_http_response *res) {
  CURL *c = h->easy;
  struct curl_slist *headers = NULL;
  curl_mime *mime = NULL;
  FILE *upload = NULL, *out = NULL;
  char *part_path = NULL;
  char errbuf[CURL_ERROR_SIZE] = "";
  acr_http_result result = ACR_HTTP_OK;

  memset(res, 0, sizeof *res);
  /* Reset options from the previous request; live connections stay. */
  curl_easy_reset(c);
  for (size_t i = 0; i < req->header_count; i++) {
    struct curl_slist *l = curl_slist_append(headers, req->headers[i]);
    if (!l) {
      result = fail(res, ACR_HTTP_NOMEM, "out of memory");
      goto done;
    }
    headers = l;
  }
  curl_easy_setopt(c, CURLOPT_URL, req->url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
  if (strcmp(req->method, "HEAD") == 0) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  if (req->upload_file) {
    upload = fopen(req->upload_file, "rb");
    if (!upload || fseek(upload, 0, SEEK_END) != 0) {
      result = fail(res, ACR_HTTP_FILE, strerror(errno));
      goto done;
    }
    curl_off_t size = (curl_off_t)ftell(upload);
    rewind(upload);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(c, CURLOPT_READDATA, upload);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, size);
  } else if (req->part_count) {
    mime = curl_mime_init(c);
    for (size_t i = 0; mime && i < req->part_count; i++) {
      const acr_http_part *p = &req->parts[i];
      curl_mimepart *part = curl_mime_addpart(mime);
      if (!part || curl_mime_name(part, p->name) != CURLE_OK) {
        result = fail(res, ACR_HTTP_NOMEM, "out of memory");
        goto done;
      }
      CURLcode prc = p->file ? curl_mime_filedata(part, p->file)
                             : curl_mime_data(part, p->value ? p->value : "",
                                              p->value_len);
      if (prc == CURLE_OK && p->file)
        prc = curl_mime_filename(part, p->filename);
      if (prc != CURLE_OK) {
        result = fail(res, p->file ? ACR_HTTP_FILE : ACR_HTTP_NOMEM,
                      curl_easy_strerror(prc));
        goto done;
      }
    }
    if (!mime) {
      result = fail(res, ACR_HTTP_NOMEM, "out of memory");
      goto done;
    }
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
  } else if (req->body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
  }
  if (req->output) {
    part_path = malloc(strlen(req->output) + sizeof ".part");
    if (!part_path) {
      result = fail(res, ACR_HTTP_NOMEM, "out of memory");
      goto done;
    }
    strcpy(part_path, req->output);
    strcat(part_path, ".part");
    out = fopen(part_path, "wb");
    if (!out) {
      result = fail(res, ACR_HTTP_FILE, strerror(errno));
      goto done;
    }
  }
  curl_easy_setopt(c, CURLOPT_USERAGENT, req->user_agent);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req->timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  /* Redirects would carry the Authorization header to another host. */
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  /* Path parameters are encoded by the caller; keep "/./" as sent. */
  curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  /* libcurl sends a request again, unasked, when a reused connection closes
   * before any answer: the server may have acted on the first one. Requests
   * that must not run twice get a connection of their own. */
  if (strcmp(req->method, "POST") == 0 || strcmp(req->method, "PATCH") == 0)
    curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  body_sink sink = {c, &res->body, out, 0};
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &res->headers);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  interrupted = 0;

  CURLcode rc = curl_easy_perform(c);
  long request_size = 0;
  curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &request_size);
  res->sent = request_size > 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->status);

  if (rc != CURLE_OK) {
    const char *msg = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    if (rc == CURLE_ABORTED_BY_CALLBACK && interrupted)
      result = fail(res, ACR_HTTP_INTERRUPTED, "interrupted");
    else if (rc == CURLE_OPERATION_TIMEDOUT)
      result = fail(res, ACR_HTTP_TIMEOUT, msg);
    else if (sink.write_failed)
      result = fail(res, ACR_HTTP_FILE, "cannot write the output file");
    /* A write error can only come from a buffer that could not grow. */
    else if (rc == CURLE_OUT_OF_MEMORY || rc == CURLE_WRITE_ERROR)
      result = fail(res, ACR_HTTP_NOMEM, "out of memory");
    else if (rc == CURLE_READ_ERROR || rc == CURLE_ABORTED_BY_CALLBACK)
      result = fail(res, ACR_HTTP_FILE, "cannot read the file to send");
    else
      result = fail(res, ACR_HTTP_NETWORK, msg);
  }

done:
  curl_slist_free_all(headers);
  /* The header list held the token: drop curl's pointers to it too. */
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
  curl_easy_setopt(c, CURLOPT_MIMEPOST, NULL);
  curl_mime_free(mime);
  if (upload) fclose(upload);
  if (out) {
    /* The named file appears only complete, and only for a 2xx answer. */
    int ok = result == ACR_HTTP_OK && res->status >= 200 && res->status < 300;
    if (fclose(out) != 0 && ok) {
      ok = 0;
      result = fail(res, ACR_HTTP_FILE, "cannot write the output file");
    }
    if (ok && rename(part_path, req->output) != 0) {
      result = fail(res, ACR_HTTP_FILE, strerror(errno));
      ok = 0;
    }
    if (!ok) remove(part_path);
  }
  free(part_path);
  return result;
}
