#include "client.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <lauxlib.h>

#include "acrcloud.h"
#include "errors.h"
#include "json.h"
#include "params.h"
#include "sign.h"

#define DEFAULT_TIMEOUT_S 60
#define DEFAULT_CONNECT_TIMEOUT_S 10

/* ---- creation and closing ---- */

static char *dup_or_raise(lua_State *L, const char *s) {
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (!p) luaL_error(L, "acrcloud.new: out of memory");
  memcpy(p, s, n);
  return p;
}

static void wipe_free(char *s) {
  if (!s) return;
  /* volatile: the compiler must not drop the wipe of memory about to go */
  for (volatile char *p = s; *p; p++)
    *p = 0;
  free(s);
}

static int client_close(lua_State *L) {
  acr_client *c = luaL_checkudata(L, 1, ACR_CLIENT_MT);
  acr_http_free(c->http);
  c->http = NULL;
  wipe_free(c->token);
  c->token = NULL;
  free(c->base_url);
  c->base_url = NULL;
  free(c->user_agent);
  c->user_agent = NULL;
  return 0;
}

acr_client *acr_client_check(lua_State *L, int idx) {
  acr_client *c = luaL_checkudata(L, idx, ACR_CLIENT_MT);
  if (!c->http) luaL_error(L, "acrcloud: the client is closed");
  return c;
}

static int client_tostring(lua_State *L) {
  acr_client *c = luaL_checkudata(L, 1, ACR_CLIENT_MT);
  if (c->http)
    lua_pushfstring(L, "acrcloud.client (%s): %p", c->base_url, c);
  else
    lua_pushfstring(L, "acrcloud.client (closed): %p", c);
  return 1;
}

/* Header values must not carry CR, LF or other control characters. */
static int has_control(const char *s) {
  for (; *s; s++)
    if (iscntrl((unsigned char)*s)) return 1;
  return 0;
}

static const char *const option_names[] = {
    "token",      "base_url", "timeout", "connect_timeout",
    "user_agent", "hosts",    NULL};

/* Raises unless every key of the table at idx is one of names. */
static void check_keys(lua_State *L, int idx, const char *const names[],
                       const char *where) {
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING)
      luaL_error(L, "%s: option names must be strings, got %s", where,
                 luaL_typename(L, -1));
    const char *key = lua_tostring(L, -1);
    int i = 0;
    while (names[i] && strcmp(names[i], key) != 0)
      i++;
    if (!names[i]) luaL_error(L, "%s: unknown option '%s'", where, key);
  }
}

static const char *opt_string(lua_State *L, const char *name, const char *env) {
  const char *s = NULL;
  int t = lua_getfield(L, 1, name);
  if (t == LUA_TSTRING)
    s = lua_tostring(L, -1);
  else if (t != LUA_TNIL)
    luaL_error(L, "acrcloud.new: option '%s' must be a string, got %s", name,
               luaL_typename(L, -1));
  lua_pop(L, 1); /* the options table keeps the string alive */
  if (!s && env) s = getenv(env);
  return s && *s ? s : NULL;
}

static long opt_millis(lua_State *L, const char *name, long fallback_s) {
  long ms = fallback_s * 1000;
  int t = lua_getfield(L, 1, name);
  if (t != LUA_TNIL) {
    if (t != LUA_TNUMBER)
      luaL_error(L, "acrcloud.new: option '%s' must be a number of seconds",
                 name);
    lua_Number s = lua_tonumber(L, -1);
    if (!(s > 0 && s <= 86400))
      luaL_error(L,
                 "acrcloud.new: option '%s' must be between 0 and 86400 "
                 "seconds (0 excluded)",
                 name);
    ms = (long)(s * 1000);
    if (ms < 1) ms = 1;
  }
  lua_pop(L, 1);
  return ms;
}

int acr_client_new(lua_State *L) {
  if (lua_isnoneornil(L, 1)) {
    lua_settop(L, 0);
    lua_newtable(L);
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  check_keys(L, 1, option_names, "acrcloud.new");

  const char *token = opt_string(L, "token", "ACRCLOUD_ACCESS_TOKEN");
  const char *base = opt_string(L, "base_url", "ACRCLOUD_BASE_URL");
  const char *agent = opt_string(L, "user_agent", NULL);
  long timeout = opt_millis(L, "timeout", DEFAULT_TIMEOUT_S);
  long connect = opt_millis(L, "connect_timeout", DEFAULT_CONNECT_TIMEOUT_S);
  /* Never echo the token: not even in the error about it. */
  if (token && has_control(token))
    luaL_error(L, "acrcloud.new: the token contains a line break or another "
                  "control character");
  if (agent && has_control(agent))
    luaL_error(L, "acrcloud.new: user_agent contains a control character");
  if (base && (has_control(base) || strchr(base, ' ') ||
               (strncmp(base, "http://", 7) && strncmp(base, "https://", 8))))
    luaL_error(L,
               "acrcloud.new: base_url must be an http:// or https:// URL "
               "without spaces, got '%s'",
               base);

  /* The user value holds {hosts = the overrides of endpoints' own hosts,
   * regions = the regions of file-scanning containers, cached}. */
  lua_createtable(L, 0, 2);
  lua_newtable(L);
  lua_setfield(L, -2, "regions");
  lua_newtable(L);
  if (lua_getfield(L, 1, "hosts") == LUA_TTABLE) {
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      const char *v = lua_tostring(L, -1);
      if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING ||
          has_control(v) || strchr(v, ' ') ||
          (strncmp(v, "http://", 7) && strncmp(v, "https://", 8)))
        luaL_error(L, "acrcloud.new: hosts must map an endpoint's host to an "
                      "http:// or https:// URL");
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_settable(L, -5);
    }
  } else if (!lua_isnil(L, -1)) {
    luaL_error(L, "acrcloud.new: option 'hosts' must be a table");
  }
  lua_pop(L, 1);
  lua_setfield(L, -2, "hosts");
  int uv = lua_gettop(L);
  acr_client *c = lua_newuserdatauv(L, sizeof *c, 1);
  memset(c, 0, sizeof *c);
  lua_pushvalue(L, uv);
  lua_setiuservalue(L, -2, 1);
  lua_remove(L, uv);
  luaL_setmetatable(L, ACR_CLIENT_MT);
  /* From here on, __gc frees whatever was set if an error is raised. */
  c->http = acr_http_new();
  if (!c->http) luaL_error(L, "acrcloud.new: cannot create a curl handle");
  c->token = token ? dup_or_raise(L, token) : NULL;
  c->default_base = base == NULL;
  c->base_url = dup_or_raise(L, base ? base : ACR_DEFAULT_BASE_URL);
  size_t n = strlen(c->base_url);
  while (n > 0 && c->base_url[n - 1] == '/')
    c->base_url[--n] = '\0';
  c->timeout_ms = timeout;
  c->connect_timeout_ms = connect;
  lua_pushfstring(L, "%s%sacrlua/%s %s", agent ? agent : "", agent ? " " : "",
                  ACRLUA_VERSION, acr_http_version());
  /* curl_version() lists every library; keep libcurl's own token only */
  const char *ua = lua_tostring(L, -1);
  const char *extra = strchr(strstr(ua, "libcurl/"), ' ');
  lua_pushlstring(L, ua, extra ? (size_t)(extra - ua) : strlen(ua));
  c->user_agent = dup_or_raise(L, lua_tostring(L, -1));
  lua_pop(L, 2);
  return 1;
}

/* ---- requests ---- */

/* Pushes {name = value} from the raw header block, names lowercased; repeated
 * headers are joined with ", ". */
static void push_headers(lua_State *L, const acr_buf *raw) {
  lua_newtable(L);
  if (!raw->data) return;
  const char *line = strstr(raw->data, "\r\n"); /* skip the status line */
  while (line && line[2]) {
    line += 2;
    const char *end = strstr(line, "\r\n");
    if (!end) end = line + strlen(line);
    const char *colon = memchr(line, ':', (size_t)(end - line));
    if (colon) {
      const char *v = colon + 1;
      while (v < end && (*v == ' ' || *v == '\t'))
        v++;
      const char *ve = end;
      while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
        ve--;
      luaL_Buffer b;
      luaL_buffinit(L, &b);
      for (const char *p = line; p < colon; p++)
        luaL_addchar(&b, (char)tolower((unsigned char)*p));
      luaL_pushresult(&b);
      lua_pushvalue(L, -1);
      if (lua_rawget(L, -3) == LUA_TSTRING) {
        lua_pushliteral(L, ", ");
        lua_pushlstring(L, v, (size_t)(ve - v));
        lua_concat(L, 3);
      } else {
        lua_pop(L, 1);
        lua_pushlstring(L, v, (size_t)(ve - v));
      }
      lua_rawset(L, -3);
    }
    line = *end ? end : NULL;
  }
}

/* On an HTTP error, copies message and field errors from the server's JSON
 * into the error object at -1 (body decoded at body_idx, or a string). */
static void fill_http_error(lua_State *L, int body_idx) {
  int err = lua_gettop(L);
  if (lua_istable(L, body_idx)) {
    if (lua_getfield(L, body_idx, "message") == LUA_TSTRING ||
        (lua_pop(L, 1), lua_getfield(L, body_idx, "error")) == LUA_TSTRING)
      lua_setfield(L, err, "message");
    lua_settop(L, err);
    if (lua_getfield(L, body_idx, "errors") == LUA_TTABLE)
      lua_setfield(L, err, "errors");
    lua_settop(L, err);
  }
  lua_pushvalue(L, body_idx);
  lua_setfield(L, err, "body");
}

static int push_result(lua_State *L, const char *method, const char *url,
                       acr_http_result rc, acr_http_response *res, int raw,
                       const char *output) {
  if (rc == ACR_HTTP_NOMEM) return luaL_error(L, "acrcloud: out of memory");
  if (rc == ACR_HTTP_FILE) {
    lua_pushfstring(L, "%s: %s", output ? output : "file", res->error);
    return acr_push_error(L, "file", lua_tostring(L, -1), method, url);
  }
  if (rc != ACR_HTTP_OK) {
    acr_push_error(L,
                   rc == ACR_HTTP_TIMEOUT       ? "timeout"
                   : rc == ACR_HTTP_INTERRUPTED ? "interrupted"
                                                : "network",
                   res->error, method, url);
    /* false: the request never left (DNS, connect), so it is safe to send
     * again; true: the server may have acted on it. */
    lua_pushboolean(L, res->sent);
    lua_setfield(L, -2, "sent");
    return 2;
  }

  int ok = res->status >= 200 && res->status < 300;
  /* the body: decoded JSON, true when empty, the text when undecodable;
   * the bytes of a raw answer, or true once written to the output file */
  int decoded = 1;
  if (ok && raw && output)
    lua_pushboolean(L, 1);
  else if (ok && raw)
    lua_pushlstring(L, res->body.data ? res->body.data : "", res->body.len);
  else if (res->body.len == 0)
    lua_pushboolean(L, 1);
  else if (!acr_json_decode(L, res->body.data, res->body.len))
    decoded = 0;
  int body = lua_gettop(L);

  if (!decoded) { /* the message from the decoder is at body */
    if (ok) {
      lua_pushfstring(L, "the response is not valid JSON: %s",
                      lua_tostring(L, body));
      acr_push_error(L, "decode", lua_tostring(L, -1), method, url);
    } else {
      acr_push_error(L, "http", "", method, url);
    }
    lua_pushinteger(L, res->status);
    lua_setfield(L, -2, "status");
    lua_pushlstring(L, res->body.data, res->body.len);
    lua_setfield(L, -2, "body");
    if (!ok) {
      /* no JSON message: say what the status means */
      lua_pushfstring(L, "the server answered %d", (int)res->status);
      lua_setfield(L, -2, "message");
    }
    return 2;
  }
  if (!ok) {
    lua_pushfstring(L, "the server answered %d", (int)res->status);
    acr_push_error(L, "http", lua_tostring(L, -1), method, url);
    lua_pushinteger(L, res->status);
    lua_setfield(L, -2, "status");
    fill_http_error(L, body);
    return 2;
  }
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, res->status);
  lua_setfield(L, -2, "status");
  push_headers(L, &res->headers);
  lua_setfield(L, -2, "headers");
  lua_pushstring(L, method);
  lua_setfield(L, -2, "method");
  acr_push_redacted_url(L, url);
  lua_setfield(L, -2, "url");
  return 2;
}

static int response_gc(lua_State *L) {
  acr_http_response_free(lua_touserdata(L, 1));
  return 0;
}

/* What a request needs besides what the stack holds. */
typedef struct call_opts {
  const char *method;
  int url_idx; /* the URL, the body (or nil), the parts (or nil) from here */
  const char *content_type; /* of a body */
  int bearer;               /* send the token */
  int raw;                  /* the answer is bytes, not JSON */
  const char *output;       /* raw answers: write them to this path */
  const char *upload_file;  /* stream this file as the body */
  int headers_idx;          /* a table of extra headers, or 0 */
} call_opts;

/* Checks that the file can be read; on failure pushes nil, err (kind
 * "file") and returns 2, else returns 0. */
static int check_readable(lua_State *L, const char *path, const char *method,
                          const char *url) {
  FILE *f = fopen(path, "rb");
  if (f) {
    fclose(f);
    return 0;
  }
  lua_pushfstring(L, "cannot read '%s': %s", path, strerror(errno));
  return acr_push_error(L, "file", lua_tostring(L, -1), method, url);
}

/* Sends the request described by o and the stack; pushes body, response or
 * nil, err; returns 2. Lua values are made only after curl has returned. */
static int perform(lua_State *L, acr_client *c, const call_opts *o) {
  const char *url = lua_tostring(L, o->url_idx);
  size_t body_len = 0;
  const char *body = lua_tolstring(L, o->url_idx + 1, &body_len);
  int parts_idx = lua_istable(L, o->url_idx + 2) ? o->url_idx + 2 : 0;
  if (o->bearer && !c->token)
    return luaL_error(L, "acrcloud: no access token: pass token= to "
                         "acrcloud.new or set ACRCLOUD_ACCESS_TOKEN");

  /* the multipart parts, as C structs pointing into the Lua strings */
  size_t nparts = parts_idx ? lua_rawlen(L, parts_idx) : 0;
  acr_http_part *parts =
      lua_newuserdatauv(L, (nparts ? nparts : 1) * sizeof *parts, 0);
  for (size_t i = 0; i < nparts; i++) {
    lua_rawgeti(L, parts_idx, (lua_Integer)i + 1);
    lua_getfield(L, -1, "name");
    lua_getfield(L, -2, "value");
    lua_getfield(L, -3, "file");
    parts[i].name = lua_tostring(L, -3);
    parts[i].value = lua_tolstring(L, -2, &parts[i].value_len);
    parts[i].file = lua_tostring(L, -1);
    parts[i].filename = NULL;
    lua_pop(L, 4); /* the parts table keeps the strings alive */
    if (parts[i].file) {
      if (check_readable(L, parts[i].file, o->method, url)) return 2;
      const char *slash = strrchr(parts[i].file, '/');
      parts[i].filename = slash ? slash + 1 : parts[i].file;
    }
  }
  if (o->upload_file && check_readable(L, o->upload_file, o->method, url))
    return 2;

  /* header lines, all as Lua strings but the Authorization one */
  int first = lua_gettop(L) + 1, n = 0;
  lua_pushstring(L, o->raw ? "Accept: */*" : "Accept: application/json");
  n++;
  if (body) {
    lua_pushfstring(L, "Content-Type: %s", o->content_type);
    n++;
  }
  if (o->headers_idx) {
    lua_pushnil(L);
    while (lua_next(L, o->headers_idx)) {
      if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING ||
          has_control(lua_tostring(L, -2)) || has_control(lua_tostring(L, -1)))
        return luaL_error(L, "headers must map names to strings without "
                             "control characters");
      lua_pushfstring(L, "%s: %s", lua_tostring(L, -2), lua_tostring(L, -1));
      lua_insert(L, -3);
      lua_pop(L, 1);
      n++;
    }
  }
  const char **headers =
      lua_newuserdatauv(L, (size_t)(n + 1) * sizeof *headers, 0);
  for (int i = 0; i < n; i++)
    headers[i] = lua_tostring(L, first + i);

  /* The response lives in a userdata whose __gc frees it, so that a Lua
   * error while its values are made cannot leak it. */
  acr_http_response *res = lua_newuserdatauv(L, sizeof *res, 0);
  memset(res, 0, sizeof *res);
  luaL_setmetatable(L, "acrcloud.response");

  /* No Lua call from here to the wipe: the Authorization line, the only
   * copy of the token outside the client, never reaches a Lua string. */
  char *auth = NULL;
  if (o->bearer) {
    static const char prefix[] = "Authorization: Bearer ";
    auth = malloc(sizeof prefix + strlen(c->token));
    if (!auth) return luaL_error(L, "acrcloud: out of memory");
    memcpy(auth, prefix, sizeof prefix);
    strcat(auth, c->token);
    headers[n++] = auth;
  }
  acr_http_request req = {o->method,    url,           headers,
                          (size_t)n,    body,          body_len,
                          parts,        nparts,        o->upload_file,
                          o->output,    c->timeout_ms, c->connect_timeout_ms,
                          c->user_agent};
  acr_http_result rc = acr_http_perform(c->http, &req, res);
  if (auth) wipe_free(auth);

  int r = push_result(L, o->method, url, rc, res, o->raw, o->output);
  acr_http_response_free(res);
  return r;
}

/* A region goes into a host name: letters, digits and dashes only. */
static int valid_region(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (!(isalnum((unsigned char)*s) || *s == '-')) return 0;
  return 1;
}

/* Pushes the region of the file-scanning container named by the params,
 * asked of the API once and cached for the client's life; or pushes nil,
 * err and returns 2 (else 1). */
static int push_container_region(lua_State *L, const acr_endpoint *ep,
                                 int params_idx) {
  lua_getiuservalue(L, 1, 1);
  lua_getfield(L, -1, "regions");
  int cache = lua_gettop(L);
  lua_getfield(L, params_idx, ep->region_from);
  lua_pushvalue(L, -1);
  if (lua_gettable(L, cache) == LUA_TSTRING) return 1;
  lua_pop(L, 1);
  int key = lua_gettop(L);
  lua_getfield(L, 1, "get_fs_container");
  lua_pushvalue(L, 1);
  lua_createtable(L, 0, 1);
  lua_pushvalue(L, key);
  lua_setfield(L, -2, "id");
  lua_call(L, 2, 2);
  if (lua_isnil(L, -2)) return 2;
  if (lua_istable(L, -2) && lua_getfield(L, -2, "data") == LUA_TTABLE &&
      lua_getfield(L, -1, "region") == LUA_TSTRING) {
    lua_pushvalue(L, key);
    lua_pushvalue(L, -2);
    lua_settable(L, cache);
    return 1;
  }
  return acr_push_error(
      L, "decode", "the container's answer holds no data.region", "GET", NULL);
}

/* Pushes the base URL for ep: the client's, or the endpoint's own host while
 * the default base URL is in force, with {region} filled. Returns 1, or 2
 * after pushing nil, err (the region could not be resolved). */
static int push_base(lua_State *L, acr_client *c, const acr_endpoint *ep,
                     int params_idx) {
  const char *host = NULL;
  if (ep->host) {
    lua_getiuservalue(L, 1, 1);
    lua_getfield(L, -1, "hosts");
    lua_getfield(L, -1, ep->host);
    host = lua_tostring(L, -1); /* kept alive in the user value */
    lua_pop(L, 3);
    if (!host && c->default_base) host = ep->host;
  }
  if (!host) {
    lua_pushstring(L, c->base_url);
    return 1;
  }
  if (!strstr(host, "{region}")) {
    lua_pushstring(L, host);
    return 1;
  }
  int top = lua_gettop(L);
  if (lua_getfield(L, params_idx, "region") == LUA_TNIL && ep->region_from) {
    lua_pop(L, 1);
    if (push_container_region(L, ep, params_idx) == 2) {
      lua_replace(L, top + 2);
      lua_replace(L, top + 1);
      lua_settop(L, top + 2);
      return 2;
    }
  }
  const char *region = lua_tostring(L, -1);
  if (!region)
    return luaL_error(L, "%s: missing required parameter 'region' (host)",
                      ep->name);
  if (!valid_region(region))
    return luaL_error(L,
                      "%s: region '%s' may hold only letters, digits and "
                      "dashes",
                      ep->name, region);
  luaL_gsub(L, host, "{region}", region);
  lua_replace(L, top + 1);
  lua_settop(L, top + 1);
  return 1;
}

/* For the Identification API: adds timestamp, signature, signature_version
 * and sample_bytes to the parts at parts_idx. */
static void add_signature(lua_State *L, const acr_endpoint *ep, int params_idx,
                          int parts_idx) {
  const char *secret = NULL, *key = NULL, *data_type = NULL, *file = NULL;
  size_t secret_len = 0;
  for (const acr_param *p = ep->params; p->name; p++) {
    lua_getfield(L, params_idx, p->name);
    const char *v = lua_isstring(L, -1) ? lua_tostring(L, -1) : p->fallback;
    lua_pop(L, 1); /* the params table keeps it alive */
    if (p->in == ACR_IN_SECRET) {
      secret = v;
      secret_len = v ? strlen(v) : 0;
    } else if (strcmp(p->name, "access_key") == 0)
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
  char timestamp[32], sig[64];
  unsigned char mac[ACR_SHA1_SIZE];
  snprintf(timestamp, sizeof timestamp, "%lld", (long long)time(NULL));
  /* The documented string: method, path, key, data type, version, time. */
  lua_pushfstring(L, "POST\n%s\n%s\n%s\n1\n%s", ep->path, key,
                  data_type ? data_type : "audio", timestamp);
  size_t len;
  const char *to_sign = lua_tolstring(L, -1, &len);
  if (acr_hmac_sha1(secret, secret_len, to_sign, len, mac) != 0)
    luaL_error(L, "%s: HMAC-SHA1 failed", ep->name);
  lua_pop(L, 1);
  acr_base64(mac, sizeof mac, sig);
  const char *names[] = {"timestamp", "signature", "signature_version",
                         "sample_bytes"};
  char bytes[32];
  snprintf(bytes, sizeof bytes, "%lld", size);
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

/* The output path of a raw endpoint's params, or NULL. */
static const char *output_param(lua_State *L, const acr_endpoint *ep,
                                int params_idx) {
  for (const acr_param *p = ep->params; p->name; p++) {
    if (p->in != ACR_IN_OUTPUT) continue;
    lua_getfield(L, params_idx, p->name);
    const char *path = lua_tostring(L, -1);
    lua_pop(L, 1); /* the params table keeps it alive */
    return path;
  }
  return NULL;
}

int acr_client_call(lua_State *L, const acr_endpoint *ep) {
  acr_client *c = acr_client_check(L, 1);
  lua_settop(L, 2);
  if (lua_isnil(L, 2)) {
    lua_newtable(L);
    lua_replace(L, 2);
  } else if (!lua_istable(L, 2)) {
    return luaL_error(L, "%s: params must be a table, got %s", ep->name,
                      luaL_typename(L, 2));
  }
  acr_check_params(L, ep, 2);
  if (push_base(L, c, ep, 2) == 2) return 2;       /* 3: the base */
  acr_build_request(L, ep, 2, lua_tostring(L, 3)); /* url 4, body 5, parts 6 */
  if (ep->auth == ACR_AUTH_SIGNED && lua_istable(L, 6))
    add_signature(L, ep, 2, 6);
  call_opts o = {ep->method,
                 4,
                 "application/json",
                 ep->auth == ACR_AUTH_BEARER,
                 ep->response == ACR_RESPONSE_RAW,
                 output_param(L, ep, 2),
                 NULL,
                 0};
  return perform(L, c, &o);
}

/* client:prepare(name, params): the request an operation would send,
 * {method =, url =, body =, parts =}, checked but not sent. */
static int client_prepare(lua_State *L) {
  acr_client *c = acr_client_check(L, 1);
  const char *name = luaL_checkstring(L, 2);
  const acr_endpoint *ep = acr_endpoint_find(name);
  if (!ep) return luaL_error(L, "prepare: unknown operation '%s'", name);
  lua_remove(L, 2);
  lua_settop(L, 2);
  if (lua_isnil(L, 2)) {
    lua_newtable(L);
    lua_replace(L, 2);
  }
  luaL_checktype(L, 2, LUA_TTABLE);
  acr_check_params(L, ep, 2);
  if (push_base(L, c, ep, 2) == 2) return 2;
  acr_build_request(L, ep, 2, lua_tostring(L, 3));
  lua_createtable(L, 0, 4);
  lua_pushstring(L, ep->method);
  lua_setfield(L, -2, "method");
  lua_pushvalue(L, 4);
  lua_setfield(L, -2, "url");
  lua_pushvalue(L, 5);
  lua_setfield(L, -2, "body");
  lua_pushvalue(L, 6);
  lua_setfield(L, -2, "parts");
  return 1;
}

/* client:request(method, path, {query =, body =, content_type =}) */
static int client_request(lua_State *L) {
  static const char *const methods[] = {"GET",    "POST", "PUT", "PATCH",
                                        "DELETE", "HEAD", NULL};
  static const char *const opts[] = {"query", "body", "content_type", NULL};
  acr_client *c = acr_client_check(L, 1);
  const char *method = methods[luaL_checkoption(L, 2, NULL, methods)];
  const char *path = luaL_checkstring(L, 3);
  if (path[0] != '/' || has_control(path) || strchr(path, ' '))
    return luaL_error(L,
                      "request: the path must start with '/' and hold no "
                      "spaces or control characters, got '%s'",
                      path);
  if (lua_isnoneornil(L, 4)) {
    lua_settop(L, 3);
    lua_newtable(L);
  }
  luaL_checktype(L, 4, LUA_TTABLE);
  lua_settop(L, 4);
  check_keys(L, 4, opts, "request");
  /* 5: the URL */
  lua_pushstring(L, c->base_url);
  lua_pushstring(L, path);
  int pieces = 2;
  if (lua_getfield(L, 4, "query") == LUA_TTABLE) {
    int q = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, q)) {
      if (lua_type(L, -2) != LUA_TSTRING ||
          !(lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER))
        return luaL_error(L, "request: query must map names to strings or "
                             "numbers");
      size_t kl, vl;
      const char *k = lua_tolstring(L, -2, &kl);
      lua_pushvalue(L, -1);
      const char *v = lua_tolstring(L, -1, &vl);
      lua_pushstring(L, pieces == 2 && !strchr(path, '?') ? "?" : "&");
      acr_push_encoded(L, k, kl);
      lua_pushliteral(L, "=");
      acr_push_encoded(L, v, vl);
      lua_concat(L, 4);
      lua_replace(L, -3); /* over the value; the key stays for lua_next */
      lua_pop(L, 1);
      lua_insert(L, q);
      q++;
      pieces++;
    }
    lua_remove(L, q);
  } else if (!lua_isnil(L, -1)) {
    return luaL_error(L, "request: query must be a table");
  } else {
    lua_pop(L, 1);
  }
  lua_concat(L, pieces);
  /* 6: the body */
  const char *type = "application/json";
  int bt = lua_getfield(L, 4, "body");
  if (bt == LUA_TTABLE) {
    acr_json_enc o = {"request", "body", 0};
    acr_json_encode(L, -1, &o);
    lua_remove(L, -2);
  } else if (bt != LUA_TSTRING && bt != LUA_TNIL) {
    return luaL_error(L,
                      "request: body must be a table (sent as JSON) or a "
                      "string, got %s",
                      luaL_typename(L, -1));
  }
  lua_pushnil(L); /* 7: no parts */
  if (lua_getfield(L, 4, "content_type") == LUA_TSTRING) {
    type = lua_tostring(L, -1);
    if (has_control(type))
      return luaL_error(L, "request: content_type holds a control character");
  }
  lua_pop(L, 1); /* the options table keeps it alive */
  call_opts o = {method, 5, type, 1, 0, NULL, NULL, 0};
  return perform(L, c, &o);
}

/* client:upload_fs_file{container_id =, file =, name =, region =}: the
 * file-scanning upload flow: a presigned URL (get_fs_upload_url), the file
 * streamed to it (no token: the URL carries its own authority), then the
 * file registered (create_fs_file). Returns what create_fs_file returns. */
static int client_upload_fs_file(lua_State *L) {
  static const char *const keys[] = {"container_id", "file", "name", "region",
                                     NULL};
  acr_client *c = acr_client_check(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  check_keys(L, 2, keys, "upload_fs_file");
  if (lua_getfield(L, 2, "container_id") == LUA_TNIL)
    return luaL_error(L, "upload_fs_file: missing required parameter "
                         "'container_id'");
  if (lua_getfield(L, 2, "file") != LUA_TSTRING)
    return luaL_error(L, "upload_fs_file: parameter 'file' must be a path");
  const char *file = lua_tostring(L, 4);
  const char *slash = strrchr(file, '/');
  const char *filename = slash ? slash + 1 : file;
  if (check_readable(L, file, "PUT", NULL)) return 2;
  lua_settop(L, 2);

  /* 1. the presigned URL */
  lua_getfield(L, 1, "get_fs_upload_url");
  lua_pushvalue(L, 1);
  lua_createtable(L, 0, 3);
  lua_getfield(L, 2, "container_id");
  lua_setfield(L, -2, "container_id");
  lua_pushstring(L, filename);
  lua_setfield(L, -2, "filename");
  lua_getfield(L, 2, "region");
  lua_setfield(L, -2, "region");
  lua_call(L, 2, 2);
  if (lua_isnil(L, -2)) return 2;
  lua_pop(L, 1);
  int data = lua_gettop(L) + 1;
  if (!lua_istable(L, -1) || lua_getfield(L, -1, "data") != LUA_TTABLE)
    return acr_push_error(L, "decode", "get_fs_upload_url gave no data", "GET",
                          NULL);
  lua_getfield(L, data, "presigned_url"); /* data + 1 */
  lua_getfield(L, data, "key");           /* data + 2 */
  if (!lua_isstring(L, data + 1) || !lua_isstring(L, data + 2))
    return acr_push_error(L, "decode",
                          "get_fs_upload_url gave no presigned_url or key",
                          "GET", NULL);
  const char *url = lua_tostring(L, data + 1);
  if (has_control(url) ||
      (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)))
    return acr_push_error(L, "decode", "the presigned URL is not http(s)",
                          "GET", NULL);
  if (lua_getfield(L, data, "method") != LUA_TSTRING) { /* data + 3 */
    lua_pop(L, 1);
    lua_pushliteral(L, "PUT");
  }
  if (lua_getfield(L, data, "headers") != LUA_TTABLE) { /* data + 4 */
    lua_pop(L, 1);
    lua_newtable(L);
  }

  /* 2. the bytes, streamed */
  lua_pushvalue(L, data + 1); /* data + 5: url */
  lua_pushnil(L);             /* no body */
  lua_pushnil(L);             /* no parts */
  const char *method = lua_tostring(L, data + 3);
  if (strcmp(method, "PUT") && strcmp(method, "POST"))
    return acr_push_error(L, "decode", "the presigned method is not PUT", "GET",
                          NULL);
  call_opts o = {method, data + 5, NULL, 0, 1, NULL, NULL, data + 4};
  lua_getfield(L, 2, "file");
  o.upload_file = lua_tostring(L, -1);
  lua_pop(L, 1); /* the params table keeps it */
  if (perform(L, c, &o) == 2 && lua_isnil(L, -2)) return 2;

  /* 3. the registration */
  lua_getfield(L, 1, "create_fs_file");
  lua_pushvalue(L, 1);
  lua_createtable(L, 0, 6);
  lua_getfield(L, 2, "container_id");
  lua_setfield(L, -2, "container_id");
  lua_pushliteral(L, "audio");
  lua_setfield(L, -2, "data_type");
  lua_pushvalue(L, data + 2);
  lua_setfield(L, -2, "key");
  lua_pushstring(L, filename);
  lua_setfield(L, -2, "filename");
  lua_getfield(L, 2, "name");
  lua_setfield(L, -2, "name");
  lua_getfield(L, 2, "region");
  lua_setfield(L, -2, "region");
  lua_call(L, 2, 2);
  return 2;
}

/* ---- iteration over every item of a paginated list ---- */

/* Upvalues: 1 the client, 2 the endpoint (light userdata), 3 a state table
 * {params =, items =, i =, page =, done =}. */
static int each_next(lua_State *L) {
  const acr_endpoint *ep = lua_touserdata(L, lua_upvalueindex(2));
  int st = lua_upvalueindex(3);
  for (;;) {
    lua_settop(L, 0);
    if (lua_getfield(L, st, "items") == LUA_TTABLE) {
      lua_getfield(L, st, "i");
      lua_Integer i = lua_tointeger(L, -1) + 1;
      if (i <= (lua_Integer)lua_rawlen(L, 1)) {
        lua_pushinteger(L, i);
        lua_setfield(L, st, "i");
        lua_rawgeti(L, 1, i);
        return 1;
      }
    }
    lua_settop(L, 0);
    if (lua_getfield(L, st, "done") == LUA_TBOOLEAN) return 0;
    lua_settop(L, 0);

    /* fetch the next page */
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_getfield(L, st, "params");
    lua_getfield(L, st, "page");
    lua_Integer page = lua_tointeger(L, -1);
    lua_setfield(L, 2, "page");
    acr_client_call(L, ep);
    if (lua_isnil(L, -2)) return lua_error(L); /* the error object */
    int body = lua_gettop(L) - 1;
    if (!lua_istable(L, body) || lua_getfield(L, body, "data") != LUA_TTABLE)
      return luaL_error(L, "each: %s answered without a data list", ep->name);
    lua_setfield(L, st, "items");
    lua_pushinteger(L, 0);
    lua_setfield(L, st, "i");

    /* Is there another page? current_page < last_page in meta (either may
     * be a string) or at the top level (a flat paginator), else a
     * links.next URL; never go backwards. */
    lua_Integer current = page, last = page;
    int pager =
        lua_getfield(L, body, "meta") == LUA_TTABLE
            ? lua_gettop(L)
            : (lua_getfield(L, body, "current_page") != LUA_TNIL ? body : 0);
    if (pager) {
      lua_getfield(L, pager, "current_page");
      lua_getfield(L, pager, "last_page");
      int ok1, ok2;
      lua_Integer cur = lua_tointegerx(L, -2, &ok1);
      lua_Integer lst = lua_tointegerx(L, -1, &ok2);
      if (ok1 && ok2) {
        current = cur;
        last = lst;
      }
    } else if (lua_getfield(L, body, "links") == LUA_TTABLE &&
               lua_getfield(L, -1, "next") == LUA_TSTRING) {
      last = page + 1;
    }
    lua_getfield(L, st, "items");
    int more = current < last && current >= page && lua_rawlen(L, -1) > 0;
    if (more) {
      lua_pushinteger(L, current + 1);
      lua_setfield(L, st, "page");
    } else {
      lua_pushboolean(L, 1);
      lua_setfield(L, st, "done");
    }
  }
}

/* client:each(name, params): an iterator over every item of every page. */
static int client_each(lua_State *L) {
  acr_client_check(L, 1);
  const char *name = luaL_checkstring(L, 2);
  const acr_endpoint *ep = acr_endpoint_find(name);
  if (!ep) return luaL_error(L, "each: unknown operation '%s'", name);
  if (!ep->paginated)
    return luaL_error(L, "each: %s is not a paginated list", name);
  lua_settop(L, 3);
  lua_pushvalue(L, 1);
  lua_pushlightuserdata(L, (void *)ep);
  lua_createtable(L, 0, 5);
  /* a copy of the params: the iterator sets page in it */
  lua_newtable(L);
  lua_Integer first = 1;
  if (!lua_isnil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, 3)) {
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_settable(L, -4);
    }
    if (lua_getfield(L, 3, "page") != LUA_TNIL) {
      int ok;
      first = lua_tointegerx(L, -1, &ok);
      if (!ok || first < 1)
        return luaL_error(L, "each: page must be a positive integer");
    }
    lua_pop(L, 1);
  }
  lua_setfield(L, -2, "params");
  lua_pushinteger(L, first);
  lua_setfield(L, -2, "page");
  lua_pushcclosure(L, each_next, 3);
  return 1;
}

void acr_client_open(lua_State *L) {
  static const luaL_Reg methods[] = {{"close", client_close},
                                     {"request", client_request},
                                     {"each", client_each},
                                     {"prepare", client_prepare},
                                     {"upload_fs_file", client_upload_fs_file},
                                     {NULL, NULL}};
  static const luaL_Reg metamethods[] = {{"__close", client_close},
                                         {"__gc", client_close},
                                         {"__tostring", client_tostring},
                                         {NULL, NULL}};
  int methods_idx = lua_gettop(L);
  luaL_setfuncs(L, methods, 0);
  luaL_newmetatable(L, ACR_CLIENT_MT);
  luaL_setfuncs(L, metamethods, 0);
  lua_pushvalue(L, methods_idx);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  if (luaL_newmetatable(L, "acrcloud.response")) {
    lua_pushcfunction(L, response_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
}
