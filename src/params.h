/*
 * From an endpoint and one params table to a request: checks the params
 * (acr_check_params) and builds the URL and the JSON body or the multipart
 * parts. Misuse raises an error that names the operation and the key.
 */
#ifndef ACR_PARAMS_H
#define ACR_PARAMS_H

#include <lauxlib.h>
#include <lua.h>

#include "endpoints.h"

/* The longest value of a path or query parameter, in bytes: servers refuse
 * URLs much longer than a few kilobytes. */
#define ACR_MAX_URL_VALUE 8192

/* Raises unless the table at idx suits ep: unknown keys, missing required
 * parameters, types, values outside the allowed ones or of another format,
 * empty path values and lists, URL values past ACR_MAX_URL_VALUE. Called
 * by acr_request_build, once for each request it builds. */
void acr_check_params(lua_State *L, const acr_endpoint *ep, int idx);

/* Pushes, from the params table at params_idx, already checked by
 * acr_check_params, three values: the URL (base .. path .. query), the body (a
 * JSON string, or nil) and the multipart parts ({{name =, value = | file =},
 * ...}, or nil). */
void acr_build_request(lua_State *L, const acr_endpoint *ep, int params_idx,
                       const char *base);

/* Pushes s percent-encoded (everything but A-Z a-z 0-9 - . _ ~). */
void acr_push_encoded(lua_State *L, const char *s, size_t len);

/* The type names of a type set: "integer or string". */
const char *acr_type_names(unsigned types, char *buf, size_t size);

#endif
