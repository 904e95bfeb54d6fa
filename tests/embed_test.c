/*
 * An application that embeds Lua: it opens acrlua into its own lua_State
 * through the public header, the way a host would, and makes a call against
 * the emulator. Exit status 0 means every check passed.
 */
#include <stdio.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lualib.h>

#include "acrcloud.h"

static const char script[] =
    "local acrcloud = require 'acrcloud'\n"
    "local emulator = require 'acrcloud.emulator'\n"
    "local emu <close> = emulator.spawn{ token = 'embed-token',\n"
    "  interpreter = os.getenv('ACRLUA') }\n"
    "local client <close> = acrcloud.new{ token = 'embed-token',\n"
    "  base_url = emu.url }\n"
    "local created = assert(client:create_bd_project{ name = 'embedded',\n"
    "  region = 'eu-west-1', buckets = { 23 } })\n"
    "local id = created.data.id\n"
    "assert(math.type(id) == 'integer', 'the id is not an integer')\n"
    "local got = assert(client:list_bd_projects{})\n"
    "assert(got.data[1].name == 'embedded', 'the project is not listed')\n"
    "return id\n";

static int check(int ok, const char *what) {
  printf("%s - %s\n", ok ? "ok" : "not ok", what);
  return ok ? 0 : 1;
}

int main(void) {
  int failed = 0;
  lua_State *L = luaL_newstate();
  if (!L) return 2;
  luaL_openlibs(L);
  acrcloud_preload(L);
  /* The Lua half of the library (the emulator) from the source tree. */
  const char *lua_dir = getenv("ACRLUA_LUA_DIR");
  if (lua_dir) {
    lua_getglobal(L, "package");
    lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;", lua_dir, lua_dir);
    lua_getfield(L, -2, "path");
    lua_concat(L, 2);
    lua_setfield(L, -2, "path");
    lua_pop(L, 1);
  }

  failed += check(luaL_loadstring(L, script) == LUA_OK, "script loads");
  int rc = lua_pcall(L, 0, 1, 0);
  if (rc != LUA_OK) fprintf(stderr, "# %s\n", luaL_tolstring(L, -1, NULL));
  failed += check(rc == LUA_OK, "a call through the embedded module");
  failed +=
      check(rc == LUA_OK && lua_isinteger(L, -1) && lua_tointeger(L, -1) > 0,
            "the created project's id comes back as an integer");
  lua_close(L);
  printf("%d passed, %d failed\n", 3 - failed, failed);
  return failed ? 1 : 0;
}
