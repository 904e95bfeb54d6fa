/*
 * client:NAME(params, options), an operation's method, in C for the usual
 * call: built, sent once, answered. See call.c.
 */
#ifndef ACR_CALL_H
#define ACR_CALL_H

#include <lua.h>

/* core.method(name, perform) -> the method of operation `name`; perform is
 * the composites' retry loop (lua/acrcloud/client.lua), which takes over
 * after a first attempt that did not simply succeed. */
int acr_call_method(lua_State *L);

#endif
