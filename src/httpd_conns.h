/*
 * The HTTP server's guard against hostile peers: every connection is
 * tracked from accept to close, so that
 *  - a new connection must have sent its first request's headers within
 *    header_timeout seconds, and later requests on it theirs within
 *    header_timeout of their request line (a slowloris trickling one header
 *    line a second is closed, although each line resets libmicrohttpd's
 *    own idle timeout; so is what never sends a line, a TLS handshake on
 *    the plain port); between requests, libmicrohttpd's idle timeout
 *    applies;
 *  - once more than `max` connections are open, each new one closes the
 *    oldest connection that has no request in progress (idle or still
 *    sending headers), so that a flood of idle or slow connections, from
 *    however many addresses, cannot keep a real client out.
 * A connection is closed by shutdown() on its socket: libmicrohttpd sees the
 * end of the stream at its next turn and cleans up as for any client that
 * went away. Connections with a request in progress (being read, waiting for
 * Lua's answer, being answered) are never touched.
 */
#ifndef ACR_HTTPD_CONNS_H
#define ACR_HTTPD_CONNS_H

#include <microhttpd.h>

#include "list.h"

typedef struct conn conn_t;

typedef struct {
  acr_list open;         /* the open connections, oldest first */
  size_t peak;           /* the most open at once */
  unsigned max;          /* over this, the oldest waiting one is evicted */
  double header_timeout; /* seconds to send a request's headers */
  unsigned long long evicted, timed_out; /* closed by the guard, in all */
} conn_table;

void conns_init(conn_table *t, unsigned max, double header_timeout);

/* MHD_OPTION_NOTIFY_CONNECTION's callback; cls is the conn_table. */
void conns_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                  enum MHD_ConnectionNotificationCode code);

/* Where the connection's current request is: its request line has been
 * read; its headers are complete (the request is in progress); it is over
 * (the connection waits for the next one). */
void conns_request_line(struct MHD_Connection *c);
void conns_request_begins(struct MHD_Connection *c);
void conns_request_ends(struct MHD_Connection *c);

/* Closes the connections whose headers are overdue. Returns how many
 * milliseconds until the next deadline, or -1 when none is pending. */
long conns_sweep(conn_table *t);

/* Seconds from a monotonic clock. */
double conns_now(void);

#endif
