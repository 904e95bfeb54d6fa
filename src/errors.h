/*
 * Run-time failures are returned as `nil, err`, where err is a table with
 * the metatable "acrcloud.error". Its kind: "network", "timeout",
 * "interrupted", "too_large", "file", "http" or "decode", made by
 * acr_push_error for a transfer's outcome (response.c); "response" (an
 * answer without what a composite needs), "file" (an upload that cannot
 * be read) and "interrupted" (^C during the rate limit's wait or before a
 * retry), made by the composites (client.lua, through core.error).
 * Besides kind and message: method and url; status and body where an
 * answer came (http, decode, response); headers (http, decode); errors
 * (the server's field errors); sent; and from the composites attempts,
 * previous, retry_after, rate_limit and page. tostring(err) gives one
 * line. Nothing in it holds the token, and a URL's user:password shows as
 * ***. The README's "Errors" section says what each field means.
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
