/*
 * acrcloud.httpd: a small Lua binding of libmicrohttpd, used by the emulator
 * and the callback receiver. It is a module of its own, in its own shared
 * object (acrcloud/httpd.so), so that a program that only calls the API
 * never loads libmicrohttpd.
 *
 * MHD runs without a thread of its own: Lua drives it with server:poll(),
 * which waits for network activity and returns the requests that have been
 * read completely. Lua answers each with server:respond() (or drops it with
 * server:drop()), now or later, in any order; until then the connection is
 * suspended, so a request whose answer is held back (the emulator's delays)
 * never holds up the others.
 *
 * No Lua function is ever called from an MHD callback: the callbacks only
 * fill C buffers and flip states; Lua values are made in poll() after
 * MHD_run_wait() has returned.
 *
 *   local httpd = require "acrcloud.httpd"
 *   local server = httpd.listen{ host = "127.0.0.1", port = 0 }
 *   -- limits (defaults in brackets, see listen_options below): max_body
 *   -- [16 MiB], idle_timeout [30 s], header_timeout [10 s],
 *   -- max_connections [1024], max_per_ip [128], memory_limit [32 KiB a
 *   -- connection], max_buffered [64 MiB of bodies in all]
 *   for _, req in ipairs(server:poll(1.0)) do
 *     -- req = { id =, method =, path =, query =, headers = {}, body =,
 *     --         peer = "127.0.0.1:40112" (the client's address and port) }
 *     server:respond(req.id, 200, { ["Content-Type"] = "text/plain" }, "hi")
 *   end
 *   server:close()
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <microhttpd.h>

#include "acrcloud.h"
#include "buf.h"
#include "httpd_conns.h"
#include "list.h"

#define SERVER_MT "acrcloud.httpd.server"

/* Defaults of listen{}'s limits; see listen_options(). */
#define DEFAULT_MAX_BODY ((lua_Integer)16 << 20)
#define DEFAULT_IDLE_TIMEOUT 30
#define DEFAULT_HEADER_TIMEOUT 10
#define DEFAULT_MAX_CONNECTIONS 1024
#define DEFAULT_MAX_PER_IP 128
#define DEFAULT_MEMORY_LIMIT ((lua_Integer)32 << 10)
#define DEFAULT_MAX_BUFFERED ((lua_Integer)64 << 20)
/* Connections MHD accepts beyond max_connections: room for the newcomers
 * whose arrival evicts an older waiting connection (see httpd_conns.h). */
#define EVICTION_ROOM 64u

/* Where a request is in its life. */
typedef enum {
  REQ_RECEIVING, /* headers or body still arriving */
  REQ_QUEUED,    /* complete, suspended, not yet handed to Lua */
  REQ_WAITING,   /* handed to Lua by poll(), suspended until respond/drop */
  REQ_ANSWERED,  /* Lua answered; resumed, the handler queues the answer */
  REQ_DONE       /* the answer went to MHD */
} req_state;

typedef struct server server_t;

typedef struct request {
  acr_link link; /* in the server's requests */
  server_t *srv;
  struct MHD_Connection *conn;
  lua_Integer id;
  req_state state;
  int started;   /* the access handler has seen the headers */
  int too_large; /* the body went over max_body */
  int too_busy;  /* the server's bodies in all went over max_buffered */
  int drop;      /* close the connection instead of answering */
  char *uri;     /* raw request target, query included */
  char *method;
  char peer[64];   /* the client's address and port, "127.0.0.1:40112" */
  acr_buf headers; /* name '\0' value '\0' ..., names lowercased */
  acr_buf body;
  unsigned status;
  struct MHD_Response *response;
} request_t;

struct server {
  struct MHD_Daemon *daemon; /* NULL once closed */
  acr_list requests;         /* all live ones, oldest first */
  lua_Integer next_id;
  int port;
  int oom;         /* a callback could not allocate; reported by poll */
  size_t max_body; /* a request's body, at most */
  size_t max_buffered, buffered; /* bodies held, in all */
  conn_table conns;              /* the guard against hostile peers */
  double next_sweep;             /* when conns_sweep is due again */
};

/* ---- MHD callbacks: C only, no Lua in here ---- */

/* Leaves %XX escapes alone, so that the path the emulator sees is the raw
 * one and an encoded '/' inside a segment stays inside it. */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s) {
  (void)cls;
  (void)c;
  return strlen(s);
}

/* "addr:port" of the client, "[addr]:port" for IPv6. */
static void format_peer(struct MHD_Connection *conn, char *out, size_t len) {
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  char host[INET6_ADDRSTRLEN];
  out[0] = '\0';
  if (ci == NULL || ci->client_addr == NULL) return;
  if (ci->client_addr->sa_family == AF_INET) {
    const struct sockaddr_in *a = (const void *)ci->client_addr;
    if (inet_ntop(AF_INET, &a->sin_addr, host, sizeof host))
      snprintf(out, len, "%s:%u", host, (unsigned)ntohs(a->sin_port));
  } else if (ci->client_addr->sa_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const void *)ci->client_addr;
    if (inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host))
      snprintf(out, len, "[%s]:%u", host, (unsigned)ntohs(a->sin6_port));
  }
}

/* First callback of every request: make our request object. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn) {
  server_t *s = cls;
  request_t *r = calloc(1, sizeof *r);
  if (r == NULL) {
    s->oom = 1;
    return NULL;
  }
  r->uri = strdup(uri);
  if (r->uri == NULL) {
    free(r);
    s->oom = 1;
    return NULL;
  }
  format_peer(conn, r->peer, sizeof r->peer);
  conns_request_line(conn);
  r->srv = s;
  r->id = ++s->next_id;
  acr_list_append(&s->requests, &r->link);
  return r;
}

static void request_free(request_t *r) {
  server_t *s = r->srv;
  acr_list_remove(&s->requests, &r->link);
  if (r->response) MHD_destroy_response(r->response);
  s->buffered -= r->body.len;
  acr_buf_free(&r->headers);
  acr_buf_free(&r->body);
  free(r->method);
  free(r->uri);
  free(r);
}

/* Last callback of every request, however it ended (answered, client gone,
 * timeout, daemon shutdown). */
static void on_completed(void *cls, struct MHD_Connection *conn, void **ctx,
                         enum MHD_RequestTerminationCode toe) {
  request_t *r = *ctx;
  (void)cls;
  (void)toe;
  conns_request_ends(conn);
  if (r == NULL) return;
  *ctx = NULL;
  request_free(r);
}

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind,
                                  const char *name, const char *value) {
  request_t *r = cls;
  size_t start = r->headers.len, n = strlen(name);
  (void)kind;
  if (value == NULL) value = "";
  if (acr_buf_append(&r->headers, name, n + 1) != 0 ||
      acr_buf_append(&r->headers, value, strlen(value) + 1) != 0) {
    r->srv->oom = 1;
    return MHD_NO;
  }
  for (size_t i = 0; i < n; i++) {
    char *c = &r->headers.data[start + i];
    if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
  }
  return MHD_YES;
}

static enum MHD_Result answer_now(struct MHD_Connection *conn, unsigned status,
                                  const char *text) {
  struct MHD_Response *res = MHD_create_response_from_buffer(
      strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
  enum MHD_Result ret;
  if (res == NULL) return MHD_NO;
  MHD_add_response_header(res, MHD_HTTP_HEADER_CONTENT_TYPE,
                          "application/json");
  ret = MHD_queue_response(conn, status, res);
  MHD_destroy_response(res);
  return ret;
}

static const char too_large_body[] =
    "{\"message\":\"The request body is too large.\"}";
static const char too_busy_body[] =
    "{\"message\":\"The server is busy; try again later.\"}";

/* Appends a piece of the body, within the request's and the server's
 * limits (past either, the body is dropped and the request refused once
 * it is complete). Returns MHD_NO only when memory runs out. */
static enum MHD_Result take_body(request_t *r, const char *data, size_t n) {
  server_t *s = r->srv;
  if (r->too_large || r->too_busy) return MHD_YES;
  if (n > s->max_body - r->body.len) {
    r->too_large = 1;
  } else if (n > s->max_buffered - s->buffered) {
    r->too_busy = 1;
  } else if (acr_buf_append(&r->body, data, n) != 0) {
    s->oom = 1;
    return MHD_NO;
  } else {
    s->buffered += n;
    return MHD_YES;
  }
  s->buffered -= r->body.len;
  acr_buf_free(&r->body);
  return MHD_YES;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn,
                                 const char *url, const char *method,
                                 const char *version, const char *upload,
                                 size_t *upload_size, void **ctx) {
  request_t *r = *ctx;
  (void)cls;
  (void)url;
  (void)version;
  if (r == NULL) return MHD_NO; /* on_uri could not allocate */

  if (!r->started) {
    const char *len;
    r->started = 1;
    r->conn = conn;
    conns_request_begins(conn);
    r->method = strdup(method);
    if (r->method == NULL) {
      r->srv->oom = 1;
      return MHD_NO;
    }
    MHD_get_connection_values(conn, MHD_HEADER_KIND, add_header, r);
    if (r->srv->oom) return MHD_NO;
    len = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                      MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (len != NULL && strtoull(len, NULL, 10) > r->srv->max_body) {
      /* Refuse before reading the body; MHD closes the connection. */
      r->state = REQ_DONE;
      return answer_now(conn, 413u, too_large_body);
    }
    return MHD_YES;
  }

  if (*upload_size != 0) {
    enum MHD_Result ret = take_body(r, upload, *upload_size);
    *upload_size = 0;
    return ret;
  }

  /* The request is complete (or resumed after Lua answered it). */
  switch (r->state) {
  case REQ_RECEIVING:
    if (r->too_large || r->too_busy) {
      r->state = REQ_DONE;
      return r->too_large ? answer_now(conn, 413u, too_large_body)
                          : answer_now(conn, 503u, too_busy_body);
    }
    r->state = REQ_QUEUED;
    MHD_suspend_connection(conn);
    return MHD_YES;
  case REQ_ANSWERED: {
    enum MHD_Result ret;
    r->state = REQ_DONE;
    if (r->drop || r->response == NULL) return MHD_NO;
    ret = MHD_queue_response(conn, r->status, r->response);
    MHD_destroy_response(r->response);
    r->response = NULL;
    return ret;
  }
  default: return MHD_NO;
  }
}

/* ---- Lua side ---- */

static server_t *check_server(lua_State *L) {
  server_t *s = luaL_checkudata(L, 1, SERVER_MT);
  if (s->daemon == NULL) luaL_error(L, "acrcloud: the server is closed");
  return s;
}

/* Opens, binds and listens on host:port, returning the socket or -1 with a
 * message in err. */
static int open_listener(const char *host, int port, int *family, char *err,
                         size_t errlen) {
  struct addrinfo hints, *res = NULL, *ai;
  char service[16];
  int rc, fd = -1, saved = 0;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  snprintf(service, sizeof service, "%d", port);
  rc = getaddrinfo(host, service, &hints, &res);
  if (rc != 0) {
    snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port,
             gai_strerror(rc));
    return -1;
  }
  for (ai = res; ai != NULL; ai = ai->ai_next) {
    int one = 1;
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      saved = errno;
      continue;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
        listen(fd, SOMAXCONN) == 0 &&
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0) {
      *family = ai->ai_family;
      break;
    }
    saved = errno;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0)
    snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port,
             strerror(saved));
  return fd;
}

static int local_port(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) return -1;
  if (ss.ss_family == AF_INET)
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
  if (ss.ss_family == AF_INET6)
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  return -1;
}

/* listen{}'s options, checked. */
typedef struct {
  const char *host;
  lua_Integer port, max_body, idle_timeout, header_timeout, max_connections,
      max_per_ip, memory_limit, max_buffered;
} listen_opts;

/* Reads the integer option `name` of the table at 1 into *out (left as is
 * when absent); raises unless it lies in [min, max]. */
static void int_option(lua_State *L, const char *name, lua_Integer min,
                       lua_Integer max, lua_Integer *out) {
  int isnum;
  lua_Integer v;
  if (lua_getfield(L, 1, name) == LUA_TNIL) {
    lua_pop(L, 1);
    return;
  }
  v = lua_tointegerx(L, -1, &isnum);
  if (!isnum || v < min || v > max)
    luaL_error(L, "httpd.listen: %s must be an integer from %I to %I", name,
               min, max);
  lua_pop(L, 1);
  *out = v;
}

static void listen_options(lua_State *L, listen_opts *o) {
  static const char *const known[] = {"host",           "port",
                                      "max_body",       "idle_timeout",
                                      "header_timeout", "max_connections",
                                      "max_per_ip",     "memory_limit",
                                      "max_buffered",   NULL};
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
    int i = 0;
    while (known[i] && strcmp(known[i], k) != 0)
      i++;
    if (known[i] == NULL)
      luaL_error(L, "httpd.listen: unknown option '%s'",
                 lua_type(L, -2) == LUA_TSTRING ? k : luaL_typename(L, -2));
    lua_pop(L, 1);
  }
  lua_getfield(L, 1, "host");
  o->host = luaL_optstring(L, -1, "127.0.0.1");
  lua_pop(L, 1);
  o->port = 0;
  o->max_body = DEFAULT_MAX_BODY;
  o->idle_timeout = DEFAULT_IDLE_TIMEOUT;
  o->header_timeout = DEFAULT_HEADER_TIMEOUT;
  o->max_connections = DEFAULT_MAX_CONNECTIONS;
  o->max_per_ip = DEFAULT_MAX_PER_IP;
  o->memory_limit = DEFAULT_MEMORY_LIMIT;
  o->max_buffered = DEFAULT_MAX_BUFFERED;
  int_option(L, "port", 0, 65535, &o->port);
  int_option(L, "max_body", 0, (lua_Integer)1 << 40, &o->max_body);
  int_option(L, "idle_timeout", 1, 86400, &o->idle_timeout);
  /* 0: no deadline for headers */
  int_option(L, "header_timeout", 0, 86400, &o->header_timeout);
  int_option(L, "max_connections", 1, 1 << 20, &o->max_connections);
  /* 0: no limit per address */
  int_option(L, "max_per_ip", 0, 1 << 20, &o->max_per_ip);
  int_option(L, "memory_limit", 8 << 10, (lua_Integer)1 << 30,
             &o->memory_limit);
  int_option(L, "max_buffered", 0, (lua_Integer)1 << 40, &o->max_buffered);
}

/* A server holds up to max_connections (and EVICTION_ROOM more) sockets:
 * raise the soft limit on open files toward the hard one if it is lower,
 * so that a flood meets our limits and not EMFILE. */
static void ensure_fd_room(rlim_t wanted) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= wanted) return;
  rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > wanted
                    ? wanted
                    : rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
}

/* httpd.listen{ host = "127.0.0.1", port = 0, ...limits } -> server */
static int l_listen(lua_State *L) {
  listen_opts o;
  char err[256];
  int fd, family = AF_INET;
  unsigned hard_limit;
  server_t *s;
  listen_options(L, &o);

  s = lua_newuserdatauv(L, sizeof *s, 0);
  memset(s, 0, sizeof *s);
  luaL_setmetatable(L, SERVER_MT);
  s->max_body = (size_t)o.max_body;
  s->max_buffered = (size_t)o.max_buffered;
  conns_init(&s->conns, (unsigned)o.max_connections, (double)o.header_timeout);
  hard_limit = (unsigned)o.max_connections + EVICTION_ROOM;
  ensure_fd_room((rlim_t)hard_limit + 64);

  fd = open_listener(o.host, (int)o.port, &family, err, sizeof err);
  if (fd < 0) { /* no position prefix: the message is for the user */
    lua_pushstring(L, err);
    return lua_error(L);
  }
  s->port = local_port(fd);
  s->daemon = MHD_start_daemon(
      MHD_USE_AUTO | MHD_ALLOW_SUSPEND_RESUME |
          (family == AF_INET6 ? MHD_USE_IPv6 : 0),
      0, NULL, NULL, on_access, s, MHD_OPTION_LISTEN_SOCKET, fd,
      MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_NOTIFY_COMPLETED,
      on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, conns_notify, &s->conns,
      MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL,
      MHD_OPTION_CONNECTION_LIMIT, hard_limit,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)o.max_per_ip,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)o.memory_limit,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o.idle_timeout, MHD_OPTION_END);
  if (s->daemon == NULL) {
    close(fd);
    return luaL_error(L, "cannot start the HTTP server on %s:%d", o.host,
                      (int)o.port);
  }
  return 1;
}

static int l_port(lua_State *L) {
  server_t *s = check_server(L);
  lua_pushinteger(L, s->port);
  return 1;
}

static void push_request(lua_State *L, request_t *r) {
  const char *q = strchr(r->uri, '?');
  size_t pathlen = q ? (size_t)(q - r->uri) : strlen(r->uri);
  lua_createtable(L, 0, 7);
  lua_pushinteger(L, r->id);
  lua_setfield(L, -2, "id");
  lua_pushstring(L, r->peer);
  lua_setfield(L, -2, "peer");
  lua_pushstring(L, r->method);
  lua_setfield(L, -2, "method");
  lua_pushlstring(L, r->uri, pathlen);
  lua_setfield(L, -2, "path");
  lua_pushstring(L, q ? q + 1 : "");
  lua_setfield(L, -2, "query");
  lua_newtable(L);
  for (size_t i = 0; i < r->headers.len;) {
    const char *name = r->headers.data + i;
    const char *value = name + strlen(name) + 1;
    i = (size_t)(value - r->headers.data) + strlen(value) + 1;
    /* A repeated header: join the values the way HTTP allows. */
    if (lua_getfield(L, -1, name) == LUA_TSTRING) {
      lua_pushliteral(L, ", ");
      lua_pushstring(L, value);
      lua_concat(L, 3);
    } else {
      lua_pop(L, 1);
      lua_pushstring(L, value);
    }
    lua_setfield(L, -2, name);
  }
  lua_setfield(L, -2, "headers");
  lua_pushlstring(L, r->body.data ? r->body.data : "", r->body.len);
  lua_setfield(L, -2, "body");
}

/* Runs the connection guard's deadlines (at most ten times a second) and
 * shortens the wait *ms so that the next deadline is not overslept. */
static void sweep(server_t *s, int32_t *ms) {
  double now = conns_now();
  long next;
  if (now < s->next_sweep) return;
  s->next_sweep = now + 0.1;
  next = conns_sweep(&s->conns);
  if (next >= 0 && (*ms < 0 || next < *ms))
    *ms = next > INT32_MAX ? INT32_MAX : (int32_t)next;
}

/* server:poll([timeout]) -> array of requests. Waits up to timeout seconds
 * (forever if absent or negative) for activity, then returns the requests
 * that are complete. */
static int l_poll(lua_State *L) {
  server_t *s = check_server(L);
  double t = luaL_optnumber(L, 2, -1);
  int32_t ms = -1;
  lua_Integer n = 0;
  if (t >= 0) { /* rounded up, so that a wait never ends early */
    double want = t * 1e3;
    ms = want >= INT32_MAX ? INT32_MAX : (int32_t)want;
    if (ms < want && ms < INT32_MAX) ms++;
  }
  ACR_LIST_EACH(r, &s->requests, request_t, link) {
    if (r->state == REQ_QUEUED) ms = 0; /* already something to hand out */
  }
  sweep(s, &ms);
  if (MHD_run_wait(s->daemon, ms) != MHD_YES)
    return luaL_error(L, "the HTTP server failed while waiting for requests");
  if (s->oom) {
    s->oom = 0;
    return luaL_error(L, "the HTTP server ran out of memory");
  }
  lua_newtable(L);
  ACR_LIST_EACH(r, &s->requests, request_t, link) {
    if (r->state != REQ_QUEUED) continue;
    push_request(L, r);
    lua_rawseti(L, -2, ++n);
    r->state = REQ_WAITING; /* only once it is safely in the table */
  }
  return 1;
}

static request_t *waiting_request(server_t *s, lua_Integer id) {
  ACR_LIST_EACH(r, &s->requests, request_t, link) {
    if (r->id == id) return r->state == REQ_WAITING ? r : NULL;
  }
  return NULL;
}

static int has_crlf(const char *s, size_t n) {
  return memchr(s, '\r', n) != NULL || memchr(s, '\n', n) != NULL;
}

/* server:respond(id, status, headers, body) -> true, or false if the request
 * is not waiting for an answer (already answered, or unknown). */
static int l_respond(lua_State *L) {
  server_t *s = check_server(L);
  lua_Integer id = luaL_checkinteger(L, 2);
  lua_Integer status = luaL_checkinteger(L, 3);
  size_t bodylen = 0;
  const char *body;
  struct MHD_Response *res;
  request_t *r;
  int list, nh = 0;
  luaL_argcheck(L, status >= 100 && status <= 999, 3, "invalid HTTP status");
  if (!lua_isnoneornil(L, 4)) luaL_checktype(L, 4, LUA_TTABLE);
  body = luaL_optlstring(L, 5, "", &bodylen);

  /* Check and copy the headers into a flat list of strings first, so that
   * nothing can raise once the MHD response exists. */
  lua_newtable(L);
  list = lua_gettop(L);
  if (lua_istable(L, 4)) {
    lua_pushnil(L);
    while (lua_next(L, 4) != 0) {
      size_t kl, vl;
      const char *k, *v;
      if (lua_type(L, -2) != LUA_TSTRING)
        return luaL_error(L, "header names must be strings");
      if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
        return luaL_error(L, "header '%s' must be a string or a number",
                          lua_tostring(L, -2));
      k = lua_tolstring(L, -2, &kl);
      lua_pushvalue(L, -1);
      v = lua_tolstring(L, -1, &vl); /* converts the copy, not the value */
      if (kl == 0 || has_crlf(k, kl) || has_crlf(v, vl) || strlen(k) != kl ||
          strlen(v) != vl || memchr(k, ':', kl))
        return luaL_error(L, "invalid header '%s'", k);
      lua_pop(L, 1);
      lua_pushvalue(L, -2);
      lua_rawseti(L, list, ++nh);
      lua_pushvalue(L, -1);
      lua_tolstring(L, -1, NULL);
      lua_rawseti(L, list, ++nh);
      lua_pop(L, 1);
    }
  }

  r = waiting_request(s, id);
  if (r == NULL) {
    lua_pushboolean(L, 0);
    return 1;
  }
  res = MHD_create_response_from_buffer(bodylen, (void *)body,
                                        MHD_RESPMEM_MUST_COPY);
  if (res == NULL) return luaL_error(L, "cannot create the HTTP response");
  for (int i = 1; i < nh; i += 2) {
    const char *k, *v;
    lua_rawgeti(L, list, i);
    lua_rawgeti(L, list, i + 1);
    k = lua_tostring(L, -2);
    v = lua_tostring(L, -1);
    /* MHD computes the length itself. */
    if (strcasecmp(k, MHD_HTTP_HEADER_CONTENT_LENGTH) != 0 &&
        MHD_add_response_header(res, k, v) != MHD_YES) {
      MHD_destroy_response(res);
      return luaL_error(L, "invalid header '%s'", k);
    }
    lua_pop(L, 2);
  }
  r->response = res;
  r->status = (unsigned)status;
  r->state = REQ_ANSWERED;
  MHD_resume_connection(r->conn);
  lua_pushboolean(L, 1);
  return 1;
}

/* server:drop(id) -> true|false: closes the connection without an answer. */
static int l_drop(lua_State *L) {
  server_t *s = check_server(L);
  request_t *r = waiting_request(s, luaL_checkinteger(L, 2));
  if (r != NULL) {
    r->drop = 1;
    r->state = REQ_ANSWERED;
    MHD_resume_connection(r->conn);
  }
  lua_pushboolean(L, r != NULL);
  return 1;
}

/* close(), __close and __gc: idempotent. */
static int l_close(lua_State *L) {
  server_t *s = luaL_checkudata(L, 1, SERVER_MT);
  if (s->daemon != NULL) {
    /* MHD refuses to stop with suspended connections: resume them all as
     * dropped; stopping then closes them and frees their requests. */
    ACR_LIST_EACH(r, &s->requests, request_t, link) {
      if (r->state == REQ_QUEUED || r->state == REQ_WAITING) {
        r->drop = 1;
        r->state = REQ_ANSWERED;
        MHD_resume_connection(r->conn);
      }
    }
    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
    while (s->requests.head != NULL) /* should be none */
      request_free(ACR_LIST_ENTRY(s->requests.head, request_t, link));
  }
  return 0;
}

static int l_tostring(lua_State *L) {
  server_t *s = luaL_checkudata(L, 1, SERVER_MT);
  /* The library's one tostring format: NAME (detail): address. */
  if (s->daemon == NULL)
    lua_pushfstring(L, "acrcloud.httpd.server (closed): %p", (void *)s);
  else
    lua_pushfstring(L, "acrcloud.httpd.server (port %d): %p", s->port,
                    (void *)s);
  return 1;
}

/* server:stats() -> { connections =, peak =, requests =, answering =,
 * evicted =, timed_out =, buffered = }: open connections, and the most
 * that were ever open at once; requests being read or
 * waiting for an answer; answers given but not yet sent out; connections
 * closed by the guard (evicted to make room, headers overdue); bytes of
 * bodies held. */
static int l_stats(lua_State *L) {
  server_t *s = check_server(L);
  lua_Integer requests = 0, answering = 0;
  ACR_LIST_EACH(r, &s->requests, request_t, link) {
    if (r->state == REQ_ANSWERED || r->state == REQ_DONE)
      answering++;
    else
      requests++;
  }
  lua_createtable(L, 0, 7);
  lua_pushinteger(L, (lua_Integer)s->conns.open.count);
  lua_setfield(L, -2, "connections");
  lua_pushinteger(L, (lua_Integer)s->conns.peak);
  lua_setfield(L, -2, "peak");
  lua_pushinteger(L, requests);
  lua_setfield(L, -2, "requests");
  lua_pushinteger(L, answering);
  lua_setfield(L, -2, "answering");
  lua_pushinteger(L, (lua_Integer)s->conns.evicted);
  lua_setfield(L, -2, "evicted");
  lua_pushinteger(L, (lua_Integer)s->conns.timed_out);
  lua_setfield(L, -2, "timed_out");
  lua_pushinteger(L, (lua_Integer)s->buffered);
  lua_setfield(L, -2, "buffered");
  return 1;
}

static const luaL_Reg server_methods[] = {
    {"port", l_port}, {"poll", l_poll},   {"respond", l_respond},
    {"drop", l_drop}, {"stats", l_stats}, {"close", l_close},
    {NULL, NULL}};

static const luaL_Reg server_meta[] = {{"__index", NULL},
                                       {"__gc", l_close},
                                       {"__close", l_close},
                                       {"__tostring", l_tostring},
                                       {NULL, NULL}};

static const luaL_Reg module_funcs[] = {{"listen", l_listen}, {NULL, NULL}};

int luaopen_acrcloud_httpd(lua_State *L) {
  luaL_newmetatable(L, SERVER_MT);
  luaL_setfuncs(L, server_meta, 0);
  luaL_newlibtable(L, server_methods);
  luaL_setfuncs(L, server_methods, 0);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_newlib(L, module_funcs);
  lua_pushinteger(L, DEFAULT_MAX_BODY);
  lua_setfield(L, -2, "max_body");
  return 1;
}
