#include "request.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <lauxlib.h>

#include "errors.h"
#include "json.h"
#include "params.h"
#include "sign.h"

/* The user values of a request: the strings and tables its C fields point
 * into, and the client (kept alive while the request is). */
enum {
  UV_CLIENT = 1,
  UV_URL,
  UV_BODY,
  UV_PARTS,
  UV_HEADERS,
  UV_CONTENT_TYPE,
  UV_EXTRA,
  UV_N
};

static int l_gc(lua_State *L) {
  acr_request *r = luaL_checkudata(L, 1, ACR_REQUEST_MT);
  acr_transfer_free(&r->xfer);
  free(r->parts);
  r->parts = NULL;
  free(r->headers);
  r->headers = NULL;
  return 0;
}

static int l_tostring(lua_State *L) {
  acr_request *r = luaL_checkudata(L, 1, ACR_REQUEST_MT);
  lua_pushfstring(L, "acrcloud.request (%s ", r->spec.method);
  acr_push_redacted_url(L, r->spec.url);
  lua_pushfstring(L, "): %p", (void *)r);
  lua_concat(L, 3);
  return 1;
}

void acr_request_open(lua_State *L) {
  static const luaL_Reg metamethods[] = {
      {"__gc", l_gc}, {"__tostring", l_tostring}, {NULL, NULL}};
  if (luaL_newmetatable(L, ACR_REQUEST_MT)) luaL_setfuncs(L, metamethods, 0);
  lua_pop(L, 1);
}

acr_request *acr_request_check(lua_State *L, int idx) {
  return luaL_checkudata(L, idx, ACR_REQUEST_MT);
}

void acr_request_push_client(lua_State *L, int idx) {
  lua_getiuservalue(L, idx, UV_CLIENT);
}

void acr_request_push_url(lua_State *L, int idx) {
  acr_request *r = lua_touserdata(L, idx);
  const char *scheme = strstr(r->spec.url, "://");
  if (scheme && acr_url_host(r->spec.url, NULL) == scheme + 3)
    lua_getiuservalue(L, idx, UV_URL); /* nothing to hide: the same string */
  else
    acr_push_redacted_url(L, r->spec.url);
}

/* Pushes a new request for the client at 1, with the method, the URL at
 * url_idx and the body (a string or nil) at body_idx. */
static acr_request *new_request(lua_State *L, acr_client *c, const char *method,
                                int url_idx, int body_idx) {
  url_idx = lua_absindex(L, url_idx);
  body_idx = lua_absindex(L, body_idx);
  acr_request *r = lua_newuserdatauv(L, sizeof *r, UV_N - 1);
  memset(r, 0, sizeof *r);
  luaL_setmetatable(L, ACR_REQUEST_MT);
  lua_pushvalue(L, 1);
  lua_setiuservalue(L, -2, UV_CLIENT);
  lua_pushvalue(L, url_idx);
  lua_setiuservalue(L, -2, UV_URL);
  lua_pushvalue(L, body_idx);
  lua_setiuservalue(L, -2, UV_BODY);
  r->spec.method = method;
  r->spec.url = lua_tostring(L, url_idx);
  r->spec.body = lua_tolstring(L, body_idx, &r->spec.body_len);
  r->spec.timeout_ms = c->timeout_ms;
  r->spec.connect_timeout_ms = c->connect_timeout_ms;
  r->spec.user_agent = c->user_agent;
  r->spec.max_body = c->max_body;
  r->spec.max_output = c->max_output;
  return r;
}

/* The per-call options: client:NAME's second argument, a batch entry's
 * third, client:request's third (which has its own keys too). */
typedef enum { OPT_BOOLEAN, OPT_COUNT, OPT_BYTES, OPT_REQUEST } acr_opt_kind;

static const struct {
  const char *name;
  acr_opt_kind kind;
} call_options[] = {{"raw", OPT_BOOLEAN},        {"retries", OPT_COUNT},
                    {"idempotent", OPT_BOOLEAN}, {"max_body", OPT_BYTES},
                    {"max_output", OPT_BYTES},   {"query", OPT_REQUEST},
                    {"body", OPT_REQUEST},       {"content_type", OPT_REQUEST},
                    {NULL, OPT_BOOLEAN}};

/* Raises unless the value at -1 suits option i. */
static void check_option(lua_State *L, size_t i, const char *where) {
  const char *name = call_options[i].name;
  switch (call_options[i].kind) {
  case OPT_BOOLEAN:
    if (!lua_isboolean(L, -1))
      luaL_error(L, "%s: option '%s' must be a boolean", where, name);
    break;
  case OPT_COUNT:
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0)
      luaL_error(L, "%s: option '%s' must be a whole number >= 0", where, name);
    break;
  case OPT_BYTES:
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1)
      luaL_error(L, "%s: option '%s' must be a whole number of bytes >= 1",
                 where, name);
    break;
  case OPT_REQUEST: /* checked where client:request reads them */ break;
  }
}

void acr_check_call_options(lua_State *L, int idx, const char *where,
                            int request) {
  if (lua_isnoneornil(L, idx)) return;
  if (!lua_istable(L, idx))
    luaL_error(L, "%s: options must be a table, got %s", where,
               luaL_typename(L, idx));
  idx = lua_absindex(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    const char *key =
        lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
    size_t i = 0;
    while (call_options[i].name &&
           !(key && strcmp(key, call_options[i].name) == 0 &&
             (request || call_options[i].kind != OPT_REQUEST)))
      i++;
    if (!call_options[i].name)
      luaL_error(L, "%s: unknown option '%s'", where,
                 luaL_tolstring(L, -2, NULL));
    check_option(L, i, where);
    lua_pop(L, 1);
  }
}

/* core.check_options(where, opts[, request]) -> opts, or {} for nil */
int acr_request_check_options(lua_State *L) {
  const char *where = luaL_checkstring(L, 1);
  acr_check_call_options(L, 2, where, lua_toboolean(L, 3));
  if (lua_isnoneornil(L, 2))
    lua_newtable(L);
  else
    lua_pushvalue(L, 2);
  return 1;
}

/* Applies the per-call options at opts_idx (checked, or nil): raw,
 * max_body, max_output. */
static void apply_options(lua_State *L, acr_request *r, int opts_idx) {
  if (!lua_istable(L, opts_idx)) return;
  if (lua_getfield(L, opts_idx, "raw") == LUA_TBOOLEAN)
    r->raw = r->raw || lua_toboolean(L, -1);
  if (lua_getfield(L, opts_idx, "max_body") == LUA_TNUMBER)
    r->spec.max_body = (size_t)lua_tointeger(L, -1);
  if (lua_getfield(L, opts_idx, "max_output") == LUA_TNUMBER)
    r->spec.max_output = (size_t)lua_tointeger(L, -1);
  lua_pop(L, 3);
}

/* Raises unless the client has a token; returns 1. */
static int need_token(lua_State *L, const acr_client *c) {
  if (!c->token)
    luaL_error(L, "acrcloud: no access token: pass token= to acrcloud.new or "
                  "set ACRCLOUD_ACCESS_TOKEN");
  return 1;
}

/* Keeps the value at the top in the user value of the request at r_idx, in
 * slot; pops it. */
static void keep(lua_State *L, int r_idx, int slot) {
  lua_setiuservalue(L, r_idx, slot);
}

/* Sets the header lines of the request at r_idx: Accept, Content-Type when
 * there is a body (a constant line for JSON, so that a common request
 * makes no Lua string for it), and the lines of the table at extra_idx (or
 * 0), kept as Lua strings in the request's user value. */
static void set_headers(lua_State *L, int r_idx, int accept_any,
                        const char *content_type, int extra_idx) {
  acr_request *r = lua_touserdata(L, r_idx);
  size_t extra = 0, n = 0;
  if (extra_idx) {
    lua_pushnil(L);
    while (lua_next(L, extra_idx)) {
      lua_pop(L, 1);
      extra++;
    }
  }
  const char **lines = r->fixed_headers;
  if (extra + 2 > sizeof r->fixed_headers / sizeof *lines) {
    lines = r->headers = malloc((extra + 2) * sizeof *lines);
    if (!lines) luaL_error(L, "acrcloud: out of memory");
  }
  lines[n++] = accept_any ? "Accept: */*" : "Accept: application/json";
  if (r->spec.body && content_type) {
    if (strcmp(content_type, "application/json") == 0) {
      lines[n++] = "Content-Type: application/json";
    } else {
      lua_pushfstring(L, "Content-Type: %s", content_type);
      lines[n++] = lua_tostring(L, -1);
      keep(L, r_idx, UV_CONTENT_TYPE);
    }
  }
  if (extra_idx) {
    lua_createtable(L, (int)extra, 0);
    int kept = lua_gettop(L), i = 0;
    lua_pushnil(L);
    while (lua_next(L, extra_idx)) {
      if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING ||
          acr_has_control(lua_tostring(L, -2)) ||
          acr_has_control(lua_tostring(L, -1)))
        luaL_error(L, "headers must map names to strings without control "
                      "characters");
      lua_pushfstring(L, "%s: %s", lua_tostring(L, -2), lua_tostring(L, -1));
      lines[n++] = lua_tostring(L, -1);
      lua_rawseti(L, kept, ++i);
      lua_pop(L, 1);
    }
    keep(L, r_idx, UV_HEADERS);
  }
  r->spec.headers = lines;
  r->spec.header_count = n;
}

/* Sets the multipart parts of the request at r_idx from the parts table at
 * parts_idx ({{name =, value = | file =}, ...}). */
static void set_parts(lua_State *L, int r_idx, int parts_idx) {
  acr_request *r = lua_touserdata(L, r_idx);
  size_t n = lua_rawlen(L, parts_idx);
  r->parts = calloc(n ? n : 1, sizeof *r->parts);
  if (!r->parts) luaL_error(L, "acrcloud: out of memory");
  for (size_t i = 0; i < n; i++) {
    acr_http_part *p = &r->parts[i];
    lua_rawgeti(L, parts_idx, (lua_Integer)i + 1);
    lua_getfield(L, -1, "name");
    lua_getfield(L, -2, "value");
    lua_getfield(L, -3, "file");
    p->name = lua_tostring(L, -3);
    p->value = lua_tolstring(L, -2, &p->value_len);
    p->file = lua_tostring(L, -1);
    lua_pop(L, 4); /* the parts table keeps the strings alive */
    if (p->file) {
      const char *slash = strrchr(p->file, '/');
      p->filename = slash ? slash + 1 : p->file;
    }
  }
  r->spec.parts = r->parts;
  r->spec.part_count = n;
  lua_pushvalue(L, parts_idx);
  keep(L, r_idx, UV_PARTS);
}

/* ---- from an operation ---- */

/* A region goes into a host name: letters, digits and dashes only. */
static int valid_region(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (!(isalnum((unsigned char)*s) || *s == '-')) return 0;
  return 1;
}

/* The host ep goes to instead of the client's base URL, or NULL: an
 * override from the client's hosts option, or the endpoint's own host while
 * the default base URL is in force. The client is at 1. */
static const char *own_host(lua_State *L, acr_client *c,
                            const acr_endpoint *ep) {
  if (!ep->host) return NULL;
  lua_getiuservalue(L, 1, 1);
  lua_getfield(L, -1, "hosts");
  lua_getfield(L, -1, ep->host);
  const char *host = lua_tostring(L, -1); /* kept alive in the user value */
  lua_pop(L, 3);
  return host ? host : c->default_base ? ep->host : NULL;
}

/* Pushes the base URL for ep, with {region} filled from the params or the
 * region at region_idx (found by the caller). Returns 0 without pushing
 * when the region must come from a container the caller has to ask. */
static int push_base(lua_State *L, acr_client *c, const acr_endpoint *ep,
                     int params_idx, int region_idx) {
  const char *host = own_host(L, c, ep);
  if (!host) {
    lua_pushstring(L, c->base_url);
    return 1;
  }
  if (!strstr(host, "{region}")) {
    lua_pushstring(L, host);
    return 1;
  }
  if (lua_getfield(L, params_idx, "region") == LUA_TNIL) {
    lua_pop(L, 1);
    lua_pushvalue(L, region_idx);
  }
  const char *region = lua_tostring(L, -1);
  if (!region && ep->region_from) return lua_pop(L, 1), 0;
  if (!region)
    luaL_error(L, "%s: missing required parameter 'region' (host)", ep->name);
  if (!valid_region(region))
    luaL_error(L, "%s: region '%s' may hold only letters, digits and dashes",
               ep->name, region);
  luaL_gsub(L, host, "{region}", region);
  lua_remove(L, -2);
  return 1;
}

/* For the Identification API: adds timestamp, signature, signature_version
 * and sample_bytes to the parts at parts_idx. */
static void add_signature(lua_State *L, const acr_endpoint *ep, int params_idx,
                          int parts_idx) {
  const char *secret = NULL, *key = NULL, *data_type = NULL, *file = NULL;
  for (const acr_param *p = ep->params; p->name; p++) {
    lua_getfield(L, params_idx, p->name);
    const char *v = lua_isstring(L, -1) ? lua_tostring(L, -1) : p->fallback;
    lua_pop(L, 1); /* the params table keeps it alive */
    if (p->in == ACR_IN_SECRET)
      secret = v;
    else if (strcmp(p->name, "access_key") == 0)
      key = v;
    else if (strcmp(p->name, "data_type") == 0)
      data_type = v;
    else if (p->in == ACR_IN_FILE)
      file = v;
  }
  if (!secret || !key || !file)
    luaL_error(L, "%s: signing needs access_key, a secret and a file",
               ep->name);
  struct stat st;
  long long size = stat(file, &st) == 0 ? (long long)st.st_size : 0;
  char timestamp[32], sig[64], bytes[32];
  unsigned char mac[ACR_SHA1_SIZE];
  snprintf(timestamp, sizeof timestamp, "%lld", (long long)time(NULL));
  /* The documented string: method, path, key, data type, version, time. */
  lua_pushfstring(L, "POST\n%s\n%s\n%s\n1\n%s", ep->path, key,
                  data_type ? data_type : "audio", timestamp);
  size_t len;
  const char *to_sign = lua_tolstring(L, -1, &len);
  if (acr_hmac_sha1(secret, strlen(secret), to_sign, len, mac) != 0)
    luaL_error(L, "%s: HMAC-SHA1 failed", ep->name);
  lua_pop(L, 1);
  acr_base64(mac, sizeof mac, sig);
  snprintf(bytes, sizeof bytes, "%lld", size);
  const char *names[] = {"timestamp", "signature", "signature_version",
                         "sample_bytes"};
  const char *values[] = {timestamp, sig, "1", bytes};
  for (int i = 0; i < 4; i++) {
    lua_createtable(L, 0, 2);
    lua_pushstring(L, names[i]);
    lua_setfield(L, -2, "name");
    lua_pushstring(L, values[i]);
    lua_setfield(L, -2, "value");
    lua_rawseti(L, parts_idx, (lua_Integer)lua_rawlen(L, parts_idx) + 1);
  }
}

/* Pushes the output path of a raw endpoint's params, or nil. */
static void push_output_param(lua_State *L, const acr_endpoint *ep,
                              int params_idx) {
  for (const acr_param *p = ep->params; p->name; p++)
    if (p->in == ACR_IN_OUTPUT) {
      lua_getfield(L, params_idx, p->name);
      return;
    }
  lua_pushnil(L);
}

static const acr_endpoint *check_endpoint(lua_State *L, int idx) {
  const char *name = luaL_checkstring(L, idx);
  const acr_endpoint *ep = acr_endpoint_find(name);
  if (!ep) luaL_error(L, "unknown operation '%s'", name);
  return ep;
}

int acr_request_own_host(lua_State *L) {
  acr_client *c = acr_client_check(L, 1);
  const acr_endpoint *ep = check_endpoint(L, 2);
  const char *host = own_host(L, c, ep);
  lua_pushboolean(L, host && strstr(host, "{region}"));
  return 1;
}

int acr_request_build(lua_State *L) {
  acr_client_check(L, 1);
  const acr_endpoint *ep = check_endpoint(L, 2);
  int checked = lua_toboolean(L, 6);
  lua_settop(L, 5);
  lua_insert(L, 4); /* the region at 4, the options at 5 */
  if (!checked) acr_check_call_options(L, 5, ep->name, 0);
  return acr_request_build_op(L, ep, checked);
}

int acr_request_build_op(lua_State *L, const acr_endpoint *ep, int checked) {
  acr_client *c = lua_touserdata(L, 1);
  if (lua_isnil(L, 3)) {
    lua_newtable(L);
    lua_replace(L, 3);
  } else if (!lua_istable(L, 3)) {
    return luaL_error(L, "%s: params must be a table, got %s", ep->name,
                      luaL_typename(L, 3));
  }
  if (!checked) acr_check_params(L, ep, 3);
  if (!push_base(L, c, ep, 3, 4)) { /* 6 */
    lua_pushboolean(L, 0);
    return 1;
  }
  acr_build_request(L, ep, 3, lua_tostring(L, 6)); /* url 7, body 8, parts 9 */
  if (ep->auth == ACR_AUTH_SIGNED && lua_istable(L, 9))
    add_signature(L, ep, 3, 9);
  acr_request *r = new_request(L, c, ep->method, 7, 8); /* 10 */
  if (ep->auth == ACR_AUTH_BEARER) r->bearer = need_token(L, c);
  r->raw = ep->response == ACR_RESPONSE_RAW;
  apply_options(L, r, 5);
  push_output_param(L, ep, 3);
  r->output = r->spec.output = lua_tostring(L, -1);
  keep(L, 10, UV_EXTRA); /* the path, kept alive */
  if (lua_istable(L, 9)) set_parts(L, 10, 9);
  set_headers(L, 10, ep->response == ACR_RESPONSE_RAW, "application/json", 0);
  lua_settop(L, 10);
  return 1;
}

/* Pushes the URL of client:request: the base URL, the path and the query
 * (the table at query_idx, or 0). */
static void push_custom_url(lua_State *L, acr_client *c, const char *path,
                            int query_idx) {
  lua_pushstring(L, c->base_url);
  lua_pushstring(L, path);
  int pieces = 2;
  if (query_idx) {
    lua_pushnil(L);
    while (lua_next(L, query_idx)) {
      if (lua_type(L, -2) != LUA_TSTRING ||
          !(lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER))
        luaL_error(L, "request: query must map names to strings or numbers");
      size_t kl, vl;
      const char *k = lua_tolstring(L, -2, &kl);
      const char *v = lua_tolstring(L, -1, &vl); /* a number: in place */
      luaL_checkstack(L, 4, "too many query parameters");
      lua_pushstring(L, pieces == 2 && !strchr(path, '?') ? "?" : "&");
      acr_push_encoded(L, k, kl);
      lua_pushliteral(L, "=");
      acr_push_encoded(L, v, vl);
      lua_concat(L, 4);
      lua_insert(L, -3); /* below the key and the value */
      lua_pop(L, 1);
      pieces++;
    }
  }
  lua_concat(L, pieces);
}

int acr_request_build_custom(lua_State *L) {
  static const char *const methods[] = {"GET",    "POST", "PUT", "PATCH",
                                        "DELETE", "HEAD", NULL};
  acr_client *c = acr_client_check(L, 1);
  const char *method = methods[luaL_checkoption(L, 2, NULL, methods)];
  const char *path = luaL_checkstring(L, 3);
  luaL_checktype(L, 4, LUA_TTABLE);
  lua_settop(L, 4);
  acr_check_call_options(L, 4, "request", 1);
  if (path[0] != '/' || acr_has_control(path) || strchr(path, ' '))
    return luaL_error(L,
                      "request: the path must start with '/' and hold no "
                      "spaces or control characters, got '%s'",
                      path);
  int qt = lua_getfield(L, 4, "query"); /* 5 */
  if (qt != LUA_TTABLE && qt != LUA_TNIL)
    return luaL_error(L, "request: query must be a table");
  push_custom_url(L, c, path, qt == LUA_TTABLE ? 5 : 0); /* 6 */
  int bt = lua_getfield(L, 4, "body");                   /* 7 */
  if (bt == LUA_TTABLE) {
    acr_json_enc o = {"request", "body", 0};
    acr_json_encode(L, 7, &o);
    lua_replace(L, 7);
  } else if (bt != LUA_TSTRING && bt != LUA_TNIL) {
    return luaL_error(L,
                      "request: body must be a table (sent as JSON) or a "
                      "string, got %s",
                      luaL_typename(L, 7));
  }
  const char *type = "application/json";
  if (lua_getfield(L, 4, "content_type") == LUA_TSTRING) { /* 8 */
    type = lua_tostring(L, 8);
    if (acr_has_control(type))
      return luaL_error(L, "request: content_type holds a control character");
  }
  acr_request *r = new_request(L, c, method, 6, 7); /* 9 */
  r->bearer = need_token(L, c);
  apply_options(L, r, 4);
  set_headers(L, 9, 0, type, 0);
  lua_settop(L, 9);
  return 1;
}

int acr_request_build_upload(lua_State *L) {
  acr_client *c = acr_client_check(L, 1);
  const char *method = luaL_checkstring(L, 2);
  const char *url = luaL_checkstring(L, 3);
  luaL_checktype(L, 4, LUA_TTABLE);
  luaL_checkstring(L, 5);
  lua_settop(L, 5);
  if (strcmp(method, "PUT") && strcmp(method, "POST"))
    return luaL_error(L, "upload: the method must be PUT or POST");
  if (acr_has_control(url) ||
      (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)))
    return luaL_error(L, "upload: the URL must be http(s)");
  lua_pushnil(L);                                   /* 6: no body */
  acr_request *r = new_request(L, c, method, 3, 6); /* 7 */
  r->raw = 1;
  r->spec.upload_file = lua_tostring(L, 5);
  lua_pushvalue(L, 5);
  keep(L, 7, UV_EXTRA);
  set_headers(L, 7, 1, NULL, 4);
  return 1;
}

int acr_request_describe(lua_State *L) {
  acr_request *r = acr_request_check(L, 1);
  lua_createtable(L, 0, 4);
  lua_pushstring(L, r->spec.method);
  lua_setfield(L, -2, "method");
  acr_push_redacted_url(L, r->spec.url);
  lua_setfield(L, -2, "url");
  lua_getiuservalue(L, 1, UV_BODY);
  lua_setfield(L, -2, "body");
  lua_getiuservalue(L, 1, UV_PARTS);
  lua_setfield(L, -2, "parts");
  return 1;
}
