#include "http.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "acrcloud.h"

/* Idle easy handles kept for reuse: a handle keeps its settings, so reusing
 * one costs a few options instead of a new handle. Connections themselves
 * live in the multi handle's pool. */
#define IDLE_HANDLES 64
/* How long one wait on the sockets lasts at most, so that an interrupt is
 * seen soon even when no signal wakes the wait. */
#define POLL_SLICE_MS 100

struct acr_driver {
  CURLM *multi;
  CURL *idle[IDLE_HANDLES];
  int idle_count;
  acr_list running, done; /* of acr_transfer, by their link */
};

/* The transfer longest in l, or NULL. */
static acr_transfer *oldest(const acr_list *l) {
  return ACR_LIST_ENTRY(l->head, acr_transfer, link);
}

/* Set by acrcloud_interrupt (from a signal handler), read by the driver,
 * cleared by the caller when a request or a batch starts. */
static volatile sig_atomic_t interrupted;

void acrcloud_interrupt(void) {
  interrupted = 1;
}

int acr_http_interrupted(void) {
  return interrupted != 0;
}

void acr_http_clear_interrupt(void) {
  interrupted = 0;
}

double acr_http_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int acr_http_sleep(double seconds) {
  double end = acr_http_now() + seconds;
  for (;;) {
    if (interrupted) return 0;
    double left = end - acr_http_now();
    if (left <= 0) return 1;
    if (left > POLL_SLICE_MS / 1000.0) left = POLL_SLICE_MS / 1000.0;
    struct timespec ts = {0, (long)(left * 1e9)};
    nanosleep(&ts, NULL); /* a signal ends it early: the loop checks */
  }
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

/* ---- libcurl callbacks: they only fill C buffers and files ---- */

/* Returning less than asked for stops the transfer. */
static size_t on_body(char *data, size_t size, size_t n, void *ud) {
  acr_transfer *t = ud;
  size_t len = size * n;
  if (t->out && t->status >= 200 && t->status < 300) {
    if (t->max_output && len > t->max_output - t->written) {
      t->too_large = "max_output";
      return 0;
    }
    t->written += len;
    if (fwrite(data, size, n, t->out) == n) return len;
    t->write_failed = 1;
    return 0;
  }
  if (len > t->max_body - t->body.len) {
    t->too_large = "max_body";
    return 0;
  }
  return acr_buf_append(&t->body, data, len) == 0 ? len : 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud) {
  acr_transfer *t = ud;
  if (size * n > ACR_HTTP_MAX_HEADERS - t->headers.len) {
    t->too_large = "headers";
    return 0;
  }
  /* A status line starts the headers of a new response (after a 100
   * Continue, say): keep only the last response's block. */
  t->headers_done = size * n <= 2 && (data[0] == '\r' || data[0] == '\n');
  if (size * n > 12 && memcmp(data, "HTTP/", 5) == 0) {
    const char *sp = memchr(data, ' ', size * n);
    t->headers.len = 0;
    t->status = sp ? strtol(sp + 1, NULL, 10) : 0;
  }
  return acr_buf_append(&t->headers, data, size * n) == 0 ? size * n : 0;
}

static size_t on_read(char *data, size_t size, size_t n, void *ud) {
  size_t got = fread(data, size, n, ud);
  return ferror((FILE *)ud) ? CURL_READFUNC_ABORT : got;
}

/* ---- the driver ---- */

acr_driver *acr_driver_new(void) {
  acr_driver *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->multi = curl_multi_init();
  if (!d->multi) {
    free(d);
    return NULL;
  }
  /* Without this the pool shrinks to 4 x the handles added at the time, and
   * connections of a finished batch would be closed instead of reused. */
  curl_multi_setopt(d->multi, CURLMOPT_MAXCONNECTS, (long)IDLE_HANDLES);
  return d;
}

void acr_driver_free(acr_driver *d) {
  if (!d) return;
  while (d->running.head)
    acr_transfer_settle(oldest(&d->running));
  while (d->done.head)
    acr_transfer_settle(oldest(&d->done));
  for (int i = 0; i < d->idle_count; i++)
    curl_easy_cleanup(d->idle[i]);
  curl_multi_cleanup(d->multi);
  free(d);
}

int acr_driver_running(const acr_driver *d) {
  return (int)d->running.count;
}

/* An easy handle with the settings every request shares. */
static CURL *take_handle(acr_driver *d) {
  if (d->idle_count) return d->idle[--d->idle_count];
  CURL *c = curl_easy_init();
  if (!c) return NULL;
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  /* Redirects would carry the Authorization header to another host. */
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  /* Path parameters are encoded by the caller; keep "/./" as sent. */
  curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  /* gzip only: asking for every encoding curl knows costs more per request,
   * and the API's JSON gains nothing from the others. */
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
  return c;
}

static void give_handle(acr_driver *d, CURL *c) {
  /* Drop the pointers into the finished request and its transfer. */
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
  curl_easy_setopt(c, CURLOPT_MIMEPOST, NULL);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
  curl_easy_setopt(c, CURLOPT_PRIVATE, NULL);
  if (d && d->idle_count < IDLE_HANDLES)
    d->idle[d->idle_count++] = c;
  else
    curl_easy_cleanup(c);
}

acr_transfer *acr_driver_next_done(acr_driver *d) {
  acr_transfer *t = oldest(&d->done);
  if (t) acr_transfer_settle(t);
  return t;
}

/* ---- one transfer ---- */

static void set_error(acr_transfer *t, acr_http_result r, const char *msg) {
  t->result = r;
  snprintf(t->error, sizeof t->error, "%s", msg);
}

/* The header list of the request: its lines, then the token's. The token's
 * copy is wiped before it is freed. */
static struct curl_slist *make_headers(const acr_http_request *req) {
  struct curl_slist *list = NULL, *l;
  for (size_t i = 0; i < req->header_count; i++) {
    if (!(l = curl_slist_append(list, req->headers[i]))) goto fail;
    list = l;
  }
  if (req->token) {
    static const char prefix[] = "Authorization: Bearer ";
    size_t n = sizeof prefix + strlen(req->token);
    char *line = malloc(n);
    if (!line) goto fail;
    memcpy(line, prefix, sizeof prefix);
    strcat(line, req->token);
    l = curl_slist_append(list, line);
    memset(line, 0, n);
    free(line);
    if (!l) goto fail;
    list = l;
  }
  return list;
fail:
  curl_slist_free_all(list);
  return NULL;
}

static void free_headers(struct curl_slist *list) {
  for (struct curl_slist *l = list; l; l = l->next)
    if (strncmp(l->data, "Authorization:", 14) == 0)
      memset(l->data, 0, strlen(l->data));
  curl_slist_free_all(list);
}

/* Sets what goes out as the body: a file, parts, bytes, or nothing. */
static acr_http_result set_body(acr_transfer *t, CURL *c,
                                const acr_http_request *req) {
  if (req->upload_file) {
    FILE *f = fopen(req->upload_file, "rb");
    t->upload = f;
    if (!f || fseek(f, 0, SEEK_END) != 0) {
      set_error(t, ACR_HTTP_FILE, strerror(errno));
      return t->result;
    }
    curl_off_t size = (curl_off_t)ftell(f);
    rewind(f);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READDATA, f);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, size);
  } else if (req->part_count) {
    curl_mime *mime = curl_mime_init(c);
    t->mime = mime;
    if (!mime) {
      set_error(t, ACR_HTTP_NOMEM, "out of memory");
      return t->result;
    }
    for (size_t i = 0; i < req->part_count; i++) {
      const acr_http_part *p = &req->parts[i];
      curl_mimepart *part = curl_mime_addpart(mime);
      CURLcode rc = part ? curl_mime_name(part, p->name) : CURLE_OUT_OF_MEMORY;
      if (rc == CURLE_OK)
        rc = p->file
                 ? curl_mime_filedata(part, p->file)
                 : curl_mime_data(part, p->value ? p->value : "", p->value_len);
      if (rc == CURLE_OK && p->file) rc = curl_mime_filename(part, p->filename);
      if (rc != CURLE_OK) {
        set_error(t, p->file ? ACR_HTTP_FILE : ACR_HTTP_NOMEM,
                  curl_easy_strerror(rc));
        return t->result;
      }
    }
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
  } else if (req->body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
  }
  return ACR_HTTP_OK;
}

static acr_http_result open_output(acr_transfer *t, const char *path) {
  t->part_path = malloc(strlen(path) + sizeof ".part");
  if (!t->part_path) {
    set_error(t, ACR_HTTP_NOMEM, "out of memory");
    return t->result;
  }
  strcpy(t->part_path, path);
  strcat(t->part_path, ".part");
  t->out = fopen(t->part_path, "wb");
  if (!t->out) {
    set_error(t, ACR_HTTP_FILE, strerror(errno));
    return t->result;
  }
  t->output = path;
  return ACR_HTTP_OK;
}

/* Frees what a transfer holds while it runs; with an output file, renames
 * it into place for a complete 2xx answer, else removes it. */
static void release(acr_transfer *t) {
  CURL *c = t->easy;
  free_headers(t->header_list);
  t->header_list = NULL;
  if (c) {
    give_handle(t->driver, c);
    t->easy = NULL;
  }
  curl_mime_free(t->mime);
  t->mime = NULL;
  if (t->upload) fclose(t->upload);
  t->upload = NULL;
  if (t->out) {
    int ok = t->result == ACR_HTTP_OK && t->status >= 200 && t->status < 300;
    if (fclose(t->out) != 0 && ok) {
      ok = 0;
      set_error(t, ACR_HTTP_FILE, "cannot write the output file");
    }
    if (ok && rename(t->part_path, t->output) != 0) {
      set_error(t, ACR_HTTP_FILE, strerror(errno));
      ok = 0;
    }
    if (!ok) remove(t->part_path);
    t->out = NULL;
  }
  free(t->part_path);
  t->part_path = NULL;
}

static acr_http_result prepare(acr_transfer *t, CURL *c,
                               const acr_http_request *req) {
  if (!(t->header_list = make_headers(req))) {
    set_error(t, ACR_HTTP_NOMEM, "out of memory");
    return t->result;
  }
  int head = strcmp(req->method, "HEAD") == 0;
  curl_easy_setopt(c, CURLOPT_URL, req->url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, t->header_list);
  /* Back to a plain GET first: a handle remembers the last body. */
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(c, CURLOPT_NOBODY, head ? 1L : 0L);
  if (set_body(t, c, req) != ACR_HTTP_OK) return t->result;
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, head ? NULL : req->method);
  if (req->output && open_output(t, req->output) != ACR_HTTP_OK)
    return t->result;
  /* libcurl sends a request again, unasked, when a reused connection closes
   * before any answer: the server may have acted on the first one. Requests
   * that must not run twice get a connection of their own. */
  int once =
      strcmp(req->method, "POST") == 0 || strcmp(req->method, "PATCH") == 0;
  curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, once ? 1L : 0L);
  /* ... and close it after: it would only pile up in the pool, one a POST,
   * holding the server's connections. */
  curl_easy_setopt(c, CURLOPT_FORBID_REUSE, once ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, req->user_agent);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req->timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t->error);
  curl_easy_setopt(c, CURLOPT_PRIVATE, t);
  return ACR_HTTP_OK;
}

acr_http_result acr_transfer_start(acr_driver *d, acr_transfer *t,
                                   const acr_http_request *req) {
  acr_transfer_free(t);
  t->result = ACR_HTTP_OK;
  t->status = 0;
  t->sent = 0;
  t->write_failed = 0;
  t->written = 0;
  t->too_large = NULL;
  t->headers_done = 0;
  t->max_body = req->max_body;
  t->max_output = req->max_output;
  t->error[0] = '\0';
  t->driver = d;
  t->easy = take_handle(d);
  if (!t->easy) {
    set_error(t, ACR_HTTP_NOMEM, "cannot create a curl handle");
    t->driver = NULL;
    return t->result;
  }
  if (prepare(t, t->easy, req) != ACR_HTTP_OK ||
      curl_multi_add_handle(d->multi, t->easy) != CURLM_OK) {
    if (t->result == ACR_HTTP_OK) set_error(t, ACR_HTTP_NOMEM, "out of memory");
    release(t);
    t->driver = NULL;
    return t->result;
  }
  acr_list_append(&d->running, &t->link);
  t->state = ACR_TRANSFER_RUNNING;
  return ACR_HTTP_OK;
}

/* The message of an answer that passed a cap. */
static void set_too_large(acr_transfer *t) {
  t->result = ACR_HTTP_TOO_LARGE;
  if (strcmp(t->too_large, "headers") == 0)
    snprintf(t->error, sizeof t->error,
             "the answer's headers are larger than %d bytes, or one of their "
             "lines than %d",
             ACR_HTTP_MAX_HEADERS, CURL_MAX_HTTP_HEADER);
  else
    snprintf(t->error, sizeof t->error,
             "the answer is larger than %s = %zu bytes", t->too_large,
             strcmp(t->too_large, "max_body") == 0 ? t->max_body
                                                   : t->max_output);
}

/* Fills the outcome of a transfer that curl ended with rc. */
static void conclude(acr_transfer *t, CURLcode rc) {
  long request_size = 0;
  CURL *c = t->easy;
  curl_easy_getinfo(c, CURLINFO_REQUEST_SIZE, &request_size);
  t->sent = request_size > 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t->status);
  if (rc == CURLE_OK) return;
  char msg[sizeof t->error];
  snprintf(msg, sizeof msg, "%s",
           t->error[0] ? t->error : curl_easy_strerror(rc));
  /* curl 7.88 reports a header line over CURL_MAX_HTTP_HEADER as out of
   * memory: while headers arrive, that is what it means. */
  if (rc == CURLE_OUT_OF_MEMORY && t->status && !t->headers_done)
    t->too_large = "headers";
  if (rc == CURLE_OPERATION_TIMEDOUT)
    set_error(t, ACR_HTTP_TIMEOUT, msg);
  else if (t->too_large)
    set_too_large(t);
  else if (t->write_failed)
    set_error(t, ACR_HTTP_FILE, "cannot write the output file");
  else if (rc == CURLE_OUT_OF_MEMORY || rc == CURLE_WRITE_ERROR)
    set_error(t, ACR_HTTP_NOMEM, "out of memory");
  else if (rc == CURLE_READ_ERROR || rc == CURLE_ABORTED_BY_CALLBACK)
    set_error(t, ACR_HTTP_FILE, "cannot read the file to send");
  else
    set_error(t, ACR_HTTP_NETWORK, msg);
}

/* A running transfer leaves the multi handle: done, or stopped. */
static void stop(acr_transfer *t) {
  acr_driver *d = t->driver;
  curl_multi_remove_handle(d->multi, t->easy);
  acr_list_remove(&d->running, &t->link);
  release(t);
}

void acr_transfer_settle(acr_transfer *t) {
  acr_driver *d = t->driver;
  if (t->state == ACR_TRANSFER_RUNNING) {
    long request_size = 0;
    curl_easy_getinfo(t->easy, CURLINFO_REQUEST_SIZE, &request_size);
    t->sent = request_size > 0;
    set_error(t, ACR_HTTP_INTERRUPTED, "interrupted");
    stop(t);
  } else if (t->state == ACR_TRANSFER_DONE) {
    acr_list_remove(&d->done, &t->link);
  }
  t->state = ACR_TRANSFER_IDLE;
  t->driver = NULL;
}

void acr_transfer_free(acr_transfer *t) {
  acr_transfer_settle(t);
  acr_buf_free(&t->headers);
  acr_buf_free(&t->body);
}

static void collect(acr_driver *d) {
  CURLMsg *m;
  int left;
  while ((m = curl_multi_info_read(d->multi, &left))) {
    if (m->msg != CURLMSG_DONE) continue;
    acr_transfer *t = NULL;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
    conclude(t, m->data.result); /* m is invalid once the handle goes */
    stop(t);
    acr_list_append(&d->done, &t->link);
    t->state = ACR_TRANSFER_DONE;
  }
}

int acr_driver_run(acr_driver *d, long timeout_ms) {
  double end = acr_http_now() + (double)timeout_ms / 1000.0;
  for (;;) {
    int still;
    curl_multi_perform(d->multi, &still);
    collect(d);
    if (d->done.head || !d->running.head) return (int)d->running.count;
    if (interrupted) {
      /* Every transfer stops: none is left behind, half sent. */
      while (d->running.head) {
        acr_transfer *t = oldest(&d->running);
        acr_transfer_settle(t);
        t->driver = d;
        acr_list_append(&d->done, &t->link);
        t->state = ACR_TRANSFER_DONE;
      }
      return 0;
    }
    double left_ms = (end - acr_http_now()) * 1000.0;
    if (left_ms <= 0) return (int)d->running.count;
    int wait = left_ms < POLL_SLICE_MS ? (int)left_ms + 1 : POLL_SLICE_MS;
    curl_multi_poll(d->multi, NULL, 0, wait, NULL);
  }
}
