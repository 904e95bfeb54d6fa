/*
 * acrcloud.httpd: a small Lua binding of libmicrohttpd, used by the emulator.
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
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <microhttpd.h>

#include "acrcloud.h"

#define SERVER_MT "acrcloud.httpd.server"

/* Uploads larger than this are answered with 413 and not kept. */
#define MAX_BODY ((size_t)16 << 20)
/* Simultaneous connections; MHD refuses further ones until some close. */
#define MAX_CONNECTIONS 512u
/* Idle keep-alive connections are closed after this many seconds. Suspended
 * connections (requests Lua has not answered yet) never time out. */
#define IDLE_TIMEOUT 60u

/* A growable byte buffer. */
typedef struct {
  char *p;
  size_t len, cap;
} buf_t;

static int buf_add(buf_t *b, const char *s, size_t n) {
  if (n > SIZE_MAX - b->len - 1) return -1;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
      cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
    char *p = realloc(b->p, cap);
    if (p == NULL) return -1;
    b->p = p;
    b->cap = cap;
  }
  if (n) memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
  return 0;
}

static void buf_free(buf_t *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

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
  struct request *prev, *next; /* all live requests, oldest first */
  server_t *srv;
  struct MHD_Connection *conn;
  lua_Integer id;
  req_state state;
  int started;   /* the access handler has seen the headers */
  int too_large; /* the body went over MAX_BODY */
  int drop;      /* close the connection instead of answering */
  char *uri;     /* raw request target, query included */
  char *method;
  char peer[64]; /* the client's address and port, "127.0.0.1:40112" */
  buf_t headers; /* name '\0' value '\0' ..., names lowercased */
  buf_t body;
  unsigned status;
  struct MHD_Response *response;
} request_t;

struct server {
  struct MHD_Daemon *daemon; /* NULL once closed */
  request_t *head, *tail;
  lua_Integer next_id;
  int port;
  int oom; /* a callback could not allocate; reported by the next poll */
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
  r->srv = s;
  r->id = ++s->next_id;
  r->prev = s->tail;
  if (s->tail)
    s->tail->next = r;
  else
    s->head = r;
  s->tail = r;
  return r;
}

static void request_free(request_t *r) {
  server_t *s = r->srv;
  if (r->prev)
    r->prev->next = r->next;
  else
    s->head = r->next;
  if (r->next)
    r->next->prev = r->prev;
  else
    s->tail = r->prev;
  if (r->response) MHD_destroy_response(r->response);
  buf_free(&r->headers);
  buf_free(&r->body);
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
  (void)conn;
  (void)toe;
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
  if (buf_add(&r->headers, name, n + 1) != 0 ||
      buf_add(&r->headers, value, strlen(value) + 1) != 0) {
    r->srv->oom = 1;
    return MHD_NO;
  }
  for (size_t i = 0; i < n; i++) {
    char *c = &r->headers.p[start + i];
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
    r->method = strdup(method);
    if (r->method == NULL) {
      r->srv->oom = 1;
      return MHD_NO;
    }
    MHD_get_connection_values(conn, MHD_HEADER_KIND, add_header, r);
    if (r->srv->oom) return MHD_NO;
    len = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                      MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (len != NULL && strtoull(len, NULL, 10) > MAX_BODY) {
      /* Refuse before reading the body; MHD closes the connection. */
      r->state = REQ_DONE;
      return answer_now(conn, 413u, too_large_body);
    }
    return MHD_YES;
  }

  if (*upload_size != 0) {
    if (!r->too_large) {
      if (*upload_size > MAX_BODY - r->body.len) {
        r->too_large = 1;
        buf_free(&r->body);
      } else if (buf_add(&r->body, upload, *upload_size) != 0) {
        r->srv->oom = 1;
        return MHD_NO;
      }
    }
    *upload_size = 0;
    return MHD_YES;
  }

  /* The request is complete (or resumed after Lua answered it). */
  switch (r->state) {
  case REQ_RECEIVING:
    if (r->too_large) {
      r->state = REQ_DONE;
      return answer_now(conn, 413u, too_large_body);
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
  if (s->daemon == NULL) luaL_error(L, "attempt to use a closed server");
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
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 128) == 0 &&
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

/* httpd.listen{ host = "127.0.0.1", port = 0 } -> server */
static int l_listen(lua_State *L) {
  const char *host;
  lua_Integer port;
  char err[256];
  int fd, family = AF_INET;
  server_t *s;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "host");
  host = luaL_optstring(L, -1, "127.0.0.1");
  lua_getfield(L, 1, "port");
  port = luaL_optinteger(L, -1, 0);
  luaL_argcheck(L, port >= 0 && port <= 65535, 1, "port out of range");

  s = lua_newuserdatauv(L, sizeof *s, 0);
  memset(s, 0, sizeof *s);
  luaL_setmetatable(L, SERVER_MT);

  fd = open_listener(host, (int)port, &family, err, sizeof err);
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
      on_completed, s, MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL,
      MHD_OPTION_CONNECTION_LIMIT, MAX_CONNECTIONS,
      MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT, MHD_OPTION_END);
  if (s->daemon == NULL) {
    close(fd);
    return luaL_error(L, "cannot start the HTTP server on %s:%d", host,
                      (int)port);
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
    const char *name = r->headers.p + i;
    const char *value = name + strlen(name) + 1;
    i = (size_t)(value - r->headers.p) + strlen(value) + 1;
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
  lua_pushlstring(L, r->body.p ? r->body.p : "", r->body.len);
  lua_setfield(L, -2, "body");
}

/* server:poll([timeout]) -> array of requests. Waits up to timeout seconds
 * (forever if absent or negative) for activity, then returns the requests
 * that are complete. */
static int l_poll(lua_State *L) {
  server_t *s = check_server(L);
  double t = luaL_optnumber(L, 2, -1);
  int32_t ms = -1;
  lua_Integer n = 0;
  request_t *r;
  if (t >= 0) { /* rounded up, so that a wait never ends early */
    double want = t * 1e3;
    ms = want >= INT32_MAX ? INT32_MAX : (int32_t)want;
    if (ms < want && ms < INT32_MAX) ms++;
  }
  for (r = s->head; r != NULL; r = r->next)
    if (r->state == REQ_QUEUED) ms = 0; /* already something to hand out */
  if (MHD_run_wait(s->daemon, ms) != MHD_YES)
    return luaL_error(L, "the HTTP server failed while waiting for requests");
  if (s->oom) {
    s->oom = 0;
    return luaL_error(L, "the HTTP server ran out of memory");
  }
  lua_newtable(L);
  for (r = s->head; r != NULL; r = r->next) {
    if (r->state != REQ_QUEUED) continue;
    push_request(L, r);
    lua_rawseti(L, -2, ++n);
    r->state = REQ_WAITING; /* only once it is safely in the table */
  }
  return 1;
}

static request_t *waiting_request(server_t *s, lua_Integer id) {
  for (request_t *r = s->head; r != NULL; r = r->next)
    if (r->id == id) return r->state == REQ_WAITING ? r : NULL;
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
    for (request_t *r = s->head; r != NULL; r = r->next) {
      if (r->state == REQ_QUEUED || r->state == REQ_WAITING) {
        r->drop = 1;
        r->state = REQ_ANSWERED;
        MHD_resume_connection(r->conn);
      }
    }
    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
    while (s->head != NULL)
      request_free(s->head); /* should be none */
  }
  return 0;
}

static int l_tostring(lua_State *L) {
  server_t *s = luaL_checkudata(L, 1, SERVER_MT);
  if (s->daemon == NULL)
    lua_pushliteral(L, "httpd server (closed)");
  else
    lua_pushfstring(L, "httpd server (port %d)", s->port);
  return 1;
}

/* httpd.now() -> seconds from a monotonic clock, as a float. */
static int l_now(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
  return 1;
}

/* httpd.self_exe() -> path of the running executable. */
static int l_self_exe(lua_State *L) {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n < 0) {
    lua_pushnil(L);
    lua_pushstring(L, strerror(errno));
    return 2;
  }
  lua_pushlstring(L, path, (size_t)n);
  return 1;
}

static int l_getpid(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)getpid());
  return 1;
}

/* httpd.exit_with_parent([parent_pid]) -> true: the kernel sends SIGTERM to
 * this process when its parent exits. With parent_pid, a parent that is
 * already gone (it died before this call) terminates us at once. */
static int l_exit_with_parent(lua_State *L) {
  lua_Integer ppid = luaL_optinteger(L, 1, 0);
  if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) {
    lua_pushnil(L);
    lua_pushstring(L, strerror(errno));
    return 2;
  }
  if (ppid > 0 && (lua_Integer)getppid() != ppid) raise(SIGTERM);
  lua_pushboolean(L, 1);
  return 1;
}

/* httpd.kill(pid [, "TERM"|"KILL"|"INT"|0]) -> true | nil, message */
static int l_kill(lua_State *L) {
  lua_Integer pid = luaL_checkinteger(L, 1);
  static const char *const names[] = {"TERM", "KILL", "INT", "0", NULL};
  static const int sigs[] = {SIGTERM, SIGKILL, SIGINT, 0};
  int sig = sigs[luaL_checkoption(L, 2, "TERM", names)];
  luaL_argcheck(L, pid > 0, 1, "pid must be positive");
  if (kill((pid_t)pid, sig) != 0) {
    lua_pushnil(L);
    lua_pushstring(L, strerror(errno));
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

static const luaL_Reg server_methods[] = {
    {"port", l_port}, {"poll", l_poll},   {"respond", l_respond},
    {"drop", l_drop}, {"close", l_close}, {NULL, NULL}};

static const luaL_Reg server_meta[] = {{"__index", NULL},
                                       {"__gc", l_close},
                                       {"__close", l_close},
                                       {"__tostring", l_tostring},
                                       {NULL, NULL}};

static const luaL_Reg module_funcs[] = {
    {"listen", l_listen},
    {"now", l_now},
    {"self_exe", l_self_exe},
    {"getpid", l_getpid},
    {"exit_with_parent", l_exit_with_parent},
    {"kill", l_kill},
    {NULL, NULL}};

int luaopen_acrcloud_httpd(lua_State *L) {
  luaL_newmetatable(L, SERVER_MT);
  luaL_setfuncs(L, server_meta, 0);
  luaL_newlibtable(L, server_methods);
  luaL_setfuncs(L, server_methods, 0);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_newlib(L, module_funcs);
  lua_pushinteger(L, (lua_Integer)MAX_BODY);
  lua_setfield(L, -2, "max_body");
  return 1;
}
