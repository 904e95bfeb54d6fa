/*
 * The codec's state in the registry: the array metatable, the cache of
 * ordered-object metatables, and the scratch memory. Encoding is in
 * json_encode.c, decoding in json_decode.c.
 */
#include "json.h"

#include <lauxlib.h>

#include "json_scratch.h"

/* Registry keys: the addresses of these objects. */
static const char key_scratch = 0, key_objects = 0, key_no_order = 0;

#define TRIM_ABOVE ((size_t)1 << 20)

/* ---- scratch memory ---- */

static void *resize(lua_State *L, void *p, size_t old, size_t size) {
  void *ud;
  lua_Alloc alloc = lua_getallocf(L, &ud);
  return alloc(ud, p, old, size);
}

static int scratch_gc(lua_State *L) {
  acr_json_scratch *s = lua_touserdata(L, 1);
  resize(L, s->text, s->text_cap, 0);
  resize(L, s->keys, s->keys_cap * sizeof *s->keys, 0);
  s->text = NULL;
  s->keys = NULL;
  s->text_cap = s->keys_cap = 0;
  return 0;
}

acr_json_scratch *acr_json_scratch_get(lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &key_scratch);
  acr_json_scratch *s = lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (!s) luaL_error(L, "the JSON codec is not open (acr_json_open)");
  return s;
}

static size_t grown(size_t cap, size_t need) {
  size_t n = cap ? cap : 256;
  while (n < need)
    n = n > ((size_t)-1) / 2 ? need : n * 2;
  return n;
}

void acr_json_scratch_text(lua_State *L, acr_json_scratch *s, size_t need) {
  if (need <= s->text_cap) return;
  size_t cap = grown(s->text_cap, need);
  char *p = resize(L, s->text, s->text_cap, cap);
  if (!p) luaL_error(L, "not enough memory");
  s->text = p;
  s->text_cap = cap;
}

void acr_json_scratch_keys(lua_State *L, acr_json_scratch *s, size_t need) {
  if (need <= s->keys_cap) return;
  size_t cap = grown(s->keys_cap, need);
  if (cap > ((size_t)-1) / sizeof *s->keys) luaL_error(L, "not enough memory");
  acr_json_key *p =
      resize(L, s->keys, s->keys_cap * sizeof *p, cap * sizeof *p);
  if (!p) luaL_error(L, "not enough memory");
  s->keys = p;
  s->keys_cap = cap;
}

void acr_json_scratch_trim(lua_State *L, acr_json_scratch *s) {
  if (s->text_cap > TRIM_ABOVE) {
    resize(L, s->text, s->text_cap, 0);
    s->text = NULL;
    s->text_cap = 0;
  }
  if (s->keys_cap * sizeof *s->keys > TRIM_ABOVE) {
    resize(L, s->keys, s->keys_cap * sizeof *s->keys, 0);
    s->keys = NULL;
    s->keys_cap = 0;
  }
}

/* ---- the registry ---- */

void acr_json_open(lua_State *L) {
  if (luaL_newmetatable(L, ACR_JSON_ARRAY_MT)) {
    lua_pushliteral(L, "array");
    lua_setfield(L, -2, "__name");
  }
  lua_pop(L, 1);

  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &key_scratch) == LUA_TNIL) {
    acr_json_scratch *s = lua_newuserdatauv(L, sizeof *s, 0);
    s->text = NULL;
    s->keys = NULL;
    s->text_cap = s->keys_cap = 0;
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, scratch_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, "acrcloud.json.scratch");
    lua_setfield(L, -2, "__name");
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &key_scratch);
  }
  lua_pop(L, 1);

  /* order list -> its object metatable; weak keys: a list no longer used
   * takes its metatable with it */
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &key_objects) == LUA_TNIL) {
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &key_objects);
    lua_newtable(L); /* the order of acrcloud.object(t): none, all sorted */
    lua_rawsetp(L, LUA_REGISTRYINDEX, &key_no_order);
  }
  lua_pop(L, 1);
}

void acr_json_push_null(lua_State *L) {
  lua_pushlightuserdata(L, NULL);
}

void acr_json_mark_array(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  luaL_getmetatable(L, ACR_JSON_ARRAY_MT);
  lua_setmetatable(L, idx);
}

void acr_json_mark_object(lua_State *L, int idx, int order_idx) {
  idx = lua_absindex(L, idx);
  if (order_idx) {
    order_idx = lua_absindex(L, order_idx);
    luaL_checktype(L, order_idx, LUA_TTABLE);
    lua_Integer n = (lua_Integer)lua_rawlen(L, order_idx);
    for (lua_Integer i = 1; i <= n; i++) {
      if (lua_rawgeti(L, order_idx, i) != LUA_TSTRING)
        luaL_error(L, "object: the key order must list strings, got %s at %d",
                   luaL_typename(L, -1), (int)i);
      lua_pop(L, 1);
    }
    lua_pushvalue(L, order_idx);
  } else {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &key_no_order);
  }
  lua_rawgetp(L, LUA_REGISTRYINDEX, &key_objects);
  lua_pushvalue(L, -2);
  if (lua_rawget(L, -2) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_createtable(L, 0, 2);
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "__jsonorder");
    lua_pushliteral(L, "object");
    lua_setfield(L, -2, "__name");
    lua_pushvalue(L, -3);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);
  }
  lua_setmetatable(L, idx);
  lua_pop(L, 2);
}
