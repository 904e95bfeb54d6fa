/* The HTTP server's connection guard: see httpd_conns.h. */
#include "httpd_conns.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

typedef enum {
  CONN_NEW,     /* accepted, no request line yet: has header_timeout */
  CONN_IDLE,    /* between requests: MHD's idle timeout applies */
  CONN_HEADERS, /* request line read, headers still arriving */
  CONN_REQUEST  /* a request in progress: never closed by the guard */
} conn_phase;

struct conn {
  acr_link link; /* in the table's open list */
  conn_table *table;
  int fd;
  conn_phase phase;
  double since; /* when the current phase began */
  int closing;  /* shut down by the guard, not yet closed by MHD */
};

double conns_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void conns_init(conn_table *t, unsigned max, double header_timeout) {
  t->open = (acr_list){NULL, NULL, 0};
  t->peak = 0;
  t->max = max;
  t->header_timeout = header_timeout;
  t->evicted = t->timed_out = 0;
}

static void close_conn(conn_t *c) {
  if (c->closing) return;
  c->closing = 1;
  shutdown(c->fd, SHUT_RDWR);
}

/* Closes the oldest connection that has no request in progress. */
static void evict_one(conn_table *t) {
  ACR_LIST_EACH(c, &t->open, conn_t, link) {
    if (!c->closing && c->phase != CONN_REQUEST) {
      close_conn(c);
      t->evicted++;
      return;
    }
  }
}

void conns_notify(void *cls, struct MHD_Connection *mc, void **socket_context,
                  enum MHD_ConnectionNotificationCode code) {
  conn_table *t = cls;
  conn_t *c;
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
    c = calloc(1, sizeof *c);
    *socket_context = c;
    if (c == NULL) return; /* untracked: MHD's own limits still apply */
    c->table = t;
    c->fd = ci != NULL ? ci->connect_fd : -1;
    c->phase = CONN_NEW;
    c->since = conns_now();
    acr_list_append(&t->open, &c->link);
    if (t->open.count > t->peak) t->peak = t->open.count;
    if (c->fd < 0) c->closing = 1; /* nothing to shut down */
    /* Each connection over the limit costs the oldest waiting one its
     * place (at worst the new one itself, if all others are busy). */
    if (t->max > 0 && t->open.count > t->max) evict_one(t);
  } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
    c = *socket_context;
    *socket_context = NULL;
    if (c == NULL) return;
    acr_list_remove(&t->open, &c->link);
    free(c);
  }
}

static conn_t *conn_of(struct MHD_Connection *mc) {
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return ci != NULL ? ci->socket_context : NULL;
}

static void set_phase(struct MHD_Connection *mc, conn_phase phase) {
  conn_t *c = conn_of(mc);
  if (c == NULL) return;
  /* A new connection's first headers are due header_timeout after it
   * connected, not after its request line: what sends no line at all (a
   * TLS handshake, a port scan) is closed too. */
  if (!(c->phase == CONN_NEW && phase == CONN_HEADERS)) c->since = conns_now();
  c->phase = phase;
}

void conns_request_line(struct MHD_Connection *mc) {
  set_phase(mc, CONN_HEADERS);
}

void conns_request_begins(struct MHD_Connection *mc) {
  set_phase(mc, CONN_REQUEST);
}

void conns_request_ends(struct MHD_Connection *mc) {
  set_phase(mc, CONN_IDLE);
}

long conns_sweep(conn_table *t) {
  double now = conns_now(), next = -1;
  if (t->header_timeout <= 0) return -1;
  ACR_LIST_EACH(c, &t->open, conn_t, link) {
    double due;
    if (c->closing || (c->phase != CONN_HEADERS && c->phase != CONN_NEW))
      continue;
    due = c->since + t->header_timeout;
    if (due <= now) {
      close_conn(c);
      t->timed_out++;
    } else if (next < 0 || due < next) {
      next = due;
    }
  }
  return next < 0 ? -1 : (long)((next - now) * 1e3) + 1;
}
