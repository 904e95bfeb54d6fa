/* placeholder: the interpreter is being written */
#include <lauxlib.h>
#include <lualib.h>
#include "acrcloud.h"
int main(int argc, char **argv) {
  lua_State *L = luaL_newstate(); luaL_openlibs(L); acrcloud_preload(L);
  int st = argc > 1 ? luaL_dofile(L, argv[1]) : 0;
  lua_close(L); return st;
}
