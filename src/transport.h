/*
 * Sending requests, as Lua sees it: one request sent and waited for, or
 * many started on the client's driver and collected as they finish. The
 * composites in lua/acrcloud/client.lua (retries, batch, each) are built on
 * these; no Lua runs while a transfer is under way.
 */
#ifndef ACR_TRANSPORT_H
#define ACR_TRANSPORT_H

#include <lua.h>

/* Adds send, start, wait, result, abort, sleep, now, interrupted and
 * clear_interrupt to the table at the top. */
void acr_transport_register(lua_State *L);

/* Sends the request at idx and waits for it: pushes body, response or nil,
 * err, as core.send does. Returns 2. */
int acr_transport_send(lua_State *L, int idx);

#endif
