#include "client.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "acrcloud.h"

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

static int client_tostring(lua_State *L) {
  acr_client *c = luaL_checkudata(L, 1, ACR_CLIENT_MT);
  if (c->driver)
    lua_pushfstring(L, "acrcloud.client (%s): %p", c->base_url, c);
  else
    lua_pushfstring(L, "acrcloud.client (closed): %p", c);
  return 1;
}

int acr_has_control(const char *s) {
  for (; *s; s++)
    if (iscntrl((unsigned char)*s)) return 1;
  return 0;
}

static const char *const option_names[] = {
    "token",      "base_url", "timeout", "connect_timeout",
    "user_agent", "hosts",    NULL};

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
  acr_check_keys(L, 1, option_names, "acrcloud.new");

  const char *token = opt_string(L, "token", "ACRCLOUD_ACCESS_TOKEN");
  const char *base = opt_string(L, "base_url", "ACRCLOUD_BASE_URL");
  const char *agent = opt_string(L, "user_agent", NULL);
  long timeout = opt_millis(L, "timeout", DEFAULT_TIMEOUT_S);
  long connect = opt_millis(L, "connect_timeout", DEFAULT_CONNECT_TIMEOUT_S);
  /* Never echo the token: not even in the error about it. */
  if (token && acr_has_control(token))
    luaL_error(L, "acrcloud.new: the token contains a line break or another "
                  "control character");
  if (agent && acr_has_control(agent))
    luaL_error(L, "acrcloud.new: user_agent contains a control character");
  if (base && (acr_has_control(base) || strchr(base, ' ') ||
               (strncmp(base, "http://", 7) && strncmp(base, "https://", 8))))
    luaL_error(L,
               "acrcloud.new: base_url must be an http:// or https:// URL "
               "without spaces, got '%s'",
               base);

  /* The user value holds {hosts = the overrides of endpoints' own hosts,
   * regions = the regions of file-scanning containers, cached}. */
  lua_createtable(L, 0, 2);
  lua_newtable(L);
  lua_setfield(L, -2, "regions");
  lua_newtable(L);
  if (lua_getfield(L, 1, "hosts") == LUA_TTABLE) {
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      const char *v = lua_tostring(L, -1);
      if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING ||
          acr_has_control(v) || strchr(v, ' ') ||
          (strncmp(v, "http://", 7) && strncmp(v, "https://", 8)))
        luaL_error(L, "acrcloud.new: hosts must map an endpoint's host to an "
                      "http:// or https:// URL");
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_settable(L, -5);
    }
  } else if (!lua_isnil(L, -1)) {
    luaL_error(L, "acrcloud.new: option 'hosts' must be a table");
  }
  lua_pop(L, 1);
  lua_setfield(L, -2, "hosts");
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

/* core.state(client) -> the client's table of Lua-side state ({hosts =,
 * regions =, ...}: the composites keep their settings there). */
static int client_state(lua_State *L) {
  luaL_checkudata(L, 1, ACR_CLIENT_MT);
  lua_getiuservalue(L, 1, 1);
  return 1;
}

void acr_client_open(lua_State *L) {
  static const luaL_Reg methods[] = {{"close", client_close}, {NULL, NULL}};
  static const luaL_Reg metamethods[] = {{"__close", client_close},
                                         {"__gc", client_close},
                                         {"__tostring", client_tostring},
                                         {NULL, NULL}};
  static const luaL_Reg core[] = {
      {"new", acr_client_new}, {"state", client_state}, {NULL, NULL}};
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
