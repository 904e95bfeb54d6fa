/*
 * Run-time failures are returned as `nil, err`, where err is a table with
 * the metatable "acrcloud.error": kind ("network", "timeout", "http",
 * "decode", "response", "file", "too_large", "interrupted"), status (HTTP
 * only), message, errors (the server's field errors), body (what the server
 * sent, decoded where it was JSON), headers, method, url and sent; the
 * composites add attempts, retry_after, rate_limit and page. tostring(err)
 * gives one line. Nothing in it holds the token. The README's "Errors"
 * section is the full list.
 */
#ifndef ACR_ERRORS_H
#define ACR_ERRORS_H

#include <lua.h>

void acr_errors_open(lua_State *L);

/* Pushes nil and a new error object; returns 2 (for `return`). The fields
 * status, errors and body can be added by the caller to the object at -1. */
int acr_push_error(lua_State *L, const char *kind, const char *message,
                   const char *method, const char *url);

/* core.error(fields) -> fields, made an error object. */
int acr_error_new(lua_State *L);

/* The start of url's host, past any user:password@ (up to the
 * authority's last '@'); *end (if end) is set to where the authority ends. */
const char *acr_url_host(const char *url, const char **end);

/* Pushes url with any user:password@ replaced by ***@. */
void acr_push_redacted_url(lua_State *L, const char *url);

#endif
