/* placeholder: the libmicrohttpd binding is being written */
#include <lauxlib.h>
#include "acrcloud.h"
int luaopen_acrcloud_httpd(lua_State *L) { lua_newtable(L); return 1; }
