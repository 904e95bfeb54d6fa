/*
 * luaopen_acrcloud: the module table, one method per endpoint on the client,
 * and `acrcloud.operations`, all derived from the endpoint table.
 */
#include <lauxlib.h>

#include "acrcloud.h"
#include "client.h"
#include "endpoints.h"
#include "errors.h"
#include "files.h"
#include "http.h"
#include "json.h"
#include "params.h"
#include "sign.h"

static int call_endpoint(lua_State *L) {
  return acr_client_call(L, lua_touserdata(L, lua_upvalueindex(1)));
}

/* acrcloud.array(t): marks t as a JSON array (so that {} goes out as []). */
static int array(lua_State *L) {
  if (lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_newtable(L);
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  acr_json_mark_array(L, 1);
  return 1;
}

/* acrcloud.encode(value): JSON text, with the module's rules for integers,
 * arrays and null. Raises on values JSON cannot hold. */
static int encode(lua_State *L) {
  luaL_checkany(L, 1);
  acr_json_encode(L, 1);
  return 1;
}

/* acrcloud.decode(text): the value, or nil and a message. */
static int decode(lua_State *L) {
  size_t len;
  const char *text = luaL_checklstring(L, 1, &len);
  if (acr_json_decode(L, text, len)) return 1;
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}

/* acrcloud.hmac_sha1(key, data): the raw 20-byte MAC. */
static int hmac_sha1(lua_State *L) {
  size_t kl, dl;
  const char *key = luaL_checklstring(L, 1, &kl);
  const char *data = luaL_checklstring(L, 2, &dl);
  unsigned char mac[ACR_SHA1_SIZE];
  if (acr_hmac_sha1(key, kl, data, dl, mac) != 0)
    return luaL_error(L, "hmac_sha1 failed");
  lua_pushlstring(L, (const char *)mac, sizeof mac);
  return 1;
}

/* acrcloud.base64(s) */
static int base64(lua_State *L) {
  size_t len;
  const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &len);
  luaL_Buffer b;
  char *out = luaL_buffinitsize(L, &b, 4 * ((len + 2) / 3) + 1);
  luaL_pushresultsize(&b, acr_base64(s, len, out));
  return 1;
}

static void set_string(lua_State *L, const char *k, const char *v) {
  lua_pushstring(L, v);
  lua_setfield(L, -2, k);
}

/* Pushes the operations array: {name=, method=, path=, host=, area=,
 * summary=, paginated=, params={{name=, location=, type=, required=,
 * default=, doc=}, ...}} */
static void push_operations(lua_State *L) {
  char types[96];
  lua_createtable(L, (int)acr_endpoint_count, 0);
  for (size_t i = 0; i < acr_endpoint_count; i++) {
    const acr_endpoint *ep = &acr_endpoints[i];
    lua_createtable(L, 0, 8);
    set_string(L, "name", ep->name);
    set_string(L, "method", ep->method);
    set_string(L, "path", ep->path);
    if (ep->host) set_string(L, "host", ep->host);
    set_string(L, "area", ep->area);
    set_string(L, "summary", ep->summary);
    lua_pushboolean(L, ep->paginated);
    lua_setfield(L, -2, "paginated");
    set_string(L, "body",
               ep->body == ACR_BODY_MULTIPART ? "multipart" : "json");
    set_string(L, "response",
               ep->response == ACR_RESPONSE_RAW ? "raw" : "json");
    set_string(L, "auth", ep->auth == ACR_AUTH_SIGNED ? "signed" : "bearer");
    if (ep->region_from) set_string(L, "region_from", ep->region_from);
    if (ep->source) set_string(L, "source", ep->source);
    if (ep->note) set_string(L, "note", ep->note);
    lua_newtable(L);
    int n = 0;
    for (const acr_param *p = ep->params; p->name; p++) {
      lua_createtable(L, 0, 6);
      set_string(L, "name", p->name);
      set_string(L, "location", acr_location_name(p->in));
      acr_type_names(p->types, types, sizeof types);
      /* "integer or string" -> "integer|string" */
      luaL_gsub(L, types, ", ", "|");
      lua_pushstring(L, luaL_gsub(L, lua_tostring(L, -1), " or ", "|"));
      lua_setfield(L, -4, "type");
      lua_pop(L, 2);
      lua_pushboolean(L, p->required);
      lua_setfield(L, -2, "required");
      if (p->fallback) set_string(L, "default", p->fallback);
      set_string(L, "doc", p->doc);
      lua_rawseti(L, -2, ++n);
    }
    lua_setfield(L, -2, "params");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

int luaopen_acrcloud(lua_State *L) {
  if (acr_http_global_init() != 0)
    return luaL_error(L, "acrcloud: curl_global_init failed");
  acr_json_open(L);
  acr_errors_open(L);

  /* the client's methods: close/request/each and one per endpoint */
  lua_newtable(L);
  for (size_t i = 0; i < acr_endpoint_count; i++) {
    lua_pushlightuserdata(L, (void *)&acr_endpoints[i]);
    lua_pushcclosure(L, call_endpoint, 1);
    lua_setfield(L, -2, acr_endpoints[i].name);
  }
  acr_client_open(L);
  lua_pop(L, 1);

  static const luaL_Reg functions[] = {{"new", acr_client_new},
                                       {"array", array},
                                       {"encode", encode},
                                       {"decode", decode},
                                       {"hmac_sha1", hmac_sha1},
                                       {"base64", base64},
                                       {NULL, NULL}};
  luaL_newlib(L, functions);
  acr_files_register(L); /* fsync, lock */
  set_string(L, "version", ACRLUA_VERSION);
  set_string(L, "curl_version", acr_http_version());
  set_string(L, "default_base_url", ACR_DEFAULT_BASE_URL);
  acr_json_push_null(L);
  lua_setfield(L, -2, "null");
  push_operations(L);
  lua_setfield(L, -2, "operations");
  lua_createtable(L, (int)acr_omission_count, 0);
  for (size_t i = 0; i < acr_omission_count; i++) {
    lua_createtable(L, 0, 2);
    set_string(L, "source", acr_omissions[i].source);
    set_string(L, "reason", acr_omissions[i].reason);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "omissions");
  return 1;
}

void acrcloud_preload(lua_State *L) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_acrcloud);
  lua_setfield(L, -2, "acrcloud");
  lua_pushcfunction(L, luaopen_acrcloud_httpd);
  lua_setfield(L, -2, "acrcloud.httpd");
  lua_pushcfunction(L, luaopen_acrcloud_tz);
  lua_setfield(L, -2, "acrcloud.tz");
  lua_pop(L, 1);
}
