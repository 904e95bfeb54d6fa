#include "client.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "acrcloud.h"
#include "errors.h"
#include "json.h"
#include "params.h"

#define DEFAULT_TIMEOUT_S 60
#define DEFAULT_CONNECT_TIMEOUT_S 10

/* ---- creation and closing ---- */

static char *dup_or_raise(lua_State *L, const char *s) {
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (!p) luaL_error(L, "acrcloud.new: out of memory");
  memcpy(p, s, n);
  return p;
}

static void wipe_free(char *s) {
  if (!s) return;
  /* volatile: the compiler must not drop the wipe of memory about to go */
  for (volatile char *p = s; *p; p++)
    *p = 0;
  free(s);
}

static int client_close(lua_State *L) {
  acr_client *c = luaL_checkudata(L, 1, ACR_CLIENT_MT);
  acr_http_free(c->http);
  c->http = NULL;
  wipe_free(c->token);
  c->token = NULL;
  free(c->base_url);
  c->base_url = NULL;
  free(c->user_agent);
  c->user_agent = NULL;
  return 0;
}

acr_client *acr_client_check(lua_State *L, int idx) {
  acr_client *c = luaL_checkudata(L, idx, ACR_CLIENT_MT);
  if (!c->http) luaL_error(L, "acrcloud: the client is closed");
  return c;
}

static int client_tostring(lua_State *L) {
  acr_client *c = luaL_checkudata(L, 1, ACR_CLIENT_MT);
  if (c->http)
    lua_pushfstring(L, "acrcloud.client (%s): %p", c->base_url, c);
  else
    lua_pushfstring(L, "acrcloud.client (closed): %p", c);
  return 1;
}

/* Header values must not carry CR, LF or other control characters. */
static int has_control(const char *s) {
  for (; *s; s++)
    if (iscntrl((unsigned char)*s)) return 1;
  return 0;
}

static const char *const option_names[] = {
    "token", "base_url", "timeout", "connect_timeout", "user_agent", NULL};

/* Raises unless every key of the table at idx is one of names. */
static void check_keys(lua_State *L, int idx, const char *const names[],
                       const char *where) {
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING)
      luaL_error(L, "%s: option names must be strings, got %s", where,
                 luaL_typename(L, -1));
    const char *key = lua_tostring(L, -1);
    int i = 0;
    while (names[i] && strcmp(names[i], key) != 0)
      i++;
    if (!names[i]) luaL_error(L, "%s: unknown option '%s'", where, key);
  }
}

static const char *opt_string(lua_State *L, const char *name, const char *env) {
  const char *s = NULL;
  int t = lua_getfield(L, 1, name);
  if (t == LUA_TSTRING)
    s = lua_tostring(L, -1);
  else if (t != LUA_TNIL)
    luaL_error(L, "acrcloud.new: option '%s' must be a string, got %s", name,
               luaL_typename(L, -1));
  lua_pop(L, 1); /* the options table keeps the string alive */
  if (!s && env) s = getenv(env);
  return s && *s ? s : NULL;
}

static long opt_millis(lua_State *L, const char *name, long fallback_s) {
  long ms = fallback_s * 1000;
  int t = lua_getfield(L, 1, name);
  if (t != LUA_TNIL) {
    if (t != LUA_TNUMBER)
      luaL_error(L, "acrcloud.new: option '%s' must be a number of seconds",
                 name);
    lua_Number s = lua_tonumber(L, -1);
    if (!(s > 0 && s <= 86400))
      luaL_error(L,
                 "acrcloud.new: option '%s' must be between 0 and 86400 "
                 "seconds (0 excluded)",
                 name);
    ms = (long)(s * 1000);
    if (ms < 1) ms = 1;
  }
  lua_pop(L, 1);
  return ms;
}

int acr_client_new(lua_State *L) {
  if (lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_newtable(L);
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  check_keys(L, 1, option_names, "acrcloud.new");

  const char *token = opt_string(L, "token", "ACRCLOUD_ACCESS_TOKEN");
  const char *base = opt_string(L, "base_url", "ACRCLOUD_BASE_URL");
  const char *agent = opt_string(L, "user_agent", NULL);
  long timeout = opt_millis(L, "timeout", DEFAULT_TIMEOUT_S);
  long connect = opt_millis(L, "connect_timeout", DEFAULT_CONNECT_TIMEOUT_S);
  /* Never echo the token: not even in the error about it. */
  if (token && has_control(token))
    luaL_error(L, "acrcloud.new: the token contains a line break or another "
                  "control character");
  if (agent && has_control(agent))
    luaL_error(L, "acrcloud.new: user_agent contains a control character");
  if (base && (has_control(base) || strchr(base, ' ') ||
               (strncmp(base, "http://", 7) && strncmp(base, "https://", 8))))
    luaL_error(L,
               "acrcloud.new: base_url must be an http:// or https:// URL "
               "without spaces, got '%s'",
               base);

  acr_client *c = lua_newuserdatauv(L, sizeof *c, 0);
  memset(c, 0, sizeof *c);
  luaL_setmetatable(L, ACR_CLIENT_MT);
  /* From here on, __gc frees whatever was set if an error is raised. */
  c->http = acr_http_new();
  if (!c->http) luaL_error(L, "acrcloud.new: cannot create a curl handle");
  c->token = token ? dup_or_raise(L, token) : NULL;
  c->default_base = base == NULL;
  c->base_url = dup_or_raise(L, base ? base : ACR_DEFAULT_BASE_URL);
  size_t n = strlen(c->base_url);
  while (n > 0 && c->base_url[n - 1] == '/')
    c->base_url[--n] = '\0';
  c->timeout_ms = timeout;
  c->connect_timeout_ms = connect;
  lua_pushfstring(L, "%s%sacrlua/%s %s", agent ? agent : "", agent ? " " : "",
                  ACRLUA_VERSION, acr_http_version());
  /* curl_version() lists every library; keep libcurl's own token only */
  const char *ua = lua_tostring(L, -1);
  const char *extra = strchr(strstr(ua, "libcurl/"), ' ');
  lua_pushlstring(L, ua, extra ? (size_t)(extra - ua) : strlen(ua));
  c->user_agent = dup_or_raise(L, lua_tostring(L, -1));
  lua_pop(L, 2);
  return 1;
}

/* ---- requests ---- */

/* Pushes {name = value} from the raw header block, names lowercased; repeated
 * headers are joined with ", ". */
static void push_headers(lua_State *L, const acr_buf *raw) {
  lua_newtable(L);
  if (!raw->data) return;
  const char *line = strstr(raw->data, "\r\n"); /* skip the status line */
  while (line && line[2]) {
    line += 2;
    const char *end = strstr(line, "\r\n");
    if (!end) end = line + strlen(line);
    const char *colon = memchr(line, ':', (size_t)(end - line));
    if (colon) {
      const char *v = colon + 1;
      while (v < end && (*v == ' ' || *v == '\t'))
        v++;
      const char *ve = end;
      while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
        ve--;
      luaL_Buffer b;
      luaL_buffinit(L, &b);
      for (const char *p = line; p < colon; p++)
        luaL_addchar(&b, (char)tolower((unsigned char)*p));
      luaL_pushresult(&b);
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
    line = *end ? end : NULL;
  }
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

static int push_result(lua_State *L, const char *method, const char *url,
                       acr_http_result rc, acr_http_response *res) {
  if (rc == ACR_HTTP_NOMEM) return luaL_error(L, "acrcloud: out of memory");
  if (rc != ACR_HTTP_OK) {
    acr_push_error(L, rc == ACR_HTTP_TIMEOUT ? "timeout" : "network",
                   res->error, method, url);
    /* false: the request never left (DNS, connect), so it is safe to send
     * again; true: the server may have acted on it. */
    lua_pushboolean(L, res->sent);
    lua_setfield(L, -2, "sent");
    return 2;
  }

  int ok = res->status >= 200 && res->status < 300;
  /* the body: decoded JSON, true when empty, the text when undecodable */
  int decoded = 1;
  if (res->body.len == 0)
    lua_pushboolean(L, 1);
  else if (!acr_json_decode(L, res->body.data, res->body.len))
    decoded = 0;
  int body = lua_gettop(L);

  if (!decoded) { /* the message from the decoder is at body */
    if (ok) {
      lua_pushfstring(L, "the response is not valid JSON: %s",
                      lua_tostring(L, body));
      acr_push_error(L, "decode", lua_tostring(L, -1), method, url);
    } else {
      acr_push_error(L, "http", "", method, url);
    }
    lua_pushinteger(L, res->status);
    lua_setfield(L, -2, "status");
    lua_pushlstring(L, res->body.data, res->body.len);
    lua_setfield(L, -2, "body");
    if (!ok) {
      /* no JSON message: say what the status means */
      lua_pushfstring(L, "the server answered %d", (int)res->status);
      lua_setfield(L, -2, "message");
    }
    return 2;
  }
  if (!ok) {
    lua_pushfstring(L, "the server answered %d", (int)res->status);
    acr_push_error(L, "http", lua_tostring(L, -1), method, url);
    lua_pushinteger(L, res->status);
    lua_setfield(L, -2, "status");
    fill_http_error(L, body);
    return 2;
  }
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, res->status);
  lua_setfield(L, -2, "status");
  push_headers(L, &res->headers);
  lua_setfield(L, -2, "headers");
  lua_pushstring(L, method);
  lua_setfield(L, -2, "method");
  acr_push_redacted_url(L, url);
  lua_setfield(L, -2, "url");
  return 2;
}

static int response_gc(lua_State *L) {
  acr_http_response_free(lua_touserdata(L, 1));
  return 0;
}

/* Sends the request; the URL and body are at url_idx and url_idx + 1 (a
 * string or nil). Pushes body, response or nil, err; returns 2. */
static int perform(lua_State *L, acr_client *c, const char *method, int url_idx,
                   const char *content_type) {
  const char *url = lua_tostring(L, url_idx);
  size_t body_len = 0;
  const char *body = lua_tolstring(L, url_idx + 1, &body_len);
  if (!c->token)
    return luaL_error(L, "acrcloud: no access token: pass token= to "
                         "acrcloud.new or set ACRCLOUD_ACCESS_TOKEN");
  lua_pushfstring(L, "Content-Type: %s", content_type);
  const char *type_line = lua_tostring(L, -1);
  /* The response lives in a userdata whose __gc frees it, so that a Lua
   * error while its values are made cannot leak it. */
  acr_http_response *res = lua_newuserdatauv(L, sizeof *res, 0);
  memset(res, 0, sizeof *res);
  luaL_setmetatable(L, "acrcloud.response");

  /* No Lua call from here to the wipe: the Authorization line, the only
   * copy of the token outside the client, never reaches a Lua string. */
  static const char prefix[] = "Authorization: Bearer ";
  char *auth = malloc(sizeof prefix + strlen(c->token));
  if (!auth) return luaL_error(L, "acrcloud: out of memory");
  memcpy(auth, prefix, sizeof prefix);
  strcat(auth, c->token);
  const char *headers[3] = {"Accept: application/json", auth, type_line};
  acr_http_request req = {
      method,       url,      headers,       body ? 3 : 2,
      body,         body_len, c->timeout_ms, c->connect_timeout_ms,
      c->user_agent};
  acr_http_result rc = acr_http_perform(c->http, &req, res);
  wipe_free(auth);

  /* Lua values are made only now that curl has returned. */
  int n = push_result(L, method, url, rc, res);
  acr_http_response_free(res);
  return n;
}

/* An endpoint's own host applies only while the default base URL does. */
static const char *base_for(const acr_client *c, const acr_endpoint *ep) {
  return c->default_base && ep->host ? ep->host : c->base_url;
}

int acr_client_call(lua_State *L, const acr_endpoint *ep) {
  acr_client *c = acr_client_check(L, 1);
  const char *base = base_for(c, ep);
  lua_settop(L, 2);
  acr_build_request(L, ep, 2, base); /* url at 3, body at 4 */
  return perform(L, c, ep->method, 3, "application/json");
}

/* client:prepare(name, params): the request an operation would send,
 * {method =, url =, body =}, checked but not sent. */
static int client_prepare(lua_State *L) {
  acr_client *c = acr_client_check(L, 1);
  const char *name = luaL_checkstring(L, 2);
  const acr_endpoint *ep = acr_endpoint_find(name);
  if (!ep) return luaL_error(L, "prepare: unknown operation '%s'", name);
  const char *base = base_for(c, ep);
  lua_settop(L, 3);
  acr_build_request(L, ep, 3, base); /* url at 4, body at 5 */
  lua_createtable(L, 0, 3);
  lua_pushstring(L, ep->method);
  lua_setfield(L, -2, "method");
  lua_pushvalue(L, 4);
  lua_setfield(L, -2, "url");
  lua_pushvalue(L, 5);
  lua_setfield(L, -2, "body");
  return 1;
}

/* client:request(method, path, {query =, body =, content_type =}) */
static int client_request(lua_State *L) {
  static const char *const methods[] = {"GET",    "POST", "PUT", "PATCH",
                                        "DELETE", "HEAD", NULL};
  static const char *const opts[] = {"query", "body", "content_type", NULL};
  acr_client *c = acr_client_check(L, 1);
  const char *method = methods[luaL_checkoption(L, 2, NULL, methods)];
  const char *path = luaL_checkstring(L, 3);
  if (path[0] != '/' || has_control(path) || strchr(path, ' '))
    return luaL_error(L,
                      "request: the path must start with '/' and hold no "
                      "spaces or control characters, got '%s'",
                      path);
  if (lua_isnoneornil(L, 4)) {
    lua_settop(L, 3);
    lua_newtable(L);
  }
  luaL_checktype(L, 4, LUA_TTABLE);
  lua_settop(L, 4);
  check_keys(L, 4, opts, "request");
  /* 5: the URL */
  lua_pushstring(L, c->base_url);
  lua_pushstring(L, path);
  int pieces = 2;
  if (lua_getfield(L, 4, "query") == LUA_TTABLE) {
    int q = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, q)) {
      if (lua_type(L, -2) != LUA_TSTRING ||
          !(lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER))
        return luaL_error(L, "request: query must map names to strings or "
                             "numbers");
      size_t kl, vl;
      const char *k = lua_tolstring(L, -2, &kl);
      lua_pushvalue(L, -1);
      const char *v = lua_tolstring(L, -1, &vl);
      lua_pushstring(L, pieces == 2 && !strchr(path, '?') ? "?" : "&");
      acr_push_encoded(L, k, kl);
      lua_pushliteral(L, "=");
      acr_push_encoded(L, v, vl);
      lua_concat(L, 4);
      lua_replace(L, -3); /* over the value; the key stays for lua_next */
      lua_pop(L, 1);
      lua_insert(L, q);
      q++;
      pieces++;
    }
    lua_remove(L, q);
  } else if (!lua_isnil(L, -1)) {
    return luaL_error(L, "request: query must be a table");
  } else {
    lua_pop(L, 1);
  }
  lua_concat(L, pieces);
  /* 6: the body */
  const char *type = "application/json";
  int bt = lua_getfield(L, 4, "body");
  if (bt == LUA_TTABLE) {
    acr_json_encode(L, -1);
    lua_remove(L, -2);
  } else if (bt != LUA_TSTRING && bt != LUA_TNIL) {
    return luaL_error(L,
                      "request: body must be a table (sent as JSON) or a "
                      "string, got %s",
                      luaL_typename(L, -1));
  }
  if (lua_getfield(L, 4, "content_type") == LUA_TSTRING) {
    type = lua_tostring(L, -1);
    if (has_control(type))
      return luaL_error(L, "request: content_type holds a control character");
  }
  lua_pop(L, 1); /* the options table keeps it alive */
  return perform(L, c, method, 5, type);
}

/* ---- iteration over every item of a paginated list ---- */

/* Upvalues: 1 the client, 2 the endpoint (light userdata), 3 a state table
 * {params =, items =, i =, page =, done =}. */
static int each_next(lua_State *L) {
  const acr_endpoint *ep = lua_touserdata(L, lua_upvalueindex(2));
  int st = lua_upvalueindex(3);
  for (;;) {
    lua_settop(L, 0);
    if (lua_getfield(L, st, "items") == LUA_TTABLE) {
      lua_getfield(L, st, "i");
      lua_Integer i = lua_tointeger(L, -1) + 1;
      if (i <= (lua_Integer)lua_rawlen(L, 1)) {
        lua_pushinteger(L, i);
        lua_setfield(L, st, "i");
        lua_rawgeti(L, 1, i);
        return 1;
      }
    }
    lua_settop(L, 0);
    if (lua_getfield(L, st, "done") == LUA_TBOOLEAN) return 0;
    lua_settop(L, 0);

    /* fetch the next page */
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_getfield(L, st, "params");
    lua_getfield(L, st, "page");
    lua_Integer page = lua_tointeger(L, -1);
    lua_setfield(L, 2, "page");
    acr_client_call(L, ep);
    if (lua_isnil(L, -2)) return lua_error(L); /* the error object */
    int body = lua_gettop(L) - 1;
    if (!lua_istable(L, body) || lua_getfield(L, body, "data") != LUA_TTABLE)
      return luaL_error(L, "each: %s answered without a data list", ep->name);
    lua_setfield(L, st, "items");
    lua_pushinteger(L, 0);
    lua_setfield(L, st, "i");

    /* Is there another page? meta.current_page < meta.last_page (either may
     * be a string), else a links.next URL; never go backwards. */
    lua_Integer current = page, last = page;
    if (lua_getfield(L, body, "meta") == LUA_TTABLE) {
      lua_getfield(L, -1, "current_page");
      lua_getfield(L, -2, "last_page");
      int ok1, ok2;
      lua_Integer cur = lua_tointegerx(L, -2, &ok1);
      lua_Integer lst = lua_tointegerx(L, -1, &ok2);
      if (ok1 && ok2) {
        current = cur;
        last = lst;
      }
    } else if (lua_getfield(L, body, "links") == LUA_TTABLE &&
               lua_getfield(L, -1, "next") == LUA_TSTRING) {
      last = page + 1;
    }
    lua_getfield(L, st, "items");
    int more = current < last && current >= page && lua_rawlen(L, -1) > 0;
    if (more) {
      lua_pushinteger(L, current + 1);
      lua_setfield(L, st, "page");
    } else {
      lua_pushboolean(L, 1);
      lua_setfield(L, st, "done");
    }
  }
}

/* client:each(name, params): an iterator over every item of every page. */
static int client_each(lua_State *L) {
  acr_client_check(L, 1);
  const char *name = luaL_checkstring(L, 2);
  const acr_endpoint *ep = acr_endpoint_find(name);
  if (!ep) return luaL_error(L, "each: unknown operation '%s'", name);
  if (!ep->paginated)
    return luaL_error(L, "each: %s is not a paginated list", name);
  lua_settop(L, 3);
  lua_pushvalue(L, 1);
  lua_pushlightuserdata(L, (void *)ep);
  lua_createtable(L, 0, 5);
  /* a copy of the params: the iterator sets page in it */
  lua_newtable(L);
  lua_Integer first = 1;
  if (!lua_isnil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, 3)) {
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_settable(L, -4);
    }
    if (lua_getfield(L, 3, "page") != LUA_TNIL) {
      int ok;
      first = lua_tointegerx(L, -1, &ok);
      if (!ok || first < 1)
        return luaL_error(L, "each: page must be a positive integer");
    }
    lua_pop(L, 1);
  }
  lua_setfield(L, -2, "params");
  lua_pushinteger(L, first);
  lua_setfield(L, -2, "page");
  lua_pushcclosure(L, each_next, 3);
  return 1;
}

void acr_client_open(lua_State *L) {
  static const luaL_Reg methods[] = {{"close", client_close},
                                     {"request", client_request},
                                     {"each", client_each},
                                     {"prepare", client_prepare},
                                     {NULL, NULL}};
  static const luaL_Reg metamethods[] = {{"__close", client_close},
                                         {"__gc", client_close},
                                         {"__tostring", client_tostring},
                                         {NULL, NULL}};
  int methods_idx = lua_gettop(L);
  luaL_setfuncs(L, methods, 0);
  luaL_newmetatable(L, ACR_CLIENT_MT);
  luaL_setfuncs(L, metamethods, 0);
  lua_pushvalue(L, methods_idx);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  if (luaL_newmetatable(L, "acrcloud.response")) {
    lua_pushcfunction(L, response_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
}
