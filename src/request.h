/*
 * Building a request: the userdata "acrcloud.request", made from an
 * operation and its params (checked against the endpoint table), from a
 * method and a path (client:request), or from a presigned URL. It holds what
 * goes out (method, URL, headers, body or parts or a file) and the state of
 * its transfer, so that it can be sent alone, among many, and again.
 * Misuse raises, naming the operation and the parameter.
 */
#ifndef ACR_REQUEST_H
#define ACR_REQUEST_H

#include <lua.h>

#include "client.h"
#include "endpoints.h"
#include "http.h"

#define ACR_REQUEST_MT "acrcloud.request"

typedef struct acr_request {
  acr_http_request spec; /* its strings live in the user value */
  acr_transfer xfer;
  int bearer;                   /* sends the client's token */
  int raw;                      /* the answer is bytes, not JSON */
  const char *output;           /* raw answers: written to this path */
  acr_http_part *parts;         /* malloc'd */
  const char *fixed_headers[4]; /* the header lines, when they fit */
  const char **headers;         /* malloc'd, when they do not */
} acr_request;

/* Registers the metatable. */
void acr_request_open(lua_State *L);

/* The request at idx, or raises. */
acr_request *acr_request_check(lua_State *L, int idx);
/* Pushes the client the request at idx was built for. */
void acr_request_push_client(lua_State *L, int idx);
/* Pushes the request's URL as errors and responses show it (redacted). */
void acr_request_push_url(lua_State *L, int idx);

/* core.build(client, name, params, options, region) -> request (options:
 * raw, max_body, max_output), or false when
 * the operation's {region} host needs the region of a container that the
 * caller must look up (then called again with it). */
/* Raises unless the table at idx (or nil) holds only per-call options of
 * the right types, naming `where`; request: client:request's keys too. */
void acr_check_call_options(lua_State *L, int idx, const char *where,
                            int request);
int acr_request_check_options(lua_State *L);

/* core.build(client, name, params, options, region[, checked]): checked
 * true when an earlier build of these params and options (that answered
 * false) checked them already. */
int acr_request_build(lua_State *L);
/* Its body, for an endpoint already found: the client at 1, the params at
 * 3, the region at 4 and the checked options at 5; the params are checked
 * unless `checked`. Pushes the request, or false when the region must be
 * asked of a container first. */
int acr_request_build_op(lua_State *L, const acr_endpoint *ep, int checked);
/* core.build_request(client, method, path, {query, body, content_type, raw})
 * -> request */
int acr_request_build_custom(lua_State *L);
/* core.build_upload(client, method, url, headers, file) -> request: a file
 * streamed to a presigned URL, without the token. */
int acr_request_build_upload(lua_State *L);
/* core.describe(request) -> {method, url, body, parts} */
int acr_request_describe(lua_State *L);
/* core.own_host(client, name) -> whether the operation goes to its own
 * {region} host, so that a region must be found for it. */
int acr_request_own_host(lua_State *L);

#endif
