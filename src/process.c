/*
 * acrcloud.process: the few process helpers that Lua lacks and that the
 * emulator, the callback receiver and the tests need. Nothing here is HTTP:
 * they live in acrcloud.so (loaded by `require "acrcloud.process"` through
 * the all-in-one loader, as acrcloud.tz is), so a program that only uses
 * them does not load libmicrohttpd, and they need no library beyond libc.
 *
 *   local process = require "acrcloud.process"
 *   process.now()                 seconds from a monotonic clock (a float)
 *   process.getpid()              this process's id
 *   process.self_exe()            the path of the running executable
 *   process.kill(pid, "TERM")     TERM, KILL, INT or 0 (is it alive?)
 *   process.exit_with_parent(pid) SIGTERM when the parent dies
 *   process.trap{ "INT", "TERM" } catch those signals from now on ...
 *   process.caught()              ... "INT", "TERM" or nil: the first one
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "acrcloud.h"

static const char *const signal_names[] = {"TERM", "KILL", "INT", "0", NULL};
static const int signal_numbers[] = {SIGTERM, SIGKILL, SIGINT, 0};

/* The first signal trap() caught, 0 until then. Written only by the
 * handler; read by caught(). */
static volatile sig_atomic_t caught_signal = 0;

/* process.now() -> seconds from a monotonic clock, as a float. */
static int l_now(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
  return 1;
}

/* process.self_exe() -> path of the running executable | nil, message */
static int l_self_exe(lua_State *L) {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n < 0) {
    lua_pushnil(L);
    lua_pushstring(L, strerror(errno));
    return 2;
  }
  lua_pushlstring(L, path, (size_t)n);
  return 1;
}

static int l_getpid(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)getpid());
  return 1;
}

/* process.exit_with_parent([parent_pid]) -> true: the kernel sends SIGTERM
 * to this process when its parent exits. With parent_pid, a parent that is
 * already gone (it died before this call) terminates us at once. */
static int l_exit_with_parent(lua_State *L) {
  lua_Integer ppid = luaL_optinteger(L, 1, 0);
  if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0) {
    lua_pushnil(L);
    lua_pushstring(L, strerror(errno));
    return 2;
  }
  if (ppid > 0 && (lua_Integer)getppid() != ppid) raise(SIGTERM);
  lua_pushboolean(L, 1);
  return 1;
}

/* process.kill(pid [, "TERM"|"KILL"|"INT"|"0"]) -> true | nil, message */
static int l_kill(lua_State *L) {
  lua_Integer pid = luaL_checkinteger(L, 1);
  int sig = signal_numbers[luaL_checkoption(L, 2, "TERM", signal_names)];
  luaL_argcheck(L, pid > 0, 1, "pid must be positive");
  if (kill((pid_t)pid, sig) != 0) {
    lua_pushnil(L);
    lua_pushstring(L, strerror(errno));
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

static void on_signal(int sig) {
  if (caught_signal == 0) caught_signal = sig;
}

/*
 * process.trap{ "INT", "TERM" } -> true: from now on those signals only
 * set a flag that caught() reports, so a server loop can finish what it is
 * doing and stop cleanly. No SA_RESTART: a wait in progress (the HTTP
 * server's poll) returns at once, so the loop sees the flag without delay.
 */
static int l_trap(lua_State *L) {
  static const char *const names[] = {"INT", "TERM", NULL};
  static const int numbers[] = {SIGINT, SIGTERM};
  int chosen[2] = {0, 0};
  luaL_checktype(L, 1, LUA_TTABLE);
  for (lua_Integer i = 1; lua_rawgeti(L, 1, i) != LUA_TNIL; i++) {
    const char *name = lua_tostring(L, -1);
    int k = 0;
    while (names[k] && (name == NULL || strcmp(names[k], name) != 0))
      k++;
    if (names[k] == NULL)
      return luaL_error(L, "trap: cannot trap signal '%s' (INT or TERM)",
                        name ? name : luaL_typename(L, -1));
    chosen[k] = 1;
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  for (int i = 0; i < 2; i++) {
    struct sigaction sa;
    if (!chosen[i]) continue;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(numbers[i], &sa, NULL) != 0)
      return luaL_error(L, "cannot catch SIG%s: %s", names[i], strerror(errno));
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* process.caught() -> "INT" | "TERM" | nil */
static int l_caught(lua_State *L) {
  int sig = caught_signal;
  if (sig == SIGINT)
    lua_pushliteral(L, "INT");
  else if (sig == SIGTERM)
    lua_pushliteral(L, "TERM");
  else
    lua_pushnil(L);
  return 1;
}

/* process.quote(v) -> tostring(v) as one word for /bin/sh: in single
 * quotes, each ' written '\'' */
static int l_quote(lua_State *L) {
  size_t n;
  const char *s = luaL_tolstring(L, 1, &n);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addchar(&b, '\'');
  for (size_t i = 0; i < n; i++)
    if (s[i] == '\'')
      luaL_addstring(&b, "'\\''");
    else
      luaL_addchar(&b, s[i]);
  luaL_addchar(&b, '\'');
  luaL_pushresult(&b);
  return 1;
}

int luaopen_acrcloud_process(lua_State *L) {
  static const luaL_Reg funcs[] = {
      {"now", l_now},       {"self_exe", l_self_exe},
      {"getpid", l_getpid}, {"exit_with_parent", l_exit_with_parent},
      {"kill", l_kill},     {"trap", l_trap},
      {"caught", l_caught}, {"quote", l_quote},
      {NULL, NULL}};
  luaL_newlib(L, funcs);
  return 1;
}
