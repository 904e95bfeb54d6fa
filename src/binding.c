/* placeholder: being written */
#include <lauxlib.h>
#include "acrcloud.h"
int luaopen_acrcloud(lua_State *L) { lua_newtable(L); return 1; }
void acrcloud_preload(lua_State *L) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_acrcloud); lua_setfield(L, -2, "acrcloud");
  lua_pushcfunction(L, luaopen_acrcloud_httpd); lua_setfield(L, -2, "acrcloud.httpd");
  lua_pushcfunction(L, luaopen_acrcloud_tz); lua_setfield(L, -2, "acrcloud.tz");
  lua_pop(L, 1);
}
