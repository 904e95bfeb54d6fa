#include "response.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include "errors.h"
#include "json.h"

/* Pushes {name = value} from the raw header block (len bytes at raw, or
 * NULL), names lowercased; repeated headers are joined with ", ". */
static void push_headers(lua_State *L, const char *raw, size_t len) {
  const char *stop = raw ? raw + len : NULL;
  int lines = 0;
  for (const char *p = raw; p && (p = memchr(p, '\n', (size_t)(stop - p))); p++)
    lines++;
  lua_createtable(L, 0, lines > 2 ? lines - 2 : 0); /* less status, blank */
  if (!raw) return;
  const char *line = memchr(raw, '\n', len); /* skip the status line */
  char name[64];
  while (line && ++line < stop) {
    const char *end = memchr(line, '\n', (size_t)(stop - line));
    if (!end) end = stop;
    const char *colon = memchr(line, ':', (size_t)(end - line));
    if (colon) {
      const char *v = colon + 1;
      while (v < end && (*v == ' ' || *v == '\t'))
        v++;
      const char *ve = end;
      while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\r'))
        ve--;
      size_t n = (size_t)(colon - line);
      if (n < sizeof name) {
        for (size_t i = 0; i < n; i++)
          name[i] = (char)tolower((unsigned char)line[i]);
        lua_pushlstring(L, name, n);
      } else {
        lua_pushlstring(L, line, n); /* not a header anyone reads */
      }
      lua_pushvalue(L, -1);
      if (lua_rawget(L, -3) == LUA_TSTRING) {
        lua_pushliteral(L, ", ");
        lua_pushlstring(L, v, (size_t)(ve - v));
        lua_concat(L, 3);
      } else {
        lua_pop(L, 1);
        lua_pushlstring(L, v, (size_t)(ve - v));
      }
      lua_rawset(L, -3);
    }
    line = end < stop ? end : NULL;
  }
}

/* ---- res.headers, made on first use ----
 * Most callers never read the headers, and making their table was a sixth
 * of a raw call. So a response's raw header block waits in a weak-keyed
 * table (response -> block), and `headers` becomes a plain field of the
 * response the first time it is read (res.headers, or pairs(res)), through
 * the metatable all such responses share. */

static const char key_blocks = 0, key_mt = 0; /* registry keys */

static int response_index(lua_State *L);
static int response_pairs(lua_State *L);

/* Pushes the registry's table under key, made by make on first use. */
static void push_registry_table(lua_State *L, const void *key,
                                void (*make)(lua_State *L)) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, key) == LUA_TTABLE) return;
  lua_pop(L, 1);
  make(L);
  lua_pushvalue(L, -1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, key);
}

static void make_blocks(lua_State *L) {
  lua_newtable(L);
  lua_createtable(L, 0, 1);
  lua_pushliteral(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
}

static void make_mt(lua_State *L) {
  lua_createtable(L, 0, 2);
  lua_pushcfunction(L, response_index);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, response_pairs);
  lua_setfield(L, -2, "__pairs");
}

/* Pushes res.headers of the response at idx, made now from its waiting
 * block if it was not yet. */
static void push_lazy_headers(lua_State *L, int idx) {
  lua_pushliteral(L, "headers");
  if (lua_rawget(L, idx) != LUA_TNIL) return;
  lua_pop(L, 1);
  push_registry_table(L, &key_blocks, make_blocks);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  size_t len = 0;
  const char *raw = lua_tolstring(L, -1, &len);
  push_headers(L, raw, len);
  lua_pushvalue(L, -1);
  lua_setfield(L, idx, "headers");
  lua_pushvalue(L, idx); /* the block is not needed any more */
  lua_pushnil(L);
  lua_rawset(L, -5);
  lua_replace(L, -3);
  lua_pop(L, 1);
}

static int response_index(lua_State *L) {
  if (lua_type(L, 2) != LUA_TSTRING ||
      strcmp(lua_tostring(L, 2), "headers") != 0)
    return 0;
  push_lazy_headers(L, 1);
  return 1;
}

static int response_next(lua_State *L) {
  lua_settop(L, 2);
  if (lua_next(L, 1)) return 2;
  lua_pushnil(L);
  return 1;
}

/* pairs(res) lists the headers too. */
static int response_pairs(lua_State *L) {
  push_lazy_headers(L, 1);
  lua_pushcfunction(L, response_next);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

/* Whether the block has a header that the composites read on success
 * (X-RateLimit-*, X-Rate-Limit-*): then the table is made at once. */
static int has_rate_limit(const char *raw, size_t len) {
  static const char *const prefixes[] = {"x-ratelimit-", "x-rate-limit-"};
  const char *stop = raw + len;
  for (const char *p = raw; p && (p = memchr(p, '\n', (size_t)(stop - p)));) {
    p++;
    for (size_t i = 0; i < 2 && (*p == 'x' || *p == 'X'); i++) {
      size_t n = strlen(prefixes[i]);
      if ((size_t)(stop - p) > n && strncasecmp(p, prefixes[i], n) == 0)
        return 1;
    }
  }
  return 0;
}

/* Sets the headers of the response table at -1: now, or on first use. */
static void set_response_headers(lua_State *L, const acr_buf *raw) {
  if (!raw->data || has_rate_limit(raw->data, raw->len)) {
    push_headers(L, raw->data, raw->len);
    lua_setfield(L, -2, "headers");
    return;
  }
  push_registry_table(L, &key_blocks, make_blocks);
  lua_pushvalue(L, -2);
  lua_pushlstring(L, raw->data, raw->len);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  push_registry_table(L, &key_mt, make_mt);
  lua_setmetatable(L, -2);
}

/* On an HTTP error, copies message and field errors from the server's JSON
 * into the error object at -1 (body decoded at body_idx, or a string). */
static void fill_http_error(lua_State *L, int body_idx) {
  int err = lua_gettop(L);
  if (lua_istable(L, body_idx)) {
    if (lua_getfield(L, body_idx, "message") == LUA_TSTRING ||
        (lua_pop(L, 1), lua_getfield(L, body_idx, "error")) == LUA_TSTRING)
      lua_setfield(L, err, "message");
    lua_settop(L, err);
    if (lua_getfield(L, body_idx, "errors") == LUA_TTABLE)
      lua_setfield(L, err, "errors");
    lua_settop(L, err);
  }
  lua_pushvalue(L, body_idx);
  lua_setfield(L, err, "body");
}

/* nil, err for a transfer that got no answer. */
static int push_failure(lua_State *L, acr_request *r) {
  acr_transfer *t = &r->xfer;
  const char *method = r->spec.method, *url = r->spec.url;
  if (t->result == ACR_HTTP_FILE) {
    if (r->output)
      lua_pushfstring(L, "%s: %s", r->output, t->error);
    else
      lua_pushstring(L, t->error);
    acr_push_error(L, "file", lua_tostring(L, -1), method, url);
  } else {
    /* Out of memory is the machine's failure, not a misuse: it is
     * returned like a network failure, never raised. */
    acr_push_error(L,
                   t->result == ACR_HTTP_TIMEOUT       ? "timeout"
                   : t->result == ACR_HTTP_INTERRUPTED ? "interrupted"
                   : t->result == ACR_HTTP_TOO_LARGE   ? "too_large"
                                                       : "network",
                   t->error, method, url);
  }
  /* false: the request never left (DNS, connect), so it is safe to send
   * again; true: the server may have acted on it. */
  lua_pushboolean(L, t->sent);
  lua_setfield(L, -2, "sent");
  return 2;
}

/* nil, err for an answer outside 2xx, or a 2xx whose JSON does not decode;
 * the decoded body (or the decoder's message) is at body_idx. */
static int push_bad_answer(lua_State *L, acr_request *r, int body_idx,
                           int decoded) {
  acr_transfer *t = &r->xfer;
  int ok = t->status >= 200 && t->status < 300;
  if (ok)
    lua_pushfstring(L, "the response is not valid JSON: %s",
                    lua_tostring(L, body_idx));
  else
    lua_pushfstring(L, "the server answered %d", (int)t->status);
  acr_push_error(L, ok ? "decode" : "http", lua_tostring(L, -1), r->spec.method,
                 r->spec.url);
  lua_pushinteger(L, t->status);
  lua_setfield(L, -2, "status");
  lua_pushboolean(L, 1);
  lua_setfield(L, -2, "sent");
  push_headers(L, t->headers.data, t->headers.len);
  lua_setfield(L, -2, "headers");
  if (decoded) {
    fill_http_error(L, body_idx);
  } else {
    lua_pushlstring(L, t->body.data ? t->body.data : "", t->body.len);
    lua_setfield(L, -2, "body");
  }
  return 2;
}

static int push_outcome(lua_State *L, acr_request *r, int req_idx) {
  acr_transfer *t = &r->xfer;
  if (t->result != ACR_HTTP_OK) return push_failure(L, r);
  int ok = t->status >= 200 && t->status < 300;
  /* the body: decoded JSON, true when empty, the text when undecodable;
   * the bytes of a raw answer, or true once written to the output file */
  int decoded = 1;
  if (ok && r->raw && r->output)
    lua_pushboolean(L, 1);
  else if (ok && r->raw)
    lua_pushlstring(L, t->body.data ? t->body.data : "", t->body.len);
  else if (t->body.len == 0)
    lua_pushboolean(L, 1);
  else
    decoded = acr_json_decode(L, t->body.data, t->body.len);
  int body = lua_gettop(L);
  if (!ok || !decoded) return push_bad_answer(L, r, body, decoded);
  lua_createtable(L, 0, 4); /* status, method, url, attempts */
  lua_pushinteger(L, t->status);
  lua_setfield(L, -2, "status");
  set_response_headers(L, &t->headers);
  lua_pushstring(L, r->spec.method);
  lua_setfield(L, -2, "method");
  acr_request_push_url(L, req_idx);
  lua_setfield(L, -2, "url");
  return 2;
}

int acr_response_push(lua_State *L, int req_idx) {
  acr_request *r = lua_touserdata(L, req_idx);
  int n = push_outcome(L, r, lua_absindex(L, req_idx));
  acr_transfer_free(&r->xfer);
  return n;
}
