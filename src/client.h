/*
 * The client userdata: a transport, the token and the settings. Created by
 * acrcloud.new; close(), __close and __gc are one idempotent function.
 */
#ifndef ACRCLOUD_CLIENT_H
#define ACRCLOUD_CLIENT_H

#include <lua.h>

#include "endpoints.h"
#include "http.h"

#define ACR_CLIENT_MT "acrcloud.client"
#define ACR_DEFAULT_BASE_URL "https://api-v2.acrcloud.com/api"

typedef struct acr_client {
  acr_http *http;   /* NULL once closed */
  char *token;      /* NULL: none given (an error at the first call) */
  char *base_url;   /* without a trailing slash */
  int default_base; /* base_url is the default: endpoints' own hosts apply */
  long timeout_ms, connect_timeout_ms;
  char *user_agent;
} acr_client;

/* acrcloud.new{...} */
int acr_client_new(lua_State *L);
/* The open client at idx, or raises. */
acr_client *acr_client_check(lua_State *L, int idx);
/* Registers the metatable; pushes nothing. The methods table (at the top of
 * the stack) gets close/request/each; binding.c adds the endpoints. */
void acr_client_open(lua_State *L);
/* Calls endpoint ep on the client at 1 with the params at 2: pushes
 * body, response or nil, err; returns 2. */
int acr_client_call(lua_State *L, const acr_endpoint *ep);

#endif
