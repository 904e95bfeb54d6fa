/*
 * The client userdata: a driver of transfers (its connections), the token
 * and the settings. Created by acrcloud.new; close(), __close and __gc are
 * one idempotent function. Its methods (one per operation, each, batch,
 * ...) are added by the composites in lua/acrcloud/client.lua.
 */
#ifndef ACR_CLIENT_H
#define ACR_CLIENT_H

#include <lua.h>

#include "http.h"

#define ACR_CLIENT_MT "acrcloud.client"
#define ACR_DEFAULT_BASE_URL "https://api-v2.acrcloud.com/api"
/* The most bytes of an answer held in memory, unless max_body says. */
#define ACR_DEFAULT_MAX_BODY ((size_t)64 * 1024 * 1024)

typedef struct acr_client {
  acr_driver *driver; /* NULL once closed */
  char *token;        /* NULL: none given (an error at the first call) */
  char *base_url;     /* without a trailing slash */
  int default_base;   /* base_url is the default: endpoints' own hosts apply */
  long timeout_ms, connect_timeout_ms;
  size_t max_body, max_output; /* max_output 0: no cap */
  char *user_agent;
} acr_client;

/* core.new{...}: acrcloud.new without the options the composites handle. */
int acr_client_new(lua_State *L);
/* The open client at idx, or raises. */
acr_client *acr_client_check(lua_State *L, int idx);
/* Registers the metatable and adds new, state and methods (the client's
 * methods table) to the core table at the top of the stack. */
void acr_client_open(lua_State *L);

/* Whether s holds CR, LF or another control character (not allowed in a
 * header or a URL). */
int acr_has_control(const char *s);
/* Raises unless url is an http(s) URL with a host, without spaces or
 * control characters, and, unless allow_http, https or to this machine; the
 * message names it as `what` and shows it with any password hidden. */
void acr_check_url(lua_State *L, const char *what, const char *url,
                   int allow_http);
/* The whole number of bytes >= 1 in the option name of the table at idx,
 * or fallback when it is not set; raises naming `where` otherwise. */
size_t acr_opt_bytes(lua_State *L, int idx, const char *name, size_t fallback,
                     const char *where);
/* Raises unless every key of the table at idx is one of names. */
void acr_check_keys(lua_State *L, int idx, const char *const names[],
                    const char *where);

#endif
