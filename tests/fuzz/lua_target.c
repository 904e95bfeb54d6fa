/*
 * libFuzzer entry for targets written in Lua. The target is a Lua file
 * (tests/fuzz/targets/NAME.lua, named by ACRLUA_FUZZ_TARGET) that returns a
 * function taking the input as a string; the function raises only when the
 * code under test broke its contract, and that is reported as a crash. The
 * C code under test (the module, built with the sanitizers and coverage) is
 * what libFuzzer's feedback sees; the Lua VM is Debian's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lualib.h>

#include "acrcloud.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static lua_State *L;
static const char key_target = 0;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  const char *target = getenv("ACRLUA_FUZZ_TARGET");
  if (!target) {
    fprintf(stderr, "set ACRLUA_FUZZ_TARGET to a tests/fuzz/targets/*.lua\n");
    exit(2);
  }
  L = luaL_newstate();
  luaL_openlibs(L);
  acrcloud_preload(L);
  lua_getglobal(L, "package");
  lua_pushstring(L, ACRLUA_SOURCE_LUA_DIR "/?.lua;" ACRLUA_SOURCE_LUA_DIR
                                          "/?/init.lua");
  lua_setfield(L, -2, "path");
  lua_pop(L, 1);
  if (luaL_dofile(L, target) != LUA_OK || !lua_isfunction(L, -1)) {
    fprintf(stderr, "%s: %s\n", target,
            lua_isstring(L, -1) ? lua_tostring(L, -1) : "returns no function");
    exit(2);
  }
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_target);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &key_target);
  lua_pushlstring(L, (const char *)data, size);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "contract broken: %s\n", msg ? msg : "(an error object)");
    abort();
  }
  lua_settop(L, 0);
  return 0;
}
