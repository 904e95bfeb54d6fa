#include "json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "http.h"

/* Registry keys: the addresses of these objects. */
static const char key_encode = 0, key_decode = 0, key_null = 0;
static const char array_mt_name[] = "acrcloud.array";

/* A placeholder for JSON text that cjson cannot produce or keep. It is a
 * string with control characters, so cjson writes it as
 * "\u0001acrlua:TEXT\u0001", a token no other string encodes to. */
#define RAW_MARK                                                               \
  "\x01"                                                                       \
  "acrlua:"
#define RAW_END "\x01"
#define RAW_JSON_OPEN "\"\\u0001acrlua:"
#define RAW_JSON_CLOSE "\\u0001\""
#define MAX_DEPTH 128

static void call_config(lua_State *L, const char *fn, int n) {
  lua_getfield(L, -1, fn);
  lua_pushinteger(L, n);
  lua_call(L, 1, 0);
}

void acr_json_open(lua_State *L) {
  /* cjson.safe returns nil, message where cjson raises: no pcall is needed,
   * so an interrupt or a memory error raised meanwhile is never mistaken
   * for bad JSON. */
  lua_getglobal(L, "require");
  lua_pushliteral(L, "cjson.safe");
  lua_call(L, 1, 1);
  /* A private instance: settings a program makes on cjson don't reach us. */
  lua_getfield(L, -1, "new");
  lua_call(L, 0, 1);
  call_config(L, "decode_max_depth", MAX_DEPTH);
  call_config(L, "encode_max_depth", MAX_DEPTH);
  lua_getfield(L, -1, "encode");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_encode);
  lua_getfield(L, -1, "decode");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_decode);
  lua_getfield(L, -1, "null");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_null);
  lua_pop(L, 2);
  if (luaL_newmetatable(L, array_mt_name)) {
    lua_pushstring(L, "array");
    lua_setfield(L, -2, "__name");
  }
  lua_pop(L, 1);
}

void acr_json_push_null(lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &key_null);
}

void acr_json_mark_array(lua_State *L, int idx) {
  lua_pushvalue(L, idx);
  luaL_setmetatable(L, array_mt_name);
  lua_pop(L, 1);
}

/* ---- encoding ---- */

static void push_raw(lua_State *L, const char *json) {
  lua_pushfstring(L, RAW_MARK "%s" RAW_END, json);
}

static int is_array_marked(lua_State *L, int idx) {
  if (!lua_getmetatable(L, idx)) return 0;
  luaL_getmetatable(L, array_mt_name);
  int same = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  return same;
}

/* Pushes a copy of the value at idx in which what cjson gets wrong is
 * replaced by raw placeholders. */
static void prepare(lua_State *L, int idx, int depth) {
  char num[64];
  idx = lua_absindex(L, idx);
  if (depth > MAX_DEPTH)
    luaL_error(L, "JSON value nested too deep (or a cycle)");
  switch (lua_type(L, idx)) {
  case LUA_TNUMBER:
    if (lua_isinteger(L, idx)) {
      snprintf(num, sizeof num, "%lld", (long long)lua_tointeger(L, idx));
    } else {
      double d = lua_tonumber(L, idx);
      if (!isfinite(d)) luaL_error(L, "JSON cannot hold %f", d);
      snprintf(num, sizeof num, "%.17g", d);
      /* Keep a float a float: 2.0 stays 2.0, not 2. */
      if (!strpbrk(num, ".eEn")) strcat(num, ".0");
    }
    push_raw(L, num);
    return;
  case LUA_TTABLE:
    luaL_checkstack(L, 6, "JSON value nested too deep");
    if (is_array_marked(L, idx)) {
      lua_pushnil(L);
      if (!lua_next(L, idx)) {
        push_raw(L, "[]");
        return;
      }
      lua_pop(L, 2);
    }
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
      lua_pushvalue(L, -2); /* key */
      prepare(L, -2, depth + 1);
      lua_rawset(L, -5);
      lua_pop(L, 1);
    }
    return;
  default: lua_pushvalue(L, idx); return;
  }
}

/* Replaces every "\u0001acrlua:TEXT\u0001" token by TEXT. */
static void unwrap_raw(lua_State *L, const char *s, size_t len) {
  luaL_Buffer b;
  size_t open = sizeof RAW_JSON_OPEN - 1, close = sizeof RAW_JSON_CLOSE - 1;
  luaL_buffinit(L, &b);
  const char *end = s + len;
  while (s < end) {
    const char *m = strstr(s, RAW_JSON_OPEN);
    if (!m) {
      luaL_addlstring(&b, s, (size_t)(end - s));
      break;
    }
    luaL_addlstring(&b, s, (size_t)(m - s));
    const char *text = m + open;
    const char *stop = strstr(text, RAW_JSON_CLOSE);
    if (!stop) stop = end; /* cannot happen: prepare() closes every token */
    luaL_addlstring(&b, text, (size_t)(stop - text));
    s = stop == end ? end : stop + close;
  }
  luaL_pushresult(&b);
}

void acr_json_encode(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &key_encode);
  prepare(L, idx, 0);
  lua_call(L, 1, 2);
  if (lua_isnil(L, -2))
    luaL_error(L, "cannot encode as JSON: %s", lua_tostring(L, -1));
  lua_pop(L, 1);
  size_t len;
  const char *s = lua_tolstring(L, -1, &len);
  unwrap_raw(L, s, len);
  lua_remove(L, -2);
}

/* ---- decoding ---- */

#define LONG_INT_DIGITS 15

/* Rewrites the tokens cjson would lose into placeholders: empty arrays and
 * integers of more than 15 digits. Returns 0 when nothing needs rewriting. */
static int rewrite_for_decode(const char *s, size_t len, acr_buf *out) {
  size_t copied = 0, i = 0;
  int in_string = 0, changed = 0;
  while (i < len) {
    char c = s[i];
    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = 0;
      i++;
      continue;
    }
    if (c == '"') {
      in_string = 1;
      i++;
    } else if (c == '[') {
      size_t j = i + 1;
      while (j < len && strchr(" \t\r\n", s[j]) && s[j])
        j++;
      if (j < len && s[j] == ']') {
        static const char empty[] = RAW_JSON_OPEN "[]" RAW_JSON_CLOSE;
        acr_buf_append(out, s + copied, i - copied);
        acr_buf_append(out, empty, sizeof empty - 1);
        copied = i = j + 1;
        changed = 1;
      } else {
        i++;
      }
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      size_t j = i + (c == '-'), digits = 0;
      int integral = 1;
      while (j < len && strchr("0123456789.eE+-", s[j]) && s[j]) {
        if (s[j] >= '0' && s[j] <= '9')
          digits++;
        else if (s[j] != '-' || j != i)
          integral = 0;
        j++;
      }
      if (integral && digits > LONG_INT_DIGITS) {
        acr_buf_append(out, s + copied, i - copied);
        acr_buf_append(out, RAW_JSON_OPEN, sizeof RAW_JSON_OPEN - 1);
        acr_buf_append(out, s + i, j - i);
        acr_buf_append(out, RAW_JSON_CLOSE, sizeof RAW_JSON_CLOSE - 1);
        copied = j;
        changed = 1;
      }
      i = j;
    } else {
      i++;
    }
  }
  if (changed) acr_buf_append(out, s + copied, len - copied);
  return changed;
}

/* Turns the decoded value at the top into what the caller should see. */
static void fix_decoded(lua_State *L, int depth) {
  int t = lua_gettop(L);
  if (lua_type(L, t) == LUA_TNUMBER && !lua_isinteger(L, t)) {
    lua_Integer n;
    if (lua_numbertointeger(lua_tonumber(L, t), &n) &&
        (lua_Number)n == lua_tonumber(L, t)) {
      lua_pop(L, 1);
      lua_pushinteger(L, n);
    }
  } else if (lua_type(L, t) == LUA_TSTRING) {
    size_t len;
    const char *s = lua_tolstring(L, t, &len);
    size_t mark = sizeof RAW_MARK - 1;
    if (len > mark && memcmp(s, RAW_MARK, mark) == 0 && s[len - 1] == '\x01') {
      if (len == mark + 3 && s[mark] == '[') {
        lua_pop(L, 1);
        lua_newtable(L);
        luaL_setmetatable(L, array_mt_name);
      } else {
        lua_pushlstring(L, s + mark, len - mark - 1);
        /* An integer that fits stays exact; a larger one becomes a float. */
        if (!lua_stringtonumber(L, lua_tostring(L, -1))) lua_pushnil(L);
        lua_replace(L, t);
        lua_settop(L, t);
      }
    }
  } else if (lua_type(L, t) == LUA_TTABLE && depth < MAX_DEPTH + 2) {
    luaL_checkstack(L, 4, "JSON value nested too deep");
    lua_pushnil(L);
    while (lua_next(L, t)) {
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      fix_decoded(L, depth + 1);
      lua_rawset(L, t);
    }
  }
}

int acr_json_decode(lua_State *L, const char *text, size_t len) {
  acr_buf rewritten = {0};
  if (rewrite_for_decode(text, len, &rewritten)) {
    text = rewritten.data;
    len = rewritten.len;
  }
  lua_rawgetp(L, LUA_REGISTRYINDEX, &key_decode);
  lua_pushlstring(L, text ? text : "", text ? len : 0);
  acr_buf_free(&rewritten);
  lua_call(L, 1, 2);
  if (lua_isnil(L, -2)) {
    lua_remove(L, -2); /* the message stays */
    return 0;
  }
  lua_pop(L, 1);
  fix_decoded(L, 0);
  return 1;
}
