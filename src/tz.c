/*
 * acrcloud.tz: time-zone arithmetic from the system's tz database.
 *
 * Zones are either fixed offsets ("UTC", "Z", "+08:00", "-05:30") or IANA
 * names ("Europe/Berlin") that must exist as a TZif file under $TZDIR or
 * /usr/share/zoneinfo. glibc quietly treats an unknown TZ as UTC, so names
 * are checked here before they are used, and a name that would leave the
 * zone directory ("../x", "/etc/x") is refused.
 *
 * Named zones are read from their files by tzfile.c, never through TZ,
 * tzset() or localtime(): nothing here changes the process's state, so a
 * host may use the module from several threads (one lua_State each). A zone
 * is read once per lua_State and kept in a cache table, an upvalue of the
 * module's functions, as a userdata freed by its __gc.
 *
 * Local -> UTC: every offset in force within a day and a half of the naive
 * instant is a candidate; a candidate is right when the zone really has
 * that offset at (local - offset). No right candidate: the local time fell
 * in a gap (spring forward). Two: it happens twice (fall back); the earlier
 * instant is taken and the caller is told.
 *
 * Lua API (times are "YYYY-mm-dd HH:MM:SS"; offsets in seconds east of UTC):
 *   tz.check(zone)              -> canonical zone | nil, reason
 *   tz.utc_offset(zone, local)  -> offset, note | nil, reason
 *   tz.timeoffset(zone, local)  -> minutes (the API's sign: UTC+8 is -480),
 *                                  note | nil, reason
 *   tz.to_utc(zone, local)      -> utc, offset, note | nil, reason
 *   tz.to_local(zone, utc)      -> local, offset  (utc: string or epoch)
 * `note` is nil, or a sentence saying the local time was ambiguous. A
 * malformed zone or time string, or a damaged zone file, raises an error
 * (tz.check returns nil and the reason instead).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lua.h>

#include "acrcloud.h"
#include "tzfile.h"

#define DEFAULT_TZDIR "/usr/share/zoneinfo"
#define MAX_ZONE_NAME 255
#define MAX_FIXED_OFFSET (18 * 3600)
#define MAX_ZONE_FILE (1024 * 1024) /* real ones are a few kilobytes */
#define MSG_SIZE 512
#define TIME_LEN 19 /* "YYYY-mm-dd HH:MM:SS" */
#define ZONE_META "acrcloud.tz.zone"
#define CACHE lua_upvalueindex(1)

/* A zone after validation: either a fixed offset or a parsed zone file. */
typedef struct {
  int fixed;              /* 1: `offset` applies at all times */
  long offset;            /* seconds east of UTC, when fixed */
  const acr_tzfile *file; /* when not fixed; owned by the cache */
  const char *name;       /* the name as given (for messages); a Lua
                             string on the caller's stack */
} zone_t;

/* A civil date and time, as parsed from or printed to the API's format. */
typedef struct {
  long year;
  int month, day, hour, min, sec;
} civil_t;

/* ---------------------------------------------------------------- calendar */

static int is_leap(long y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(long y, int m) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Seconds since the epoch of a civil time read as if it were UTC. */
static int64_t civil_to_seconds(const civil_t *c) {
  return acr_days_from_civil(c->year, c->month, c->day) * 86400 +
         (int64_t)c->hour * 3600 + c->min * 60 + c->sec;
}

static void seconds_to_civil(int64_t t, civil_t *c) {
  int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
  int64_t rest = t - days * 86400, year;
  acr_civil_from_days(days, &year, &c->month, &c->day);
  c->year = (long)year;
  c->hour = (int)(rest / 3600);
  c->min = (int)(rest % 3600 / 60);
  c->sec = (int)(rest % 60);
}

static void put_digits(char *out, long value, int n) {
  while (n-- > 0) {
    out[n] = (char)('0' + value % 10);
    value /= 10;
  }
}

/* "YYYY-mm-dd HH:MM:SS" for years 1 to 9999 (by hand: snprintf was most of
 * the cost of a conversion). */
static void format_civil(const civil_t *c, char out[TIME_LEN + 1]) {
  put_digits(out, c->year, 4);
  out[4] = '-';
  put_digits(out + 5, c->month, 2);
  out[7] = '-';
  put_digits(out + 8, c->day, 2);
  out[10] = ' ';
  put_digits(out + 11, c->hour, 2);
  out[13] = ':';
  put_digits(out + 14, c->min, 2);
  out[16] = ':';
  put_digits(out + 17, c->sec, 2);
  out[TIME_LEN] = '\0';
}

/* "+HH:MM" for an offset in seconds (with ":SS" when it is not whole
 * minutes, as for local mean time before 1900). */
static void format_offset(long off, char *out, size_t size) {
  char sign = off < 0 ? '-' : '+';
  long a = off < 0 ? -off : off;
  if (a % 60)
    snprintf(out, size, "UTC%c%02ld:%02ld:%02ld", sign, a / 3600, a % 3600 / 60,
             a % 60);
  else
    snprintf(out, size, "UTC%c%02ld:%02ld", sign, a / 3600, a % 3600 / 60);
}

static int digits(const char *s, int n, int *value) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    v = v * 10 + (s[i] - '0');
  }
  *value = v;
  return 1;
}

/* Parses exactly "YYYY-mm-dd HH:MM:SS" with a real calendar date. */
static int parse_civil(const char *s, size_t len, civil_t *c) {
  int y;
  if (len != TIME_LEN || s[4] != '-' || s[7] != '-' || s[10] != ' ' ||
      s[13] != ':' || s[16] != ':')
    return 0;
  if (!digits(s, 4, &y) || !digits(s + 5, 2, &c->month) ||
      !digits(s + 8, 2, &c->day) || !digits(s + 11, 2, &c->hour) ||
      !digits(s + 14, 2, &c->min) || !digits(s + 17, 2, &c->sec))
    return 0;
  c->year = y;
  return y >= 1 && c->month >= 1 && c->month <= 12 && c->day >= 1 &&
         c->day <= month_days(y, c->month) && c->hour <= 23 && c->min <= 59 &&
         c->sec <= 59;
}

/* ------------------------------------------------------------------ zones */

/* Fixed offsets: "UTC", "Z", "+HH:MM", "-HH:MM". */
static int parse_fixed(const char *s, size_t len, long *offset) {
  int h, m;
  if ((len == 3 && strcmp(s, "UTC") == 0) || (len == 1 && s[0] == 'Z')) {
    *offset = 0;
    return 1;
  }
  if (len != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':') return 0;
  if (!digits(s + 1, 2, &h) || !digits(s + 4, 2, &m) || m > 59) return 0;
  *offset = (long)h * 3600 + m * 60;
  if (s[0] == '-') *offset = -*offset;
  return 1;
}

/* An IANA name is components of [A-Za-z0-9._+-] joined by '/', none empty,
 * none "." or "..", not starting with '/' or '-'. */
static int plausible_name(const char *s, size_t len) {
  size_t start = 0;
  if (len == 0 || len > MAX_ZONE_NAME || s[0] == '-') return 0;
  for (size_t i = 0; i <= len; i++) {
    char ch = i < len ? s[i] : '/';
    if (ch == '/') {
      size_t n = i - start;
      if (n == 0 || (n == 1 && s[start] == '.') ||
          (n == 2 && s[start] == '.' && s[start + 1] == '.'))
        return 0;
      start = i + 1;
    } else if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                 (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
                 ch == '+' || ch == '-')) {
      return 0;
    }
  }
  return 1;
}

/* The zone file at `path`, parsed into the userdata on top of the stack.
 * 1, or 0 with a reason in msg. Calls no Lua function, so the buffer it
 * reads into cannot leak. */
static int load_zone(acr_tzfile *tz, const char *path, const struct stat *st,
                     const char *name, const char *dir, char *msg) {
  char err[ACR_TZFILE_ERR_SIZE];
  unsigned char *buf;
  size_t got;
  int ok;
  FILE *f;
  if (st->st_size > MAX_ZONE_FILE) {
    snprintf(msg, MSG_SIZE, "bad zone file for \"%.100s\" (%.300s): too large",
             name, path);
    return 0;
  }
  f = fopen(path, "rb");
  buf = malloc((size_t)st->st_size + 1);
  if (f == NULL || buf == NULL) {
    if (f) fclose(f);
    free(buf);
    snprintf(msg, MSG_SIZE, "cannot read the zone file %.300s", path);
    return 0;
  }
  got = fread(buf, 1, (size_t)st->st_size, f);
  fclose(f);
  /* zone.tab, tzdata.zi and friends live in the same directory. */
  if (got < 4 || memcmp(buf, "TZif", 4) != 0) {
    free(buf);
    snprintf(msg, MSG_SIZE,
             "unknown time zone \"%.100s\" (not a zone file under %.300s)",
             name, dir);
    return 0;
  }
  ok = acr_tzfile_parse(buf, got, tz, err) == 0;
  free(buf);
  if (!ok)
    snprintf(msg, MSG_SIZE, "bad zone file for \"%.100s\" (%.200s): %s", name,
             path, err);
  return ok;
}

/* A named zone (argument `arg`, already checked): from the cache, or read
 * from its file and cached. The cache maps the name to a userdata whose user
 * value is the zone directory it was read from. */
static int named_zone(lua_State *L, int arg, const char *s, zone_t *z,
                      char *msg) {
  const char *dir = getenv("TZDIR");
  char path[4096];
  struct stat st;
  acr_tzfile *tz;
  if (dir == NULL || dir[0] == '\0') dir = DEFAULT_TZDIR;
  lua_pushvalue(L, arg);
  if (lua_rawget(L, CACHE) == LUA_TUSERDATA) {
    int same;
    lua_getiuservalue(L, -1, 1);
    same = strcmp(lua_tostring(L, -1), dir) == 0;
    z->file = lua_touserdata(L, -2);
    lua_pop(L, 2);
    if (same) return 1;
  } else {
    lua_pop(L, 1);
  }
  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, s) >= sizeof path) {
    snprintf(msg, MSG_SIZE, "time zone directory path too long");
    return 0;
  }
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
    snprintf(msg, MSG_SIZE,
             "unknown time zone \"%.100s\" (no such zone under %.300s)", s,
             dir);
    return 0;
  }
  /* The userdata first: once the file is parsed, nothing may raise before
   * its __gc owns what was allocated. */
  tz = lua_newuserdatauv(L, sizeof *tz, 1);
  memset(tz, 0, sizeof *tz);
  luaL_setmetatable(L, ZONE_META);
  lua_pushstring(L, dir);
  lua_setiuservalue(L, -2, 1);
  if (!load_zone(tz, path, &st, s, dir, msg)) {
    lua_pop(L, 1);
    return 0;
  }
  lua_pushvalue(L, arg);
  lua_insert(L, -2);
  lua_rawset(L, CACHE);
  z->file = tz;
  return 1;
}

/* Fills `z` from argument `arg` (a string) or writes a reason into `msg`
 * and returns 0. */
static int resolve_zone(lua_State *L, int arg, zone_t *z, char *msg) {
  size_t len;
  const char *s = lua_tolstring(L, arg, &len);
  memset(z, 0, sizeof *z);
  z->name = s;
  if (strlen(s) != len) {
    snprintf(msg, MSG_SIZE, "time zone contains a NUL byte");
    return 0;
  }
  if (parse_fixed(s, len, &z->offset)) {
    if (z->offset > MAX_FIXED_OFFSET || z->offset < -MAX_FIXED_OFFSET) {
      snprintf(msg, MSG_SIZE,
               "time zone offset \"%s\" is out of range "
               "(-18:00 to +18:00)",
               s);
      return 0;
    }
    z->fixed = 1;
    return 1;
  }
  if (!plausible_name(s, len)) {
    snprintf(msg, MSG_SIZE,
             "bad time zone \"%.*s\" (expected a name such as "
             "Europe/Berlin, or UTC, Z, +08:00, -05:30; names under the zone "
             "directory only)",
             len > 64 ? 64 : (int)len, s);
    return 0;
  }
  return named_zone(L, arg, s, z, msg);
}

static void check_zone(lua_State *L, int arg, zone_t *z) {
  char msg[MSG_SIZE];
  luaL_checklstring(L, arg, NULL); /* a number becomes a string in place */
  if (!resolve_zone(L, arg, z, msg)) luaL_argerror(L, arg, msg);
}

static void check_civil(lua_State *L, int arg, civil_t *c) {
  size_t len;
  const char *s = luaL_checklstring(L, arg, &len);
  if (!parse_civil(s, len, c))
    luaL_argerror(L, arg,
                  lua_pushfstring(L,
                                  "bad time \"%s\" (expected a real date and "
                                  "time as YYYY-mm-dd HH:MM:SS)",
                                  s));
}

/* ------------------------------------------------------ offsets in a zone */

static long offset_at(const zone_t *z, int64_t t) {
  return z->fixed ? z->offset : (long)acr_tzfile_offset(z->file, t);
}

/* The result of reading a local time in a zone. */
typedef struct {
  int found;   /* how many instants have this local time: 0, 1 or 2+ */
  int64_t utc; /* the earliest of them */
  long offset; /* its offset */
  long later;  /* the offset of the latest one, when found > 1 */
  long before; /* offsets around a gap, for the message */
  long after;
} reading_t;

#define MAX_CANDIDATES 16
#define WINDOW (36 * 3600)
/* Transitions looked at in the window: real zones have a few at most; a
 * crafted file may have thousands. */
#define MAX_STEPS 64

/* Resolves `local` (naive seconds) in a zone. */
static void read_local(const zone_t *z, int64_t local, reading_t *r) {
  long cand[MAX_CANDIDATES];
  int ncand = 0;
  int64_t t = local - WINDOW;
  memset(r, 0, sizeof *r);
  /* Every offset in force from 36 hours before to 36 hours after: real
   * offsets lie within +-26 hours, so the instant looked for is in that
   * window. */
  r->before = offset_at(z, local - WINDOW);
  r->after = offset_at(z, local + WINDOW);
  for (int step = 0; step < MAX_STEPS; step++) {
    long off = offset_at(z, t);
    int seen = 0;
    int64_t next;
    for (int i = 0; i < ncand; i++)
      seen |= cand[i] == off;
    if (!seen && ncand < MAX_CANDIDATES) cand[ncand++] = off;
    if (z->fixed) break;
    next = acr_tzfile_next(z->file, t);
    if (next > local + WINDOW) break;
    t = next;
  }
  for (int i = 0; i < ncand; i++) {
    int64_t u = local - cand[i];
    if (offset_at(z, u) != cand[i]) continue;
    if (r->found == 0 || u < r->utc) {
      if (r->found) r->later = r->offset;
      r->utc = u;
      r->offset = cand[i];
    } else {
      r->later = cand[i];
    }
    r->found++;
  }
}

/* --------------------------------------------------------------- Lua API */

/* Resolves local time `c` in `z`; on success fills r and returns 1, else
 * pushes nil and a reason and returns 0. */
static int resolve_local(lua_State *L, const zone_t *z, const civil_t *c,
                         reading_t *r) {
  char when[TIME_LEN + 1], a[32], b[32];
  read_local(z, civil_to_seconds(c), r);
  if (r->found > 0) return 1;
  format_civil(c, when);
  format_offset(r->before, a, sizeof a);
  format_offset(r->after, b, sizeof b);
  lua_pushnil(L);
  lua_pushfstring(L,
                  "%s does not exist in %s (the clocks skip it: %s before, "
                  "%s after)",
                  when, z->name, a, b);
  return 0;
}

/* Pushes the ambiguity note for r, or nil. */
static void push_note(lua_State *L, const zone_t *z, const civil_t *c,
                      const reading_t *r) {
  char when[TIME_LEN + 1], a[32], b[32];
  if (r->found < 2) {
    lua_pushnil(L);
    return;
  }
  format_civil(c, when);
  format_offset(r->offset, a, sizeof a);
  format_offset(r->later, b, sizeof b);
  lua_pushfstring(L, "%s happens twice in %s (%s, then %s); the first was used",
                  when, z->name, a, b);
}

static int l_check(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  zone_t z;
  char msg[MSG_SIZE];
  if (!resolve_zone(L, 1, &z, msg)) {
    lua_pushnil(L);
    lua_pushstring(L, msg);
    return 2;
  }
  lua_pushstring(L, (len == 1 && s[0] == 'Z') ? "UTC" : s);
  return 1;
}

/* What utc_offset, timeoffset and to_utc answer about a local time. */
typedef enum { LOCAL_OFFSET, LOCAL_TIMEOFFSET, LOCAL_UTC } local_answer;

/* The zone at 1, a local time at 2: pushes the answer, then the ambiguity
 * note, or nil and why when the local time does not exist. */
static int answer_local(lua_State *L, local_answer what) {
  zone_t z;
  civil_t c, u;
  reading_t r;
  char out[TIME_LEN + 1];
  long off;
  int n = 1;
  check_zone(L, 1, &z);
  check_civil(L, 2, &c);
  if (!resolve_local(L, &z, &c, &r)) return 2;
  switch (what) {
  case LOCAL_OFFSET: lua_pushinteger(L, r.offset); break;
  case LOCAL_TIMEOFFSET:
    /* The API's timeoffset: minutes, with the sign of (UTC - local).
     * Offsets that are not whole minutes are rounded to the nearest one. */
    off = r.offset >= 0 ? (r.offset + 30) / 60 : -((-r.offset + 30) / 60);
    lua_pushinteger(L, -off);
    break;
  case LOCAL_UTC:
    seconds_to_civil(r.utc, &u);
    format_civil(&u, out);
    lua_pushstring(L, out);
    lua_pushinteger(L, r.offset);
    n = 2;
    break;
  }
  push_note(L, &z, &c, &r);
  return n + 1;
}

static int l_utc_offset(lua_State *L) {
  return answer_local(L, LOCAL_OFFSET);
}

static int l_timeoffset(lua_State *L) {
  return answer_local(L, LOCAL_TIMEOFFSET);
}

static int l_to_utc(lua_State *L) {
  return answer_local(L, LOCAL_UTC);
}

static int l_to_local(lua_State *L) {
  zone_t z;
  civil_t c, l;
  int64_t t;
  long off = 0;
  char out[TIME_LEN + 1];
  check_zone(L, 1, &z);
  if (lua_type(L, 2) == LUA_TNUMBER) {
    lua_Integer i;
    if (!lua_isinteger(L, 2)) {
      lua_Number n = lua_tonumber(L, 2);
      if (n != n || n < -1e15 || n > 1e15 || (lua_Number)(int64_t)n != n)
        luaL_argerror(L, 2, "epoch seconds must be a whole number");
      i = (lua_Integer)n;
    } else {
      i = lua_tointeger(L, 2);
    }
    t = (int64_t)i;
  } else {
    check_civil(L, 2, &c);
    t = civil_to_seconds(&c);
  }
  /* Years 1..9999 on both sides keep every value well inside time_t. */
  if (t < -62135596800LL || t > 253402300799LL)
    luaL_argerror(L, 2, "time out of range (years 1 to 9999)");
  off = offset_at(&z, t);
  seconds_to_civil(t + off, &l);
  if (l.year < 1 || l.year > 9999)
    luaL_argerror(L, 2, "local time out of range (years 1 to 9999)");
  format_civil(&l, out);
  lua_pushstring(L, out);
  lua_pushinteger(L, off);
  return 2;
}

static int zone_gc(lua_State *L) {
  acr_tzfile_free(luaL_checkudata(L, 1, ZONE_META));
  return 0;
}

int luaopen_acrcloud_tz(lua_State *L) {
  static const luaL_Reg funcs[] = {
      {"check", l_check},           {"utc_offset", l_utc_offset},
      {"timeoffset", l_timeoffset}, {"to_utc", l_to_utc},
      {"to_local", l_to_local},     {NULL, NULL}};
  if (luaL_newmetatable(L, ZONE_META)) {
    lua_pushcfunction(L, zone_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  luaL_newlibtable(L, funcs);
  lua_newtable(L); /* the zone cache: path -> zone userdata */
  luaL_setfuncs(L, funcs, 1);
  return 1;
}
