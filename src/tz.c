/* placeholder: the time-zone module is being written */
#include <lauxlib.h>
#include "acrcloud.h"
int luaopen_acrcloud_tz(lua_State *L) { lua_newtable(L); return 1; }
