/*
 * JSON encoding: Lua values to text, straight into the scratch buffer. Only
 * raw access (lua_next, lua_rawget): no metamethod and no other Lua code runs,
 * so the scratch cannot be used twice at once, and an error leaves nothing to
 * free. Errors name the path of the value: data[3].title.
 */
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "json.h"
#include "json_scratch.h"

#define MAX_DEPTH ACR_JSON_MAX_DEPTH

/* One step of the path from the top value: a key or an index (key NULL). */
typedef struct path_step {
  const char *key;
  size_t len;
  lua_Integer index;
} path_step;

typedef struct encoder {
  lua_State *L;
  acr_json_scratch *s;
  size_t len;   /* bytes of text written to s->text */
  size_t nkeys; /* entries of s->keys in use */
  const acr_json_enc *opts;
  int array_mt; /* stack index of the array metatable */
  const void
      *open[MAX_DEPTH + 1]; /* the tables being encoded, outermost first */
  path_step path[MAX_DEPTH + 1];
} encoder;

/* ---- errors ---- */

static int is_identifier(const char *s, size_t len) {
  if (len == 0 || len > 64) return 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return 0;
  }
  return 1;
}

/* Adds a key as ["..."], with what is not printable ASCII as \ddd. */
static void add_quoted_key(luaL_Buffer *b, const char *s, size_t len) {
  char esc[8];
  luaL_addstring(b, "[\"");
  for (size_t i = 0; i < len && i < 60; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      snprintf(esc, sizeof esc, "\\%u", c);
      luaL_addstring(b, esc);
    } else {
      luaL_addchar(b, (char)c);
    }
  }
  if (len > 60) luaL_addstring(b, "...");
  luaL_addstring(b, "\"]");
}

/* Pushes the path of the value `steps` steps below the top one. */
static void push_path(encoder *e, int steps) {
  lua_State *L = e->L;
  luaL_Buffer b;
  char num[32];
  luaL_buffinit(L, &b);
  if (e->opts->root) luaL_addstring(&b, e->opts->root);
  for (int i = 0; i < steps; i++) {
    const path_step *p = &e->path[i];
    if (!p->key) {
      snprintf(num, sizeof num, "[%lld]", (long long)p->index);
      luaL_addstring(&b, num);
    } else if (is_identifier(p->key, p->len)) {
      if (luaL_bufflen(&b) > 0) luaL_addchar(&b, '.');
      luaL_addlstring(&b, p->key, p->len);
    } else {
      add_quoted_key(&b, p->key, p->len);
    }
  }
  if (luaL_bufflen(&b) == 0) luaL_addstring(&b, "the top level");
  luaL_pushresult(&b);
}

/* Raises "[context: ]cannot encode WHAT at PATH". */
static int fail(encoder *e, int steps, const char *fmt, ...) {
  lua_State *L = e->L;
  va_list ap;
  luaL_checkstack(L, 8, NULL);
  va_start(ap, fmt);
  const char *what = lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  push_path(e, steps);
  const char *path = lua_tostring(L, -1);
  if (e->opts->context)
    lua_pushfstring(L, "%s: cannot encode %s at %s", e->opts->context, what,
                    path);
  else
    lua_pushfstring(L, "cannot encode %s at %s", what, path);
  return lua_error(L);
}

/* ---- output ---- */

static inline char *reserve(encoder *e, size_t n) {
  if (e->s->text_cap - e->len < n) {
    if (n > ((size_t)-1) - e->len) luaL_error(e->L, "not enough memory");
    acr_json_scratch_text(e->L, e->s, e->len + n);
  }
  return e->s->text + e->len;
}

static inline void put_char(encoder *e, char c) {
  *reserve(e, 1) = c;
  e->len++;
}

static inline void put_text(encoder *e, const char *s, size_t n) {
  memcpy(reserve(e, n), s, n);
  e->len += n;
}

/* What each byte needs in a string: 0 copied as is, 1 escaped, 2..4 the
 * lead byte of a UTF-8 sequence of that length, 5 invalid. */
static const unsigned char byte_class[256] = {
#define R16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
    R16(1), R16(1), /* 0x00-0x1f: control characters */
    0,      0,      1,      0,      0, 0, 0, 0,
    0,      0,      0,      0,      0, 0, 0, 0, /* 0x20-0x2f: '"' */
    R16(0), R16(0),                             /* 0x30-0x4f */
    0,      0,      0,      0,      0, 0, 0, 0,
    0,      0,      0,      0,      1, 0, 0, 0, /* 0x50-0x5f: '\\' */
    R16(0), R16(0),                             /* 0x60-0x7f */
    R16(5), R16(5), R16(5), R16(5),             /* continuation bytes */
    5,      5,      2,      2,      2, 2, 2, 2,
    2,      2,      2,      2,      2, 2, 2, 2, /* 0xc0, 0xc1 overlong */
    R16(2), R16(3),                             /* 0xd0-0xef */
    4,      4,      4,      4,      4, 5, 5, 5,
    5,      5,      5,      5,      5, 5, 5, 5, /* 0xf5-0xff: too large */
#undef R16
};

/* The length of the valid UTF-8 sequence starting s[0] (lead class k), or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t left, int k) {
  if ((size_t)k > left) return 0;
  unsigned char lo = 0x80, hi = 0xbf;
  if (s[0] == 0xe0)
    lo = 0xa0; /* overlong */
  else if (s[0] == 0xed)
    hi = 0x9f; /* surrogates */
  else if (s[0] == 0xf0)
    lo = 0x90; /* overlong */
  else if (s[0] == 0xf4)
    hi = 0x8f; /* past U+10FFFF */
  if (s[1] < lo || s[1] > hi) return 0;
  for (int i = 2; i < k; i++)
    if (s[i] < 0x80 || s[i] > 0xbf) return 0;
  return (size_t)k;
}

/* Writes the string quoted; returns 0, or the offset (from 1) of the first
 * byte that is not valid UTF-8. */
static size_t put_string(encoder *e, const char *str, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)str;
  if (n > (((size_t)-1) - 2) / 6) luaL_error(e->L, "not enough memory");
  char *o = reserve(e, 6 * n + 2), *start = o;
  *o++ = '"';
  size_t i = 0;
  while (i < n) {
    int k = byte_class[s[i]];
    if (k == 0) {
      size_t j = i + 1;
      while (j < n && byte_class[s[j]] == 0)
        j++;
      memcpy(o, s + i, j - i);
      o += j - i;
      i = j;
    } else if (k == 1) {
      unsigned char c = s[i++];
      *o++ = '\\';
      switch (c) {
      case '"': *o++ = '"'; break;
      case '\\': *o++ = '\\'; break;
      case '\b': *o++ = 'b'; break;
      case '\f': *o++ = 'f'; break;
      case '\n': *o++ = 'n'; break;
      case '\r': *o++ = 'r'; break;
      case '\t': *o++ = 't'; break;
      default:
        memcpy(o, "u00", 3);
        o[3] = hex[c >> 4];
        o[4] = hex[c & 15];
        o += 5;
      }
    } else {
      size_t m = k == 5 ? 0 : utf8_sequence(s + i, n - i, k);
      if (m == 0) return i + 1;
      memcpy(o, s + i, m);
      o += m;
      i += m;
    }
  }
  *o++ = '"';
  e->len += (size_t)(o - start);
  return 0;
}

static void put_integer(encoder *e, lua_Integer v) {
  char buf[24], *p = buf + sizeof buf;
  unsigned long long u =
      v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
  do {
    *--p = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) *--p = '-';
  put_text(e, p, (size_t)(buf + sizeof buf - p));
}

/* A whole float in [2^53, 2^63): the decoder reads whole numbers in the
 * integer range exactly, so the text must be d's exact digits (a rounded
 * %.17g would read back as another integer): 123...0.0, or d.ddde+NN when
 * trailing zeros make that shorter. */
static void put_whole_float(encoder *e, lua_Number d) {
  char digits[24], out[32];
  lua_Integer n = (lua_Integer)d;
  unsigned long long u =
      n < 0 ? 0ull - (unsigned long long)n : (unsigned long long)n;
  int len = snprintf(digits, sizeof digits, "%llu", u), kept = len, o = 0;
  while (kept > 1 && digits[kept - 1] == '0')
    kept--;
  if (n < 0) out[o++] = '-';
  if (kept + (kept > 1) + 4 < len + 2) { /* the exponent is 15..18 */
    out[o++] = digits[0];
    if (kept > 1) out[o++] = '.';
    memcpy(out + o, digits + 1, (size_t)(kept - 1));
    o += kept - 1;
    o += snprintf(out + o, sizeof out - (size_t)o, "e+%d", len - 1);
  } else {
    memcpy(out + o, digits, (size_t)len);
    o += len;
    out[o++] = '.';
    out[o++] = '0';
  }
  put_text(e, out, (size_t)o);
}

/* d printed with prec digits into out (as JSON: '.' for the decimal point
 * whatever the locale, and a float look: 2.0, not 2); its length, or 0 when
 * it does not read back as d. snprintf and strtod read the same locale, so
 * the check is sound. */
static size_t float_text(lua_Number d, int prec, char *out) {
  char buf[48];
  size_t n = 0;
  int point = 0, has_exp = 0;
  snprintf(buf, sizeof buf, "%.*g", prec, (double)d);
  if (prec < 17 && strtod(buf, NULL) != (double)d) return 0;
  for (const char *p = buf; *p; p++) {
    char c = *p;
    if ((c >= '0' && c <= '9') || c == '-' || c == '+') {
      out[n++] = c;
    } else if (c == 'e') {
      out[n++] = c;
      has_exp = 1;
    } else if (!point) { /* the locale's decimal point, maybe a few bytes */
      out[n++] = '.';
      point = 1;
      while (p[1] && !(p[1] >= '0' && p[1] <= '9'))
        p++;
    }
  }
  if (!point && !has_exp) {
    out[n++] = '.';
    out[n++] = '0';
  }
  return n;
}

/* The shortest of %.15g, %.16g, %.17g that reads back as d: the first that
 * does, unless it took an exponent that a later one does without. */
static void put_float(encoder *e, lua_Number d, int steps) {
  char best[48], other[48];
  if (isnan(d)) fail(e, steps, "NaN");
  if (isinf(d)) fail(e, steps, d > 0 ? "inf" : "-inf");
  /* every double from 2^53 up is whole */
  if ((d >= 9007199254740992.0 || d <= -9007199254740992.0) &&
      d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
    put_whole_float(e, d);
    return;
  }
  size_t n = 0, m;
  int prec = 15;
  while (!(n = float_text(d, prec, best)))
    prec++;
  if (memchr(best, 'e', n)) {
    while (++prec <= 17) {
      if ((m = float_text(d, prec, other)) && m < n) {
        memcpy(best, other, m);
        n = m;
      }
    }
  }
  put_text(e, best, n);
}

/* ---- values ---- */

static void encode_value(encoder *e, int idx, int steps);

static void encode_key(encoder *e, const char *k, size_t kl, int steps) {
  size_t bad = put_string(e, k, kl);
  if (bad) fail(e, steps, "a key that is not valid UTF-8 (byte %d)", (int)bad);
  put_char(e, ':');
}

/* The table at idx has a key at the top of the stack that neither an array
 * nor an object can hold: raises the error that says why. */
static int bad_key(encoder *e, int idx, int steps, int marked) {
  lua_State *L = e->L;
  int key = lua_gettop(L);
  if (lua_type(L, key) == LUA_TSTRING) {
    if (marked) return fail(e, steps, "an array (acrcloud.array) with a key");
    return fail(e, steps, "a table with both integer and string keys");
  }
  if (!lua_isinteger(L, key))
    return fail(e, steps, "a table with a %s key",
                lua_type(L, key) == LUA_TNUMBER ? "float"
                                                : luaL_typename(L, key));
  /* An integer key in a table that is not a sequence 1..n: mixed with
   * strings, or sparse. */
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING && !marked)
      return fail(e, steps, "a table with both integer and string keys");
  }
  lua_Integer missing = 1;
  while (lua_rawgeti(L, idx, missing) != LUA_TNIL) {
    lua_pop(L, 1);
    missing++;
  }
  return fail(e, steps, "a sparse array (no value at index %I, one at %I)",
              missing, lua_tointeger(L, key));
}

/* Checks that the keys left in the traversal (from the one at the top of the
 * stack) are exactly the integers first..n; pops the key. */
static void check_rest(encoder *e, int idx, int steps, lua_Integer first,
                       lua_Integer n, int marked) {
  lua_State *L = e->L;
  lua_Integer count = 0;
  for (;;) {
    lua_Integer k;
    if (!lua_isinteger(L, -1) || (k = lua_tointeger(L, -1)) < first || k > n)
      bad_key(e, idx, steps, marked);
    count++;
    if (!lua_next(L, idx)) break;
    lua_pop(L, 1);
  }
  if (count != n - first + 1) {
    lua_pushinteger(L, n); /* some index in first..n is missing */
    bad_key(e, idx, steps, marked);
  }
}

/* An array of n elements (n from lua_rawlen). Keys usually come 1..n in
 * traversal order: then one pass checks and encodes. Otherwise the rest is
 * checked, then encoded by index. */
static void encode_array(encoder *e, int idx, int steps, lua_Integer n,
                         int marked) {
  lua_State *L = e->L;
  path_step *step = &e->path[steps];
  lua_Integer next = 1;
  step->key = NULL;
  put_char(e, '[');
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (next > n || !lua_isinteger(L, -2) || lua_tointeger(L, -2) != next) {
      lua_pop(L, 1);
      check_rest(e, idx, steps, next, n, marked);
      for (; next <= n; next++) {
        if (next > 1) put_char(e, ',');
        lua_rawgeti(L, idx, next);
        step->index = next;
        encode_value(e, lua_gettop(L), steps + 1);
        lua_pop(L, 1);
      }
      break;
    }
    if (next > 1) put_char(e, ',');
    step->index = next++;
    encode_value(e, lua_gettop(L), steps + 1);
    lua_pop(L, 1);
  }
  put_char(e, ']');
}

/* A plain object, keys in traversal order. */
static void encode_object(encoder *e, int idx, int steps) {
  lua_State *L = e->L;
  path_step *step = &e->path[steps];
  int first = 1;
  put_char(e, '{');
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (lua_type(L, -2) != LUA_TSTRING) {
      lua_pop(L, 1);
      bad_key(e, idx, steps, 0);
    }
    if (!first) put_char(e, ',');
    first = 0;
    step->key = lua_tolstring(L, -2, &step->len);
    encode_key(e, step->key, step->len, steps);
    encode_value(e, lua_gettop(L), steps + 1);
    lua_pop(L, 1);
  }
  put_char(e, '}');
}

static int key_order(const void *a, const void *b) {
  const acr_json_key *x = a, *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->s, y->s, n);
  if (c) return c;
  return x->len < y->len ? -1 : x->len > y->len;
}

static void emit_member(encoder *e, int idx, int steps, int *first) {
  /* the key is at the top of the stack */
  lua_State *L = e->L;
  path_step *step = &e->path[steps];
  if (!*first) put_char(e, ',');
  *first = 0;
  step->key = lua_tolstring(L, -1, &step->len);
  encode_key(e, step->key, step->len, steps);
  lua_pushvalue(L, -1);
  lua_rawget(L, idx);
  encode_value(e, lua_gettop(L), steps + 1);
  lua_pop(L, 1);
}

/* An object whose keys go out in the order listed at order_idx (0: none),
 * then the others sorted. */
static void encode_ordered(encoder *e, int idx, int steps, int order_idx) {
  lua_State *L = e->L;
  size_t base = e->nkeys, count = 0;
  int first = 1;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) bad_key(e, idx, steps, 0);
    acr_json_scratch_keys(L, e->s, base + count + 1);
    acr_json_key *k = &e->s->keys[base + count++];
    k->s = lua_tolstring(L, -1, &k->len);
    k->used = 0;
  }
  e->nkeys = base + count;
  put_char(e, '{');
  lua_Integer listed = order_idx ? (lua_Integer)lua_rawlen(L, order_idx) : 0;
  for (lua_Integer j = 1; j <= listed; j++) {
    if (lua_rawgeti(L, order_idx, j) != LUA_TSTRING)
      fail(e, steps, "an object whose __jsonorder lists a %s",
           luaL_typename(L, -1));
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    for (size_t i = base; i < base + count; i++) {
      acr_json_key *k = &e->s->keys[i];
      if (!k->used && k->len == len && (k->s == s || !memcmp(k->s, s, len))) {
        k->used = 1;
        emit_member(e, idx, steps, &first);
        break;
      }
    }
    lua_pop(L, 1);
  }
  size_t rest = 0;
  for (size_t i = base; i < base + count; i++)
    if (!e->s->keys[i].used) e->s->keys[base + rest++] = e->s->keys[i];
  qsort(e->s->keys + base, rest, sizeof *e->s->keys, key_order);
  for (size_t i = 0; i < rest; i++) {
    /* nested objects may move the array: index it afresh each time */
    const acr_json_key *k = &e->s->keys[base + i];
    lua_pushlstring(L, k->s, k->len);
    emit_member(e, idx, steps, &first);
    lua_pop(L, 1);
  }
  e->nkeys = base;
  put_char(e, '}');
}

static void encode_table(encoder *e, int idx, int steps) {
  lua_State *L = e->L;
  const void *self = lua_topointer(L, idx);
  for (int i = 0; i < steps; i++) {
    if (e->open[i] == self) {
      push_path(e, i);
      fail(e, steps, "a cycle (the table at %s again)", lua_tostring(L, -1));
    }
  }
  if (steps >= MAX_DEPTH)
    fail(e, steps, "a value nested deeper than %d", MAX_DEPTH);
  e->open[steps] = self;
  luaL_checkstack(L, 6, "JSON value nested too deep");
  int order = 0, marked = 0, top = lua_gettop(L);
  if (lua_getmetatable(L, idx)) {
    if (lua_rawequal(L, -1, e->array_mt)) {
      marked = 1;
    } else {
      lua_pushliteral(L, "__jsonorder");
      int t = lua_rawget(L, -2);
      if (t == LUA_TTABLE)
        order = lua_gettop(L);
      else if (t != LUA_TNIL)
        fail(e, steps, "an object whose __jsonorder is a %s",
             luaL_typename(L, -1));
    }
  }
  lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
  if (order)
    encode_ordered(e, idx, steps, order);
  else if (marked || n > 0)
    encode_array(e, idx, steps, n, marked);
  else if (e->opts->sort_keys)
    encode_ordered(e, idx, steps, 0);
  else
    encode_object(e, idx, steps);
  lua_settop(L, top);
}

static void encode_value(encoder *e, int idx, int steps) {
  lua_State *L = e->L;
  switch (lua_type(L, idx)) {
  case LUA_TSTRING: {
    size_t n;
    const char *s = lua_tolstring(L, idx, &n);
    size_t bad = put_string(e, s, n);
    if (bad)
      fail(e, steps, "a string that is not valid UTF-8 (byte %d)", (int)bad);
    break;
  }
  case LUA_TNUMBER:
    if (lua_isinteger(L, idx))
      put_integer(e, lua_tointeger(L, idx));
    else
      put_float(e, lua_tonumber(L, idx), steps);
    break;
  case LUA_TTABLE: encode_table(e, idx, steps); break;
  case LUA_TBOOLEAN:
    if (lua_toboolean(L, idx))
      put_text(e, "true", 4);
    else
      put_text(e, "false", 5);
    break;
  case LUA_TNIL: put_text(e, "null", 4); break;
  case LUA_TLIGHTUSERDATA:
    if (lua_touserdata(L, idx) == NULL) {
      put_text(e, "null", 4);
      break;
    }
    fail(e, steps, "a light userdata (only acrcloud.null is null)");
    break;
  default: fail(e, steps, "a %s", luaL_typename(L, idx));
  }
}

void acr_json_encode(lua_State *L, int idx, const acr_json_enc *opts) {
  static const acr_json_enc defaults = {NULL, NULL, 0};
  encoder e;
  idx = lua_absindex(L, idx);
  e.L = L;
  e.s = acr_json_scratch_get(L);
  e.len = 0;
  e.nkeys = 0;
  e.opts = opts ? opts : &defaults;
  luaL_checkstack(L, 8, NULL);
  luaL_getmetatable(L, ACR_JSON_ARRAY_MT);
  e.array_mt = lua_gettop(L);
  encode_value(&e, idx, 0);
  lua_pushlstring(L, e.s->text, e.len);
  lua_remove(L, e.array_mt);
  acr_json_scratch_trim(L, e.s);
}
