/*
 * The transfer: plain C over libcurl, no Lua inside. A driver owns one curl
 * multi handle (and so one pool of connections) and runs any number of
 * transfers at once; one request sent alone is a driver running a single
 * transfer. Each transfer's state lives in an acr_transfer that the caller
 * owns (inside a request object), never on a function's stack, so that
 * starting, running and finishing are separate steps.
 */
#ifndef ACR_HTTP_H
#define ACR_HTTP_H

#include <stddef.h>

#include "buf.h"
#include "list.h"

typedef enum {
  ACR_HTTP_OK,          /* a response arrived (any status) */
  ACR_HTTP_TIMEOUT,     /* the connect or total timeout ran out */
  ACR_HTTP_NETWORK,     /* DNS, connect, TLS, reset, ... */
  ACR_HTTP_FILE,        /* a file to send or to write could not be used */
  ACR_HTTP_INTERRUPTED, /* acrcloud_interrupt() was called, or aborted */
  ACR_HTTP_TOO_LARGE,   /* the answer passed a cap: its body or headers */
  ACR_HTTP_NOMEM
} acr_http_result;

/* The header block of an answer is refused past this size. */
#define ACR_HTTP_MAX_HEADERS (256 * 1024)

/* One part of a multipart/form-data body: a text field, or a file streamed
 * from disk (never read whole into memory). */
typedef struct acr_http_part {
  const char *name;
  const char *value; /* a text field, or NULL */
  size_t value_len;
  const char *file;     /* a path to stream, or NULL */
  const char *filename; /* the name the server sees for a file */
} acr_http_part;

/* What to send. Every pointer must stay valid until the transfer ends. */
typedef struct acr_http_request {
  const char *method;
  const char *url;
  const char *const *headers; /* "Name: value" lines */
  size_t header_count;
  const char *token; /* sent as "Authorization: Bearer <token>", or NULL */
  const char *body;  /* NULL: no body */
  size_t body_len;
  const acr_http_part *parts; /* a multipart body instead of body */
  size_t part_count;
  const char *upload_file; /* a file streamed as the body (PUT to a presigned
                              URL), instead of body and parts */
  const char *output;      /* write a 2xx body to this path (through path.part,
                              renamed once complete) instead of the buffer */
  long timeout_ms, connect_timeout_ms;
  const char *user_agent;
  size_t max_body;   /* the most bytes of a body held in memory */
  size_t max_output; /* the most bytes written to output; 0: no cap */
} acr_http_request;

typedef struct acr_driver acr_driver;

typedef enum {
  ACR_TRANSFER_IDLE,    /* never started, or finished and collected */
  ACR_TRANSFER_RUNNING, /* started */
  ACR_TRANSFER_DONE     /* finished, waiting in the driver to be collected */
} acr_transfer_state;

/* One attempt at a request: zeroed before its first start, reusable. */
typedef struct acr_transfer {
  acr_transfer_state state;
  /* the outcome, once finished */
  acr_http_result result;
  long status;
  acr_buf headers; /* the raw header block of the final response */
  acr_buf body;
  int sent;        /* whether any of the request left the machine */
  char error[256]; /* set when the result is not ACR_HTTP_OK */
  /* while running */
  void *easy;         /* CURL *, borrowed from the driver */
  void *header_list;  /* struct curl_slist * */
  void *mime;         /* curl_mime * */
  void *upload, *out; /* FILE * */
  char *part_path;
  const char *output;
  int write_failed;
  size_t max_body, max_output, written;
  int headers_done;      /* the blank line after the headers came */
  const char *too_large; /* what passed its cap, once one did */
  acr_driver *driver;    /* while running or done */
  acr_link link;         /* in the driver's running or done list */
  void *owner;           /* for the caller: who this is */
} acr_transfer;

/* curl_global_init, once per process. Returns 0 or -1. */
int acr_http_global_init(void);
/* "libcurl/7.88.1 OpenSSL/3.0.19 ..." */
const char *acr_http_version(void);

acr_driver *acr_driver_new(void);
/* Aborts what runs, then frees the driver. */
void acr_driver_free(acr_driver *d);

/* Starts t (its previous outcome is dropped). Returns ACR_HTTP_OK once it
 * runs, or the failure that stopped it before anything was sent (t is then
 * finished, with t->error set). */
acr_http_result acr_transfer_start(acr_driver *d, acr_transfer *t,
                                   const acr_http_request *req);
/* Lets the running transfers progress for at most timeout_ms (less as soon
 * as one finishes or an interrupt comes). Returns the number running. */
int acr_driver_run(acr_driver *d, long timeout_ms);
/* Collects a finished transfer (it becomes idle, holding its outcome), or
 * returns NULL when none waits. */
acr_transfer *acr_driver_next_done(acr_driver *d);
/* How many transfers run. */
int acr_driver_running(const acr_driver *d);
/* Makes t idle whatever its state: a running transfer stops (result
 * ACR_HTTP_INTERRUPTED), a finished one is collected. Its outcome stays. */
void acr_transfer_settle(acr_transfer *t);
/* Settles t and frees its outcome buffers. */
void acr_transfer_free(acr_transfer *t);

/* Whether acrcloud_interrupt() was called since the flag was cleared. */
int acr_http_interrupted(void);
void acr_http_clear_interrupt(void);
/* Seconds from an arbitrary start, monotonic. */
double acr_http_now(void);
/* Sleeps up to seconds, in slices, returning early (0) on an interrupt;
 * returns 1 when the time has passed. */
int acr_http_sleep(double seconds);

#endif
