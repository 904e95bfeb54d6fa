/*
 * Shaping a finished transfer into Lua values: on success the body (decoded
 * JSON, the bytes of a raw answer, or true) and the response table
 * {status, headers, method, url}; on failure nil and an error object (see
 * errors.h). Lua values are made only here, after libcurl has returned.
 */
#ifndef ACR_RESPONSE_H
#define ACR_RESPONSE_H

#include <lua.h>

#include "request.h"

/* Pushes body, response or nil, err for the finished request at req_idx,
 * and frees the outcome's buffers. Returns 2. */
int acr_response_push(lua_State *L, int req_idx);

#endif
