/*
 * Where the acrlua interpreter finds its Lua files.
 *
 * - Run from its build directory, it finds lua/ in the source tree first
 *   (ACRLUA_BUILD_DIR, ACRLUA_SOURCE_LUA_DIR).
 * - Installed, it finds them relative to its own location: the build tells
 *   it the install directories relative to the binary's (ACRLUA_REL_LMOD,
 *   e.g. "../share/lua/5.4", and ACRLUA_REL_CMOD, "../lib/lua/5.4"), so a
 *   tree installed under any prefix, or moved, works without LUA_PATH.
 *   They go in front of the default paths, so that the tree's own modules
 *   win over another copy installed elsewhere.
 *
 * The executable is /proc/self/exe, else argv[0] (a path, or a name looked
 * up in PATH), with symbolic links resolved: `acr` linked to `acrlua`
 * finds the same tree.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "lua_paths.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* The real path of a file named by argv[0]: a path, or a name in PATH. */
static int from_argv0(const char *argv0, char *out) {
  const char *path_var;
  if (argv0 == NULL || argv0[0] == '\0') return 0;
  if (strchr(argv0, '/') != NULL) return realpath(argv0, out) != NULL;
  path_var = getenv("PATH");
  while (path_var != NULL && *path_var != '\0') {
    char candidate[PATH_MAX];
    const char *end = strchr(path_var, ':');
    size_t len = end != NULL ? (size_t)(end - path_var) : strlen(path_var);
    int n = snprintf(candidate, sizeof candidate, "%.*s/%s", (int)len,
                     len > 0 ? path_var : ".", argv0);
    if (n > 0 && (size_t)n < sizeof candidate && access(candidate, X_OK) == 0 &&
        realpath(candidate, out) != NULL)
      return 1;
    path_var = end != NULL ? end + 1 : NULL;
  }
  return 0;
}

/* The directory of this executable, without a trailing slash ("/" for the
 * root). Returns 0 when it cannot be told. */
static int exe_dir(const char *argv0, char *out) {
  char *slash;
  ssize_t len = readlink("/proc/self/exe", out, PATH_MAX - 1);
  if (len > 0) {
    out[len] = '\0';
  } else if (!from_argv0(argv0, out)) {
    return 0;
  }
  slash = strrchr(out, '/');
  if (slash == NULL) return 0;
  if (slash == out) slash++; /* keep "/" for an executable at the root */
  *slash = '\0';
  return 1;
}

static int is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* package[field] = prefix .. package[field] */
static void prepend(lua_State *L, const char *field, const char *prefix) {
  lua_getglobal(L, "package");
  lua_pushstring(L, prefix);
  lua_getfield(L, -2, field);
  lua_concat(L, 2);
  lua_setfield(L, -2, field);
  lua_pop(L, 1);
}

#if defined(ACRLUA_BUILD_DIR) && defined(ACRLUA_SOURCE_LUA_DIR)
/* Whether dir is the build directory. Compared by device and inode, so
 * symbolic links on either path do not matter. */
static int is_build_dir(const char *dir) {
  struct stat a, b;
  if (stat(dir, &a) != 0 || stat(ACRLUA_BUILD_DIR, &b) != 0) return 0;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}
#endif

#if defined(ACRLUA_REL_LMOD) && defined(ACRLUA_REL_CMOD)
/* The install tree's Lua directories, when this tree has our modules. */
static void add_install_paths(lua_State *L, const char *dir) {
  char lmod[PATH_MAX], probe[PATH_MAX], buf[3 * PATH_MAX];
  int n = snprintf(lmod, sizeof lmod, "%s/%s", dir, ACRLUA_REL_LMOD);
  if (n <= 0 || (size_t)n >= sizeof lmod) return;
  n = snprintf(probe, sizeof probe, "%s/acrcloud", lmod);
  if (n <= 0 || (size_t)n >= sizeof probe || !is_dir(probe)) return;
  n = snprintf(buf, sizeof buf, "%s/?.lua;%s/?/init.lua;", lmod, lmod);
  if (n > 0 && (size_t)n < sizeof buf) prepend(L, "path", buf);
  n = snprintf(buf, sizeof buf, "%s/%s/?.so;", dir, ACRLUA_REL_CMOD);
  if (n > 0 && (size_t)n < sizeof buf) prepend(L, "cpath", buf);
}
#endif

void acrlua_set_paths(lua_State *L, const char *argv0) {
  char dir[PATH_MAX];
  if (!exe_dir(argv0, dir)) return;
#if defined(ACRLUA_BUILD_DIR) && defined(ACRLUA_SOURCE_LUA_DIR)
  if (is_build_dir(dir)) {
    prepend(L, "path",
            ACRLUA_SOURCE_LUA_DIR "/?.lua;" ACRLUA_SOURCE_LUA_DIR
                                  "/?/init.lua;");
    return;
  }
#endif
#if defined(ACRLUA_REL_LMOD) && defined(ACRLUA_REL_CMOD)
  add_install_paths(L, dir);
#else
  (void)prepend;
  (void)is_dir;
#endif
}
