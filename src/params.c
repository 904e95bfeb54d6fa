#include "params.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

static const struct {
  unsigned bit;
  const char *name;
} type_names[] = {{ACR_T_INTEGER, "integer"},
                  {ACR_T_STRING, "string"},
                  {ACR_T_BOOLEAN, "boolean"},
                  {ACR_T_ARRAY, "array"},
                  {ACR_T_OBJECT, "object"}};

const char *acr_type_names(unsigned types, char *buf, size_t size) {
  size_t n = sizeof type_names / sizeof type_names[0], used = 0;
  int total = 0, seen = 0;
  for (size_t i = 0; i < n; i++)
    total += (types & type_names[i].bit) != 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    if (!(types & type_names[i].bit)) continue;
    const char *sep = seen == 0 ? "" : seen == total - 1 ? " or " : ", ";
    used += (size_t)snprintf(buf + used, used < size ? size - used : 0, "%s%s",
                             sep, type_names[i].name);
    seen++;
  }
  return buf;
}

void acr_push_encoded(lua_State *L, const char *s, size_t len) {
  static const char hex[] = "0123456789ABCDEF";
  luaL_Buffer buf, *b = &buf;
  luaL_buffinit(L, b);
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      luaL_addchar(b, (char)c);
    } else {
      luaL_addchar(b, '%');
      luaL_addchar(b, hex[c >> 4]);
      luaL_addchar(b, hex[c & 15]);
    }
  }
  luaL_pushresult(b);
}

/* A sequence 1..n (or empty), as JSON arrays are. */
static int is_sequence(lua_State *L, int idx) {
  lua_Integer n = 0;
  idx = lua_absindex(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1) {
      lua_pop(L, 1);
      return 0;
    }
    n++;
  }
  return (lua_Integer)lua_rawlen(L, idx) == n;
}

static int has_only_string_keys(lua_State *L, int idx) {
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) {
      lua_pop(L, 1);
      return 0;
    }
  }
  return 1;
}

static int is_integral(lua_State *L, int idx) {
  lua_Integer n;
  return lua_isinteger(L, idx) ||
         (lua_type(L, idx) == LUA_TNUMBER &&
          lua_numbertointeger(lua_tonumber(L, idx), &n) &&
          (lua_Number)n == lua_tonumber(L, idx));
}

/* Whether the value at idx is one of the types. */
static int type_ok(lua_State *L, int idx, unsigned types) {
  idx = lua_absindex(L, idx);
  switch (lua_type(L, idx)) {
  case LUA_TSTRING: return (types & ACR_T_STRING) != 0;
  case LUA_TBOOLEAN: return (types & ACR_T_BOOLEAN) != 0;
  case LUA_TNUMBER: return (types & ACR_T_INTEGER) && is_integral(L, idx);
  case LUA_TTABLE:
    return ((types & ACR_T_ARRAY) && is_sequence(L, idx)) ||
           ((types & ACR_T_OBJECT) && has_only_string_keys(L, idx));
  default: return 0;
  }
}

static const acr_param *find_param(const acr_endpoint *ep, const char *name) {
  for (const acr_param *p = ep->params; p->name; p++)
    if (strcmp(p->name, name) == 0) return p;
  return NULL;
}

/* Pushes the text of a path or query value (a string, a number, a boolean). */
static const char *value_text(lua_State *L, int idx, size_t *len) {
  if (lua_type(L, idx) == LUA_TNUMBER && is_integral(L, idx)) {
    lua_Integer n = 0;
    if (lua_isinteger(L, idx))
      n = lua_tointeger(L, idx);
    else
      lua_numbertointeger(lua_tonumber(L, idx), &n);
    lua_pushfstring(L, "%I", (LUAI_UACINT)n);
  } else if (lua_type(L, idx) == LUA_TBOOLEAN) {
    lua_pushstring(L, lua_toboolean(L, idx) ? "1" : "0");
  } else {
    lua_pushvalue(L, idx);
    lua_tostring(L, -1);
  }
  return lua_tolstring(L, -1, len);
}

/* Pushes "a, b, c": the allowed values of p. */
static const char *push_value_list(lua_State *L, const acr_param *p) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (const char *const *v = p->values; *v; v++) {
    if (v != p->values) luaL_addstring(&b, ", ");
    luaL_addstring(&b, *v);
  }
  luaL_pushresult(&b);
  return lua_tostring(L, -1);
}

static int is_allowed(const acr_param *p, const char *text, size_t len) {
  for (const char *const *v = p->values; *v; v++)
    if (strlen(*v) == len && memcmp(*v, text, len) == 0) return 1;
  return 0;
}

/* Whether text has one of the shapes of format ("YYYY-MM-DD|..."): a
 * letter stands for a digit, anything else for itself. */
static int has_format(const char *format, const char *text, size_t len) {
  const char *f = format;
  while (*f) {
    size_t flen = strcspn(f, "|"), i = 0;
    if (flen == len) {
      while (i < len &&
             (isalpha((unsigned char)f[i]) ? isdigit((unsigned char)text[i])
                                           : text[i] == f[i]))
        i++;
      if (i == len) return 1;
    }
    f += flen;
    if (*f == '|') f++;
  }
  return 0;
}

/* Raises unless one value (the text of an element, or of a comma piece)
 * is allowed; element is its place in a list, or 0. */
static void check_one_value(lua_State *L, const acr_endpoint *ep,
                            const acr_param *p, const char *text, size_t len,
                            int element) {
  if (p->values && !p->open && !is_allowed(p, text, len)) {
    const char *got = lua_pushlstring(L, text, len);
    const char *allowed = push_value_list(L, p);
    if (element)
      luaL_error(L, "%s: element %d of '%s' must be one of %s, got '%s'",
                 ep->name, element, p->name, allowed, got);
    luaL_error(L, "%s: parameter '%s' must be one of %s, got '%s'", ep->name,
               p->name, allowed, got);
  }
  if (p->format && !has_format(p->format, text, len)) {
    const char *got = lua_pushlstring(L, text, len);
    const char *forms = luaL_gsub(L, p->format, "|", " or ");
    luaL_error(L, "%s: parameter '%s' must have the form %s, got '%s'",
               ep->name, p->name, forms, got);
  }
}

/* The allowed values and the format of the value at the top: each element
 * of a list, each piece of a comma string where a list is taken too. */
static void check_values(lua_State *L, const acr_endpoint *ep,
                         const acr_param *p) {
  size_t len;
  if ((!p->values || p->open) && !p->format) return;
  if (lua_istable(L, -1)) {
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer i = 1; i <= n; i++) {
      lua_rawgeti(L, -1, i);
      if (!lua_istable(L, -1)) {
        const char *text = value_text(L, -1, &len);
        check_one_value(L, ep, p, text, len, (int)i);
        lua_pop(L, 1);
      }
      lua_pop(L, 1);
    }
    return;
  }
  const char *text = value_text(L, -1, &len);
  if (lua_type(L, -2) == LUA_TSTRING && (p->types & ACR_T_ARRAY)) {
    for (const char *s = text, *end = text + len; s <= end;) {
      size_t piece = strcspn(s, ",");
      check_one_value(L, ep, p, s, piece, 0);
      s += piece + 1;
    }
  } else {
    check_one_value(L, ep, p, text, len, 0);
  }
  lua_pop(L, 1);
}

void acr_check_params(lua_State *L, const acr_endpoint *ep, int idx) {
  char tn[96];
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING)
      luaL_error(L, "%s: parameter names must be strings, got %s", ep->name,
                 luaL_typename(L, -1));
    const char *name = lua_tostring(L, -1);
    const acr_param *p = find_param(ep, name);
    if (!p) luaL_error(L, "%s: unknown parameter '%s'", ep->name, name);
    lua_pushvalue(L, -1);
    lua_gettable(L, idx);
    if (!type_ok(L, -1, p->types))
      luaL_error(L, "%s: parameter '%s' must be %s, got %s", ep->name, name,
                 acr_type_names(p->types, tn, sizeof tn),
                 lua_type(L, -1) == LUA_TNUMBER && (p->types & ACR_T_INTEGER)
                     ? "a number with a fraction"
                 : lua_type(L, -1) == LUA_TTABLE ? "a table of another shape"
                                                 : luaL_typename(L, -1));
    if (p->in == ACR_IN_PATH && lua_type(L, -1) == LUA_TSTRING &&
        lua_rawlen(L, -1) == 0)
      luaL_error(L, "%s: parameter '%s' must not be empty", ep->name, name);
    if ((p->in == ACR_IN_PATH || p->in == ACR_IN_QUERY) &&
        lua_type(L, -1) == LUA_TSTRING && lua_rawlen(L, -1) > ACR_MAX_URL_VALUE)
      luaL_error(L,
                 "%s: parameter '%s' is too long for a URL (%d bytes at "
                 "most)",
                 ep->name, name, ACR_MAX_URL_VALUE);
    if (p->in == ACR_IN_PATH && lua_istable(L, -1)) {
      lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
      if (n == 0)
        luaL_error(L, "%s: parameter '%s' must not be an empty list", ep->name,
                   name);
      for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        if (!type_ok(L, -1, p->types & ~(unsigned)ACR_T_ARRAY) ||
            (lua_type(L, -1) == LUA_TSTRING && lua_rawlen(L, -1) == 0))
          luaL_error(L,
                     "%s: element %d of '%s' must be a non-empty string "
                     "or an integer",
                     ep->name, (int)i, name);
        lua_pop(L, 1);
      }
    }
    check_values(L, ep, p);
    lua_pop(L, 1);
  }
  for (const acr_param *p = ep->params; p->name; p++) {
    if (!p->required) continue;
    int type = lua_getfield(L, idx, p->name);
    lua_pop(L, 1);
    if (type == LUA_TNIL)
      luaL_error(L, "%s: missing required parameter '%s' (%s)", ep->name,
                 p->name, acr_location_name(p->in));
  }
}

/* Pushes one path value encoded as a segment: a list is joined with commas,
 * each element encoded on its own. */
static void push_segment(lua_State *L, int idx) {
  lua_Integer n = lua_istable(L, idx) ? (lua_Integer)lua_rawlen(L, idx) : 1;
  luaL_checkstack(L, (int)(2 * n + 2), "too many ids");
  for (lua_Integer i = 1; i <= n; i++) {
    size_t len;
    if (lua_istable(L, idx))
      lua_rawgeti(L, idx, i);
    else
      lua_pushvalue(L, idx);
    const char *text = value_text(L, -1, &len);
    /* "." and ".." would be read as dot-segments: encode the dots too. */
    if (strcmp(text, ".") == 0)
      lua_pushliteral(L, "%2E");
    else if (strcmp(text, "..") == 0)
      lua_pushliteral(L, "%2E%2E");
    else
      acr_push_encoded(L, text, len);
    lua_replace(L, -3);
    lua_pop(L, 1);
    if (i < n) lua_pushliteral(L, ",");
  }
  lua_concat(L, (int)(2 * n - 1));
}

/* Pushes the path with its parameters filled in; returns 1 (one string). */
static int push_path(lua_State *L, const acr_endpoint *ep, int idx) {
  const char *s = ep->path;
  int pieces = 0;
  while (*s) {
    const char *open = strchr(s, '{');
    if (!open) {
      lua_pushstring(L, s);
      pieces++;
      break;
    }
    lua_pushlstring(L, s, (size_t)(open - s));
    const char *close = strchr(open, '}');
    lua_pushlstring(L, open + 1, (size_t)(close - open - 1));
    lua_gettable(L, idx);
    push_segment(L, lua_gettop(L));
    lua_remove(L, -2);
    pieces += 2;
    s = close + 1;
  }
  lua_concat(L, pieces);
  return 1;
}

/* Pushes "?a=1&b=2", or "" when no query parameter is set. */
static void push_query(lua_State *L, const acr_endpoint *ep, int idx) {
  int pieces = 0;
  for (const acr_param *p = ep->params; p->name; p++) {
    if (p->in != ACR_IN_QUERY) continue;
    size_t len;
    if (lua_getfield(L, idx, p->name) == LUA_TNIL) {
      lua_pop(L, 1);
      if (!p->fallback) continue;
      lua_pushstring(L, p->fallback);
    }
    const char *text = value_text(L, -1, &len);
    lua_pushstring(L, pieces == 0 ? "?" : "&");
    acr_push_encoded(L, p->name, strlen(p->name));
    lua_pushliteral(L, "=");
    acr_push_encoded(L, text, len);
    lua_concat(L, 4);
    lua_replace(L, -3);
    lua_pop(L, 1);
    pieces++;
  }
  lua_concat(L, pieces); /* 0 pieces pushes "" */
}

static int has_file(lua_State *L, const acr_endpoint *ep, int idx) {
  for (const acr_param *p = ep->params; p->name; p++) {
    if (p->in != ACR_IN_FILE) continue;
    int t = lua_getfield(L, idx, p->name);
    lua_pop(L, 1);
    if (t != LUA_TNIL) return 1;
  }
  return 0;
}

/* Pushes the parts of a multipart body: {name =, value =} for each body
 * field (text; tables as JSON) and {name =, file =} for each file. */
static void push_parts(lua_State *L, const acr_endpoint *ep, int idx) {
  int n = 0;
  lua_newtable(L);
  for (const acr_param *p = ep->params; p->name; p++) {
    if (p->in != ACR_IN_BODY && p->in != ACR_IN_FILE) continue;
    if (lua_getfield(L, idx, p->name) == LUA_TNIL) {
      lua_pop(L, 1);
      if (!p->fallback) continue;
      lua_pushstring(L, p->fallback);
    }
    lua_createtable(L, 0, 2);
    lua_pushstring(L, p->name);
    lua_setfield(L, -2, "name");
    if (p->in == ACR_IN_FILE) {
      lua_pushvalue(L, -2);
      lua_setfield(L, -2, "file");
    } else if (lua_istable(L, -2)) {
      acr_json_enc o = {ep->name, p->name, 0};
      acr_json_encode(L, -2, &o);
      lua_setfield(L, -2, "value");
    } else {
      size_t len;
      value_text(L, -2, &len);
      lua_setfield(L, -2, "value");
    }
    lua_rawseti(L, -3, ++n);
    lua_pop(L, 1);
  }
}

static int takes_body(const acr_endpoint *ep) {
  for (const acr_param *p = ep->params; p->name; p++)
    if (p->in == ACR_IN_BODY) return 1;
  return 0;
}

/* Pushes the JSON body, or nil when the endpoint takes none. */
static void push_body(lua_State *L, const acr_endpoint *ep, int idx) {
  if (!takes_body(ep)) {
    lua_pushnil(L);
    return;
  }
  lua_newtable(L);
  for (const acr_param *p = ep->params; p->name; p++) {
    if (p->in != ACR_IN_BODY) continue;
    if (lua_getfield(L, idx, p->name) == LUA_TNIL) {
      lua_pop(L, 1);
      continue;
    }
    if (lua_istable(L, -1) && (p->types & ACR_T_ARRAY) && is_sequence(L, -1)) {
      /* A list field: copy it and mark the copy, so that {} goes out as []
       * and the caller's table is left as it was. */
      lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
      lua_createtable(L, (int)n, 0);
      for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -2, i);
        lua_rawseti(L, -2, i);
      }
      acr_json_mark_array(L, -1);
      lua_remove(L, -2);
    }
    lua_setfield(L, -2, p->name);
  }
  acr_json_enc o = {ep->name, NULL, 0};
  acr_json_encode(L, -1, &o);
  lua_remove(L, -2);
}

void acr_build_request(lua_State *L, const acr_endpoint *ep, int params_idx,
                       const char *base) {
  int multipart;
  params_idx = lua_absindex(L, params_idx);
  lua_pushstring(L, base);
  push_path(L, ep, params_idx);
  push_query(L, ep, params_idx);
  lua_concat(L, 3);
  /* A multipart endpoint sends JSON unless a file is given (the audio_url
   * and acrid variants of an upload). */
  multipart = ep->body == ACR_BODY_MULTIPART && has_file(L, ep, params_idx);
  if (multipart) {
    lua_pushnil(L);
    push_parts(L, ep, params_idx);
  } else {
    push_body(L, ep, params_idx);
    lua_pushnil(L);
  }
}
