/*
 * JSON decoding: text to Lua values, built while parsing. Strings without
 * escapes are pushed straight from the input; integers are read by a digit
 * loop and kept exact; only floats go through lua_stringtonumber (which is
 * locale-safe). Errors are returned, not raised: the parser unwinds by
 * returning NULL and the caller gets the message with the byte offset.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "json.h"
#include "json_scratch.h"

#define MAX_DEPTH ACR_JSON_MAX_DEPTH
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

typedef struct decoder {
  lua_State *L;
  const char *start, *end;
  int depth;
  acr_json_scratch *s; /* fetched when first needed */
  /* the error: what was expected at `at`, or a message of its own */
  const char *expected, *message;
  const char *at;
} decoder;

static const char *expected(decoder *d, const char *at, const char *what) {
  d->expected = what;
  d->at = at;
  return NULL;
}

static const char *failed(decoder *d, const char *at, const char *message) {
  d->message = message;
  d->at = at;
  return NULL;
}

static void push_error(decoder *d) {
  lua_State *L = d->L;
  int offset = (int)(d->at - d->start) + 1;
  if (d->message) {
    lua_pushfstring(L, "%s at byte %d", d->message, offset);
    return;
  }
  char found[24];
  unsigned char c = d->at < d->end ? (unsigned char)*d->at : 0;
  if (d->at >= d->end)
    snprintf(found, sizeof found, "the end of the text");
  else if (c > 0x20 && c < 0x7f)
    snprintf(found, sizeof found, "'%c'", c);
  else
    snprintf(found, sizeof found, "byte 0x%02x", c);
  lua_pushfstring(L, "expected %s but found %s at byte %d", d->expected, found,
                  offset);
}

static inline const char *skip_space(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
    p++;
  return p;
}

static inline int is_digit(char c) {
  return (unsigned)(c - '0') <= 9;
}

/* ---- strings ---- */

static char *room(decoder *d, size_t used, size_t more) {
  if (!d->s) d->s = acr_json_scratch_get(d->L);
  if (d->s->text_cap - used < more)
    acr_json_scratch_text(d->L, d->s, used + more);
  return d->s->text;
}

/* The first '"' or '\\' at or after p, or end. Eight bytes at a time: a
 * byte of w equal to c is a zero byte of w ^ c*ones, and the lowest byte
 * flagged by (x - ones) & ~x & highs is the first such zero. */
static const char *string_stop(const char *p, const char *end) {
  const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
  while (end - p >= 8) {
    uint64_t w, q, b, hit;
    memcpy(&w, p, 8);
    q = w ^ (ones * '"');
    b = w ^ (ones * '\\');
    hit = (((q - ones) & ~q) | ((b - ones) & ~b)) & highs;
    if (hit) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) &&                            \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
      return p + (__builtin_ctzll(hit) >> 3);
#else
      break;
#endif
    }
    p += 8;
  }
  while (p < end && *p != '"' && *p != '\\')
    p++;
  return p;
}

static long hex4(const char *p) {
  long v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    int x = is_digit(c)              ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : -1;
    if (x < 0) return -1;
    v = v * 16 + x;
  }
  return v;
}

static size_t put_utf8(char *o, unsigned long cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xc0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xe0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  o[0] = (char)(0xf0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  o[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* Reads \uXXXX at p (the backslash), with a following low surrogate when
 * it is a high one; a lone surrogate becomes U+FFFD. Returns the position
 * after it, or NULL. */
static const char *read_u_escape(decoder *d, const char *p, unsigned long *cp) {
  if (d->end - p < 6 || hex4(p + 2) < 0)
    return failed(d, p, "invalid \\u escape");
  unsigned long v = (unsigned long)hex4(p + 2);
  p += 6;
  if (v >= 0xd800 && v <= 0xdbff) {
    long lo = d->end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2) : -1;
    if (lo >= 0xdc00 && lo <= 0xdfff) {
      v = 0x10000 + ((v - 0xd800) << 10) + ((unsigned long)lo - 0xdc00);
      p += 6;
    } else {
      v = 0xfffd;
    }
  } else if (v >= 0xdc00 && v <= 0xdfff) {
    v = 0xfffd;
  }
  *cp = v;
  return p;
}

/* Writes the escape at p (a backslash) at the scratch's offset *used;
 * returns the position after it, or NULL. */
static const char *unescape(decoder *d, const char *open, const char *p,
                            size_t *used) {
  if (d->end - p < 2) return failed(d, open, "unterminated string starting");
  char c = p[1], *o = room(d, *used, 4) + *used;
  switch (c) {
  case '"':
  case '\\':
  case '/': *o = c; break;
  case 'b': *o = '\b'; break;
  case 'f': *o = '\f'; break;
  case 'n': *o = '\n'; break;
  case 'r': *o = '\r'; break;
  case 't': *o = '\t'; break;
  case 'u': {
    unsigned long cp;
    if (!(p = read_u_escape(d, p, &cp))) return NULL;
    *used += put_utf8(o, cp);
    return p;
  }
  default: return failed(d, p, "invalid escape");
  }
  (*used)++;
  return p + 2;
}

/* A string with escapes: unescaped into the scratch, then pushed. open is
 * its opening quote, p its first backslash. */
static const char *parse_escaped(decoder *d, const char *open, const char *p) {
  size_t used = (size_t)(p - open - 1);
  if (used) memcpy(room(d, 0, used), open + 1, used); /* no scratch yet: NULL */
  do {
    if (!(p = unescape(d, open, p, &used))) return NULL;
    const char *stop = string_stop(p, d->end);
    if (stop >= d->end) return failed(d, open, "unterminated string starting");
    if (stop > p)
      memcpy(room(d, used, (size_t)(stop - p)) + used, p, (size_t)(stop - p));
    used += (size_t)(stop - p);
    p = stop;
  } while (*p == '\\');
  lua_pushlstring(d->L, d->s->text, used);
  return p + 1;
}

/* A string: pushes it; p is at its opening quote. */
static const char *parse_string(decoder *d, const char *p) {
  const char *stop = string_stop(p + 1, d->end);
  if (stop >= d->end) return failed(d, p, "unterminated string starting");
  if (*stop == '\\') return parse_escaped(d, p, stop);
  lua_pushlstring(d->L, p + 1, (size_t)(stop - p - 1));
  return stop + 1;
}

/* ---- numbers ---- */

#define INT_MAX_U ((uint64_t)INT64_MAX)

/* Pushes the integer `neg ? -v : v`, or returns 0 when it is out of range. */
static int push_whole(lua_State *L, uint64_t v, int neg) {
  if (neg) {
    if (v > INT_MAX_U + 1) return 0;
    lua_pushinteger(L, v == INT_MAX_U + 1 ? LUA_MININTEGER : -(lua_Integer)v);
  } else {
    if (v > INT_MAX_U) return 0;
    lua_pushinteger(L, (lua_Integer)v);
  }
  return 1;
}

/* Pushes the number whose digits are ip[0..ni) then fp[0..nf), times
 * 10^(exp10 - nf), as an integer when it is whole and fits, exactly.
 * Returns 0 when it is not (a float). */
static int push_exact(lua_State *L, const char *ip, size_t ni, const char *fp,
                      size_t nf, long exp10, int neg) {
  while (nf > 0 && fp[nf - 1] == '0')
    nf--;
  long e = exp10 - (long)nf;
  if (nf == 0) {
    while (ni > 0 && ip[ni - 1] == '0') {
      ni--;
      e++;
    }
  }
  while (ni > 0 && ip[0] == '0') {
    ip++;
    ni--;
  }
  if (ni == 0) {
    while (nf > 0 && fp[0] == '0') {
      fp++;
      nf--;
    }
  }
  size_t digits = ni + nf;
  if (digits == 0) {
    lua_pushinteger(L, 0);
    return 1;
  }
  /* below 10^19 < 2^64 when digits + e <= 19 */
  if (e < 0 || (long)digits + e > 19) return 0;
  uint64_t v = 0;
  for (size_t i = 0; i < ni; i++)
    v = v * 10 + (uint64_t)(ip[i] - '0');
  for (size_t i = 0; i < nf; i++)
    v = v * 10 + (uint64_t)(fp[i] - '0');
  for (long i = 0; i < e; i++)
    v *= 10;
  return push_whole(L, v, neg);
}

/* Pushes the float written start..end (grammar checked already). */
static const char *push_float(decoder *d, const char *start, const char *end) {
  char local[64], *buf = local;
  size_t n = (size_t)(end - start);
  if (n >= sizeof local) buf = room(d, 0, n + 1);
  memcpy(buf, start, n);
  buf[n] = '\0';
  if (!lua_stringtonumber(d->L, buf))
    return failed(d, start, "unreadable number");
  return end;
}

static const char *digits_after(decoder *d, const char *p) {
  if (p >= d->end || !is_digit(*p)) return expected(d, p, "a digit");
  while (p < d->end && is_digit(*p))
    p++;
  return p;
}

static const char *parse_number(decoder *d, const char *p) {
  const char *start = p, *end = d->end;
  int neg = *p == '-';
  p += neg;
  if (p >= end || !is_digit(*p)) return expected(d, p, "a digit");
  const char *ip = p;
  uint64_t v = 0;
  if (*p == '0') {
    p++;
  } else {
    while (p < end && is_digit(*p))
      v = v * 10 + (uint64_t)(*p++ - '0'); /* wraps past 19 digits: unused */
  }
  size_t ni = (size_t)(p - ip);
  if (p < end && (*p == '.' || *p == 'e' || *p == 'E')) {
    const char *fp = p, *fe = p;
    long exp10 = 0;
    if (*p == '.') {
      fp = p + 1;
      if (!(p = fe = digits_after(d, fp))) return NULL;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
      int eneg = 0;
      p++;
      if (p < end && (*p == '+' || *p == '-')) eneg = *p++ == '-';
      const char *es = p;
      if (!(p = digits_after(d, es))) return NULL;
      for (; es < p; es++) /* saturates: past 10^6 it is a float anyway */
        if (exp10 < 1000000) exp10 = exp10 * 10 + (*es - '0');
      if (eneg) exp10 = -exp10;
    }
    if (push_exact(d->L, ip, ni, fp, (size_t)(fe - fp), exp10, neg)) return p;
    return push_float(d, start, p);
  }
  if (ni <= 19 && push_whole(d->L, v, neg)) return p;
  return push_float(d, start, p);
}

/* ---- containers ---- */

static const char *parse_value(decoder *d, const char *p);

/* Enters the container whose opening bracket is at p: returns what
 * follows it, space skipped, or NULL when it nests too deep. */
static const char *open_container(decoder *d, const char *p) {
  if (++d->depth > MAX_DEPTH)
    return failed(d, p, "nesting deeper than " STRINGIFY(MAX_DEPTH));
  if (!lua_checkstack(d->L, 4)) return failed(d, p, "nesting too deep");
  return skip_space(p + 1, d->end);
}

/* Leaves a container at its closing bracket p: returns what follows it. */
static const char *close_container(decoder *d, const char *p) {
  d->depth--;
  return p + 1;
}

/* After a member or an element: past the ',' and the space after it
 * (*more set), or at the closing bracket `close` (*more cleared); NULL for
 * anything else. */
static inline const char *after_item(decoder *d, const char *p, char close,
                                     int *more) {
  p = skip_space(p, d->end);
  *more = p < d->end && *p == ',';
  if (*more) return skip_space(p + 1, d->end);
  if (p < d->end && *p == close) return p;
  return expected(d, p, close == '}' ? "',' or '}'" : "',' or ']'");
}

/* Containers are built at their final size: members wait on the Lua stack
 * (in chunks, so that a huge one does not overflow it) and go into a table
 * made for that many, which saves the rehashing of a growing table. */
#define CHUNK 256

/* Moves the `pending` key/value pairs above the object (at base + 1 once
 * made) into it, in order (the last of duplicate keys wins). */
static void flush_members(lua_State *L, int base, int made, int pending) {
  int first = base + 1 + made;
  if (!made) lua_createtable(L, 0, pending);
  int t = lua_gettop(L);
  if (made) t = base + 1;
  for (int i = 0; i < pending; i++) {
    lua_pushvalue(L, first + 2 * i);
    lua_pushvalue(L, first + 2 * i + 1);
    lua_rawset(L, t);
  }
  if (!made) lua_replace(L, base + 1);
  lua_settop(L, base + 1);
}

static const char *parse_object(decoder *d, const char *p) {
  lua_State *L = d->L;
  const char *end = d->end;
  int base = lua_gettop(L), made = 0, pending = 0;
  if (!(p = open_container(d, p))) return NULL;
  if (p < end && *p == '}') {
    lua_createtable(L, 0, 0);
    return close_container(d, p);
  }
  for (int more = 1; more;) {
    if (pending % 16 == 0 && !lua_checkstack(L, 2 * 16 + 4))
      return failed(d, p, "object too large");
    if (p >= end || *p != '"') return expected(d, p, "a string (a key)");
    if (!(p = parse_string(d, p))) return NULL;
    p = skip_space(p, end);
    if (p >= end || *p != ':') return expected(d, p, "':'");
    if (!(p = parse_value(d, skip_space(p + 1, end)))) return NULL;
    if (++pending == CHUNK) {
      flush_members(L, base, made, pending);
      made = 1;
      pending = 0;
    }
    if (!(p = after_item(d, p, '}', &more))) return NULL;
  }
  if (pending || !made) flush_members(L, base, made, pending);
  return close_container(d, p);
}

/* Moves the `pending` elements above the array (at base + 1 once made) into
 * it, after the `done` ones already there. */
static void flush_elements(lua_State *L, int base, lua_Integer done,
                           int pending) {
  if (!done) {
    lua_createtable(L, pending, 0);
    lua_rotate(L, base + 1, 1);
  }
  for (lua_Integer i = done + pending; i > done; i--)
    lua_rawseti(L, base + 1, i);
}

static const char *parse_array(decoder *d, const char *p) {
  lua_State *L = d->L;
  const char *end = d->end;
  int base = lua_gettop(L), pending = 0;
  lua_Integer done = 0;
  if (!(p = open_container(d, p))) return NULL;
  if (p < end && *p == ']') {
    lua_createtable(L, 0, 0);
    luaL_setmetatable(L, ACR_JSON_ARRAY_MT);
    return close_container(d, p);
  }
  for (int more = 1; more;) {
    if (pending % 32 == 0 && !lua_checkstack(L, 32 + 4))
      return failed(d, p, "array too large");
    if (!(p = parse_value(d, p))) return NULL;
    if (++pending == CHUNK) {
      flush_elements(L, base, done, pending);
      done += pending;
      pending = 0;
    }
    if (!(p = after_item(d, p, ']', &more))) return NULL;
  }
  if (pending) flush_elements(L, base, done, pending);
  return close_container(d, p);
}

static const char *literal(decoder *d, const char *p, const char *word,
                           size_t n) {
  if ((size_t)(d->end - p) < n || memcmp(p, word, n) != 0)
    return expected(d, p, "a value");
  return p + n;
}

/* Pushes the value at p (not at a space). */
static const char *parse_value(decoder *d, const char *p) {
  lua_State *L = d->L;
  if (p >= d->end) return expected(d, p, "a value");
  switch (*p) {
  case '"': return parse_string(d, p);
  case '{': return parse_object(d, p);
  case '[': return parse_array(d, p);
  case 't':
    if (!(p = literal(d, p, "true", 4))) return NULL;
    lua_pushboolean(L, 1);
    return p;
  case 'f':
    if (!(p = literal(d, p, "false", 5))) return NULL;
    lua_pushboolean(L, 0);
    return p;
  case 'n':
    if (!(p = literal(d, p, "null", 4))) return NULL;
    lua_pushlightuserdata(L, NULL);
    return p;
  case '-':
  case '0':
  case '1':
  case '2':
  case '3':
  case '4':
  case '5':
  case '6':
  case '7':
  case '8':
  case '9': return parse_number(d, p);
  default: return expected(d, p, "a value");
  }
}

int acr_json_decode(lua_State *L, const char *text, size_t len) {
  decoder d;
  int top = lua_gettop(L);
  if (!text) {
    text = "";
    len = 0;
  }
  d.L = L;
  d.start = text;
  d.end = text + len;
  d.depth = 0;
  d.s = NULL;
  d.expected = d.message = NULL;
  d.at = text;
  luaL_checkstack(L, 4, NULL);
  const char *p = text;
  if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) p += 3; /* a BOM */
  p = parse_value(&d, skip_space(p, d.end));
  if (p) {
    p = skip_space(p, d.end);
    if (p != d.end) p = expected(&d, p, "the end of the text");
  }
  if (d.s) acr_json_scratch_trim(L, d.s);
  if (!p) {
    lua_settop(L, top);
    push_error(&d);
    return 0;
  }
  return 1;
}
