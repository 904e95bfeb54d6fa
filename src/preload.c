/*
 * acrcloud_preload: every C module of the library in package.preload, for
 * acrlua and for applications that link libacrcloud.a. It lives apart from
 * the modules because it names them all: the Lua module acrcloud.so must
 * not refer to the HTTP server, which is a shared object of its own.
 */
#include <lauxlib.h>

#include "acrcloud.h"

void acrcloud_preload(lua_State *L) {
  static const luaL_Reg modules[] = {
      {"acrcloud", luaopen_acrcloud},
      {"acrcloud.httpd", luaopen_acrcloud_httpd},
      {"acrcloud.process", luaopen_acrcloud_process},
      {"acrcloud.tz", luaopen_acrcloud_tz},
      {NULL, NULL}};
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  for (const luaL_Reg *m = modules; m->name != NULL; m++) {
    lua_pushcfunction(L, m->func);
    lua_setfield(L, -2, m->name);
  }
  lua_pop(L, 1);
}
