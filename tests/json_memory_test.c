/*
 * The JSON codec when memory runs out: a Lua state whose allocator fails
 * after n allocations, for every n from 0 until encode and decode succeed.
 * Each failure must be a Lua error (never a crash), and nothing may leak
 * (ctest runs this under valgrind too, and the sanitizer build checks leaks).
 * Exit status 0 means every check passed.
 */
#include <stdio.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lualib.h>

#include "acrcloud.h"

typedef struct budget {
  int limited;
  long left; /* allocations that may still grow memory */
} budget;

static void *limited_alloc(void *ud, void *p, size_t osize, size_t nsize) {
  budget *b = ud;
  if (nsize == 0) {
    free(p);
    return NULL;
  }
  if (b->limited && nsize > (p ? osize : 0)) {
    if (b->left <= 0) return NULL;
    b->left--;
  }
  return realloc(p, nsize);
}

/* Builds the values the work below uses, with memory unlimited: `value`
 * (nested, with escapes, floats, an ordered object) and its text. */
static const char setup[] =
    "acrcloud = require 'acrcloud'\n"
    "local items = {}\n"
    "for i = 1, 12 do\n"
    "  items[i] = acrcloud.object({ id = i, name = 'item \"' .. i .. '\"\\n',\n"
    "    score = i / 7, tags = { 'a', 'é', acrcloud.array() }, none = "
    "acrcloud.null,\n"
    "    [string.rep('k', 50) .. i] = { deep = { deeper = { i } } } },\n"
    "    { 'name', 'id' })\n"
    "end\n"
    "value = { data = items, total = 12, big = 9223372036854775807 }\n"
    "text = acrcloud.encode(value)\n"
    "escaped = '[' .. string.rep('\"\\\\u00e9\\\\n\\\\ud83d\\\\ude00x\",', 30)"
    " .. '0.' .. string.rep('1', 80) .. ']'\n";

/* What runs with the budget: every path of the codec that allocates. */
static const char work[] =
    "local a = acrcloud.encode(value, { sort_keys = true })\n"
    "local b = acrcloud.encode(value)\n"
    "local v = assert(acrcloud.decode(text))\n"
    "local w = assert(acrcloud.decode(escaped))\n"
    "assert(#a == #b and v.total == 12 and #w == 31)\n";

/* One run with `limit` allocations allowed (-1: unlimited). Returns the
 * status of the work, or -1 when the state could not be set up. */
static int run(long limit, int *error_ok) {
  budget b = {0, 0};
  lua_State *L = lua_newstate(limited_alloc, &b);
  if (!L) return -1;
  luaL_openlibs(L);
  acrcloud_preload(L);
  if (luaL_dostring(L, setup) != LUA_OK) {
    fprintf(stderr, "# setup: %s\n", lua_tostring(L, -1));
    lua_close(L);
    return -1;
  }
  if (luaL_loadstring(L, work) != LUA_OK) {
    lua_close(L);
    return -1;
  }
  b.limited = limit >= 0;
  b.left = limit;
  int rc = lua_pcall(L, 0, 0, 0);
  b.limited = 0;
  /* a failure is a memory error, or one raised as "not enough memory" */
  *error_ok = rc == LUA_OK || rc == LUA_ERRMEM ||
              (rc == LUA_ERRRUN && lua_type(L, -1) == LUA_TSTRING);
  if (!*error_ok)
    fprintf(stderr, "# limit %ld: status %d: %s\n", limit, rc,
            luaL_tolstring(L, -1, NULL));
  lua_close(L);
  return rc;
}

int main(void) {
  int error_ok = 0, failures = 0, bad = 0;
  long n;
  if (run(-1, &error_ok) != LUA_OK) {
    printf("not ok - the work succeeds with memory unlimited\n");
    return 1;
  }
  for (n = 0; n < 200000; n++) {
    int rc = run(n, &error_ok);
    if (rc == -1) {
      printf("not ok - setting up a state (limit %ld)\n", n);
      return 1;
    }
    if (!error_ok) bad++;
    if (rc == LUA_OK) break;
    failures++;
  }
  printf("%s - the work succeeds once enough memory is allowed (%ld "
         "allocations)\n",
         n < 200000 ? "ok" : "not ok", n);
  printf("%s - each of the %d runs short of memory failed with an error\n",
         bad == 0 ? "ok" : "not ok", failures);
  return n < 200000 && bad == 0 && failures > 0 ? 0 : 1;
}
