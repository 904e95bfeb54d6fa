#include "errors.h"

#include <string.h>

#include <lauxlib.h>

static const char error_mt[] = "acrcloud.error";

/* Pushes " (field: message; other: message)" from the server's field
 * errors ({field = {"message", ...}} as Laravel sends them), in the order of
 * the field names, or "" when there are none. */
static void push_field_errors(lua_State *L) {
  int errors, keys, n = 0;
  if (lua_getfield(L, 1, "errors") != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_pushliteral(L, "");
    return;
  }
  errors = lua_gettop(L);
  lua_newtable(L);
  keys = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, errors)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) continue;
    /* insertion sort into keys[1..n] */
    int i = n;
    for (; i >= 1; i--) {
      lua_rawgeti(L, keys, i);
      int greater = lua_compare(L, -1, -2, LUA_OPLT) == 0;
      if (!greater) {
        lua_pop(L, 1);
        break;
      }
      lua_rawseti(L, keys, i + 1);
    }
    lua_pushvalue(L, -1);
    lua_rawseti(L, keys, i + 1);
    n++;
  }
  luaL_checkstack(L, 2 * n + 2, "too many field errors");
  for (int i = 1; i <= n; i++) {
    lua_pushstring(L, i == 1 ? " (" : "; ");
    lua_rawgeti(L, keys, i);
    lua_pushvalue(L, -1);
    lua_gettable(L, errors);
    if (lua_istable(L, -1)) {
      lua_rawgeti(L, -1, 1);
      lua_remove(L, -2);
    }
    lua_pushfstring(L, "%s: %s", lua_tostring(L, -2),
                    lua_isstring(L, -1) ? lua_tostring(L, -1) : "invalid");
    lua_replace(L, -3);
    lua_pop(L, 1);
  }
  if (n > 0) lua_pushliteral(L, ")");
  lua_concat(L, n > 0 ? 2 * n + 1 : 0);
  lua_replace(L, errors);
  lua_settop(L, errors);
}

/* "acrcloud: HTTP 422: The given data was invalid. (name: The name field is
 * required.) [POST http://127.0.0.1:8080/api/base-projects]" */
static int error_tostring(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  int base = lua_gettop(L);
  lua_pushliteral(L, "acrcloud: ");
  lua_getfield(L, 1, "kind");
  lua_getfield(L, 1, "status");
  const char *kind = lua_isstring(L, -2) ? lua_tostring(L, -2) : "unknown";
  if (strcmp(kind, "http") == 0 && lua_isinteger(L, -1))
    lua_pushfstring(L, "HTTP %I: ", (LUAI_UACINT)lua_tointeger(L, -1));
  else
    lua_pushfstring(L, "%s error: ", kind);
  lua_replace(L, -3);
  lua_pop(L, 1);
  lua_getfield(L, 1, "message");
  if (!lua_isstring(L, -1)) {
    lua_pop(L, 1);
    lua_pushliteral(L, "(no message)");
  }
  lua_tostring(L, -1);
  push_field_errors(L);
  lua_getfield(L, 1, "method");
  lua_getfield(L, 1, "url");
  if (lua_isstring(L, -2) && lua_isstring(L, -1)) {
    lua_pushfstring(L, " [%s %s]", lua_tostring(L, -2), lua_tostring(L, -1));
    lua_replace(L, -3);
    lua_pop(L, 1);
  } else {
    lua_pop(L, 2);
  }
  lua_concat(L, lua_gettop(L) - base);
  return 1;
}

void acr_errors_open(lua_State *L) {
  if (luaL_newmetatable(L, error_mt)) {
    lua_pushcfunction(L, error_tostring);
    lua_setfield(L, -2, "__tostring");
  }
  lua_pop(L, 1);
}

const char *acr_url_host(const char *url, const char **end) {
  const char *scheme = strstr(url, "://");
  const char *host = scheme ? scheme + 3 : url;
  const char *stop = host + strcspn(host, "/?#");
  /* The user information ends at the authority's last '@': a password
   * may hold one. */
  for (const char *p = host; p < stop; p++)
    if (*p == '@') host = p + 1;
  if (end) *end = stop;
  return host;
}

void acr_push_redacted_url(lua_State *L, const char *url) {
  const char *scheme = strstr(url, "://");
  const char *authority = scheme ? scheme + 3 : url;
  const char *host = acr_url_host(url, NULL);
  if (host == authority) {
    lua_pushstring(L, url);
    return;
  }
  lua_pushlstring(L, url, (size_t)(authority - url));
  lua_pushfstring(L, "***@%s", host);
  lua_concat(L, 2);
}

int acr_push_error(lua_State *L, const char *kind, const char *message,
                   const char *method, const char *url) {
  lua_pushnil(L);
  lua_createtable(L, 0, 8);
  luaL_setmetatable(L, error_mt);
  lua_pushstring(L, kind);
  lua_setfield(L, -2, "kind");
  lua_pushstring(L, message);
  lua_setfield(L, -2, "message");
  if (method) {
    lua_pushstring(L, method);
    lua_setfield(L, -2, "method");
  }
  if (url) {
    acr_push_redacted_url(L, url);
    lua_setfield(L, -2, "url");
  }
  return 2;
}

int acr_error_new(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  if (lua_getfield(L, 1, "url") == LUA_TSTRING) {
    acr_push_redacted_url(L, lua_tostring(L, 2));
    lua_setfield(L, 1, "url");
  }
  lua_settop(L, 1);
  luaL_setmetatable(L, error_mt);
  return 1;
}
