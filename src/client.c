#include "client.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "acrcloud.h"
#include "errors.h"

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

static int l_close(lua_State *L) {
  acr_client *c = luaL_checkudata(L, 1, ACR_CLIENT_MT);
  acr_driver_free(c->driver); /* stops what runs */
  c->driver = NULL;
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
  if (!c->driver) luaL_error(L, "acrcloud: the client is closed");
  return c;
}

static int l_tostring(lua_State *L) {
  acr_client *c = luaL_checkudata(L, 1, ACR_CLIENT_MT);
  if (c->driver) {
    acr_push_redacted_url(L, c->base_url);
    lua_pushfstring(L, "acrcloud.client (%s): %p", lua_tostring(L, -1), c);
  } else
    lua_pushfstring(L, "acrcloud.client (closed): %p", c);
  return 1;
}

int acr_has_control(const char *s) {
  for (; *s; s++)
    if (iscntrl((unsigned char)*s)) return 1;
  return 0;
}

static const char *const option_names[] = {
    "token", "base_url",   "timeout",  "connect_timeout", "user_agent",
    "hosts", "allow_http", "max_body", "max_output",      NULL};

void acr_check_keys(lua_State *L, int idx, const char *const names[],
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

/* A string option, else the environment variable env (where an empty one
 * counts as unset), else NULL. An option given as "" or holding a NUL or
 * another control character is refused; the token is never echoed. */
static const char *opt_string(lua_State *L, const char *name, const char *env) {
  size_t len;
  int t = lua_getfield(L, 1, name);
  if (t == LUA_TNIL) {
    lua_pop(L, 1);
    const char *e = env ? getenv(env) : NULL;
    if (e && acr_has_control(e))
      luaL_error(L, "acrcloud.new: %s holds a control character", env);
    return e && *e ? e : NULL;
  }
  if (t != LUA_TSTRING)
    luaL_error(L, "acrcloud.new: option '%s' must be a string, got %s", name,
               luaL_typename(L, -1));
  const char *s = lua_tolstring(L, -1, &len);
  lua_pop(L, 1); /* the options table keeps the string alive */
  if (len == 0) luaL_error(L, "acrcloud.new: option '%s' is empty", name);
  if (strlen(s) != len || acr_has_control(s))
    luaL_error(L,
               "acrcloud.new: option '%s' holds a NUL byte, a line break "
               "or another control character",
               name);
  return s;
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

size_t acr_opt_bytes(lua_State *L, int idx, const char *name, size_t fallback,
                     const char *where) {
  size_t bytes = fallback;
  int t = lua_getfield(L, idx, name);
  if (t != LUA_TNIL) {
    int ok;
    lua_Integer n = lua_tointegerx(L, -1, &ok);
    if (!ok || n < 1)
      luaL_error(L, "%s: option '%s' must be a whole number of bytes >= 1",
                 where, name);
    bytes = (size_t)n;
  }
  lua_pop(L, 1);
  return bytes;
}

/* Whether host (up to the port) is this machine: localhost, 127.0.0.0/8,
 * [::1]. */
static int loopback_host(const char *host, size_t len) {
  if ((len == 9 && strncmp(host, "localhost", 9) == 0) ||
      (len == 5 && strncmp(host, "[::1]", 5) == 0))
    return 1;
  if (len < 4 || strncmp(host, "127.", 4) != 0) return 0;
  for (size_t i = 4; i < len; i++)
    if (!(isdigit((unsigned char)host[i]) || host[i] == '.')) return 0;
  return 1;
}

void acr_check_url(lua_State *L, const char *what, const char *url,
                   int allow_http) {
  int https = strncmp(url, "https://", 8) == 0;
  int http = strncmp(url, "http://", 7) == 0;
  const char *end, *host = acr_url_host(url, &end);
  const char *port =
      host < end && *host == '[' ? memchr(host, ']', end - host) : NULL;
  port = memchr(port ? port : host, ':', (size_t)(end - (port ? port : host)));
  size_t host_len = (size_t)((port ? port : end) - host);
  if ((!http && !https) || acr_has_control(url) || strchr(url, ' ') ||
      host_len == 0) {
    acr_push_redacted_url(L, url);
    luaL_error(L,
               "acrcloud.new: %s must be an http:// or https:// URL with a "
               "host, without spaces or control characters, got '%s'",
               what, lua_tostring(L, -1));
  }
  if (http && !allow_http && !loopback_host(host, host_len)) {
    acr_push_redacted_url(L, url);
    luaL_error(L,
               "acrcloud.new: %s '%s' is plain http:// to a host that is not "
               "this machine: the token would cross the network in clear "
               "(use https://, or pass allow_http = true)",
               what, lua_tostring(L, -1));
  }
}

/* The user value: {hosts = the overrides of endpoints' own hosts, regions =
 * the regions of file-scanning containers, cached}; the composites add
 * their settings. */
static void push_state(lua_State *L, int allow_http) {
  lua_createtable(L, 0, 4);
  lua_newtable(L);
  lua_setfield(L, -2, "regions");
  lua_newtable(L);
  int t = lua_getfield(L, 1, "hosts");
  if (t == LUA_TTABLE) {
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "acrcloud.new: hosts must map an endpoint's host to a "
                      "URL");
      acr_check_url(L, "a host", lua_tostring(L, -1), allow_http);
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_settable(L, -5);
    }
  } else if (t != LUA_TNIL) {
    luaL_error(L, "acrcloud.new: option 'hosts' must be a table");
  }
  lua_pop(L, 1);
  lua_setfield(L, -2, "hosts");
}

/* "[agent ]acrlua/VERSION libcurl/VERSION": curl_version() lists every
 * library; keep libcurl's own token only. */
static char *user_agent(lua_State *L, const char *agent) {
  lua_pushfstring(L, "%s%sacrlua/%s %s", agent ? agent : "", agent ? " " : "",
                  ACRLUA_VERSION, acr_http_version());
  const char *ua = lua_tostring(L, -1);
  const char *extra = strchr(strstr(ua, "libcurl/"), ' ');
  lua_pushlstring(L, ua, extra ? (size_t)(extra - ua) : strlen(ua));
  char *copy = dup_or_raise(L, lua_tostring(L, -1));
  lua_pop(L, 2);
  return copy;
}

int acr_client_new(lua_State *L) {
  if (lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_newtable(L);
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  acr_check_keys(L, 1, option_names, "acrcloud.new");

  const char *token = opt_string(L, "token", "ACRCLOUD_ACCESS_TOKEN");
  const char *base = opt_string(L, "base_url", "ACRCLOUD_BASE_URL");
  const char *agent = opt_string(L, "user_agent", NULL);
  long timeout = opt_millis(L, "timeout", DEFAULT_TIMEOUT_S);
  long connect = opt_millis(L, "connect_timeout", DEFAULT_CONNECT_TIMEOUT_S);
  int t = lua_getfield(L, 1, "allow_http");
  if (t != LUA_TNIL && t != LUA_TBOOLEAN)
    luaL_error(L, "acrcloud.new: option 'allow_http' must be a boolean");
  int allow_http = lua_toboolean(L, -1);
  lua_pop(L, 1);
  size_t max_body =
      acr_opt_bytes(L, 1, "max_body", ACR_DEFAULT_MAX_BODY, "acrcloud.new");
  size_t max_output = acr_opt_bytes(L, 1, "max_output", 0, "acrcloud.new");
  if (base) acr_check_url(L, "base_url", base, allow_http);

  push_state(L, allow_http);
  int uv = lua_gettop(L);
  acr_client *c = lua_newuserdatauv(L, sizeof *c, 1);
  memset(c, 0, sizeof *c);
  lua_pushvalue(L, uv);
  lua_setiuservalue(L, -2, 1);
  lua_remove(L, uv);
  luaL_setmetatable(L, ACR_CLIENT_MT);
  /* From here on, __gc frees whatever was set if an error is raised. */
  c->driver = acr_driver_new();
  if (!c->driver) luaL_error(L, "acrcloud.new: cannot create a curl handle");
  c->token = token ? dup_or_raise(L, token) : NULL;
  c->default_base = base == NULL;
  c->base_url = dup_or_raise(L, base ? base : ACR_DEFAULT_BASE_URL);
  size_t n = strlen(c->base_url);
  while (n > 0 && c->base_url[n - 1] == '/')
    c->base_url[--n] = '\0';
  c->timeout_ms = timeout;
  c->connect_timeout_ms = connect;
  c->max_body = max_body;
  c->max_output = max_output;
  c->user_agent = user_agent(L, agent);
  return 1;
}

/* core.state(client) -> the client's table of Lua-side state ({hosts =,
 * regions =, ...}: the composites keep their settings there). */
static int l_state(lua_State *L) {
  luaL_checkudata(L, 1, ACR_CLIENT_MT);
  lua_getiuservalue(L, 1, 1);
  return 1;
}

void acr_client_open(lua_State *L) {
  static const luaL_Reg methods[] = {{"close", l_close}, {NULL, NULL}};
  static const luaL_Reg metamethods[] = {{"__close", l_close},
                                         {"__gc", l_close},
                                         {"__tostring", l_tostring},
                                         {NULL, NULL}};
  static const luaL_Reg core[] = {
      {"new", acr_client_new}, {"state", l_state}, {NULL, NULL}};
  int core_idx = lua_gettop(L);
  luaL_newmetatable(L, ACR_CLIENT_MT);
  luaL_setfuncs(L, metamethods, 0);
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_pushvalue(L, -1);
  lua_setfield(L, core_idx, "methods"); /* the composites add the rest */
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_setfuncs(L, core, 0);
}
