/*
 * acrlua: a client for the ACRCloud Console API, with Lua 5.4 bindings.
 *
 * This is the public header for applications that embed Lua and want the
 * client inside their own lua_State. Link libacrcloud.a with Lua 5.4,
 * libcurl, libmicrohttpd and libcrypto (OpenSSL: request signing); an
 * installed tree says all of it, include directories too:
 *
 *     cc app.c $(pkg-config --cflags --libs acrcloud)
 *
 * or, with CMake: find_package(acrcloud CONFIG REQUIRED) and link the
 * imported target acrcloud::acrcloud. Then either
 *
 *     acrcloud_preload(L);          then, from Lua: require "acrcloud"
 *
 * or
 *
 *     luaL_requiref(L, "acrcloud", luaopen_acrcloud, 1); lua_pop(L, 1);
 *
 * The module has its own JSON codec: it needs no other Lua module.
 */
#ifndef ACRCLOUD_H
#define ACRCLOUD_H

#include <lua.h>

#define ACRLUA_VERSION "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

/* The client module: pushes the `acrcloud` table. */
int luaopen_acrcloud(lua_State *L);

/* The HTTP server the emulator and the callback receiver run on
 * (libmicrohttpd): `acrcloud.httpd`. For Lua it is a shared object of its
 * own (acrcloud/httpd.so); libacrcloud.a holds it with the rest. */
int luaopen_acrcloud_httpd(lua_State *L);

/* Process helpers (monotonic clock, pid, kill, signal traps):
 * `acrcloud.process`. */
int luaopen_acrcloud_process(lua_State *L);

/* Time-zone arithmetic from the system's tz database: `acrcloud.tz`. */
int luaopen_acrcloud_tz(lua_State *L);

/* Registers acrcloud, acrcloud.httpd, acrcloud.process and acrcloud.tz in
 * package.preload. */
void acrcloud_preload(lua_State *L);

/* Async-signal-safe: makes the transfers under way (if any) stop at once
 * (the driver looks at the flag between waits of 100 ms at most); the call
 * returns nil and an error of kind "interrupted". For a host's SIGINT
 * handler (acrlua's calls it), so that ^C does not wait out a request's
 * timeout. */
void acrcloud_interrupt(void);

#ifdef __cplusplus
}
#endif

#endif
