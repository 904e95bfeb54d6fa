/*
 * An operation's method. The usual call, one attempt that succeeds, runs
 * here in C: a call is mostly this, and the Lua around a request was a
 * tenth of a raw call. Whatever more there is to do goes to `perform` in
 * lua/acrcloud/client.lua, with the request and the first outcome: a
 * failure that may be retried, rate-limit headers to read, the client's
 * own rate limit. (Operations whose region comes from a container keep a
 * method in Lua: it may have to ask the API for the region first.)
 *
 * The method is a C function that the caller calls, so a misuse raised
 * here (luaL_error, level 1) points at the caller's line.
 */
#include "call.h"

#include <lauxlib.h>

#include "endpoints.h"
#include "request.h"
#include "transport.h"

/* Sends the request at req once. Returns 1 with body, response pushed when
 * that is the whole call: a success whose response needs nothing more (its
 * headers are not made yet: no rate-limit header came). Else returns 0
 * with body, res | nil, err pushed for perform to go on from. */
static int send_once(lua_State *L, int req) {
  acr_http_clear_interrupt();
  acr_transport_send(L, req); /* the outcome: the top two values */
  lua_copy(L, -2, req + 1);
  lua_copy(L, -1, req + 2);
  lua_settop(L, req + 2);
  if (lua_isnil(L, req + 1)) return 0;
  lua_pushliteral(L, "headers");
  if (lua_rawget(L, req + 2) != LUA_TNIL) return lua_pop(L, 1), 0;
  lua_pop(L, 1);
  lua_pushinteger(L, 1);
  lua_setfield(L, req + 2, "attempts");
  return 1;
}

/* client:NAME(params, options); upvalues: the endpoint (light userdata),
 * perform(client, request, method, options[, body, res]). */
static int operation_method(lua_State *L) {
  const acr_endpoint *ep = lua_touserdata(L, lua_upvalueindex(1));
  acr_client_check(L, 1);
  lua_settop(L, 3);
  acr_check_call_options(L, 3, ep->name, 0);
  /* core.build's stack: client, (name), params, region, options */
  lua_settop(L, 5);
  lua_copy(L, 3, 5);
  lua_copy(L, 2, 3);
  lua_pushnil(L);
  lua_replace(L, 2);
  acr_request_build_op(L, ep, 0);
  int req = lua_gettop(L);
  if (!lua_isuserdata(L, req))
    return luaL_error(L, "%s: its region must come from a container", ep->name);
  lua_getiuservalue(L, 1, 1); /* the client's Lua-side state */
  int limited = lua_getfield(L, -1, "bucket") != LUA_TNIL;
  lua_settop(L, req);
  int args = 4;
  if (!limited) {
    if (send_once(L, req)) return 2;
    args = 6;
  }
  lua_pushvalue(L, lua_upvalueindex(2));
  lua_pushvalue(L, 1);
  lua_pushvalue(L, req);
  lua_pushstring(L, ep->method);
  lua_pushvalue(L, 5);
  if (args == 6) {
    lua_pushvalue(L, req + 1);
    lua_pushvalue(L, req + 2);
  }
  lua_call(L, args, 2);
  return 2;
}

int acr_call_method(lua_State *L) {
  const acr_endpoint *ep = acr_endpoint_find(luaL_checkstring(L, 1));
  if (!ep) return luaL_error(L, "unknown operation '%s'", lua_tostring(L, 1));
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushlightuserdata(L, (void *)ep);
  lua_pushvalue(L, 2);
  lua_pushcclosure(L, operation_method, 2);
  return 1;
}
