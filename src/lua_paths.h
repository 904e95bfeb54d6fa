/*
 * Where the acrlua interpreter finds its Lua files: the source tree when it
 * runs from its build directory, else the install tree it lives in.
 */
#ifndef ACR_LUA_PATHS_H
#define ACR_LUA_PATHS_H

#include <lua.h>

/* Puts the directories in front of package.path and package.cpath (the
 * package library must be open). argv0 is used when /proc/self/exe is
 * not there. */
void acrlua_set_paths(lua_State *L, const char *argv0);

#endif
