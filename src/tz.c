/*
 * acrcloud.tz: time-zone arithmetic from the system's tz database.
 *
 * Zones are either fixed offsets ("UTC", "Z", "+08:00", "-05:30") or IANA
 * names ("Europe/Berlin") that must exist as a TZif file under $TZDIR or
 * /usr/share/zoneinfo. glibc quietly treats an unknown TZ as UTC, so names
 * are checked here before they are used.
 *
 * For a named zone the C library does the work: TZ is pointed at the zone
 * file, tzset() reloads it, localtime_r() answers, and the caller's TZ is put
 * back exactly as it was (unset if it was unset) before anything is pushed to
 * Lua or any error is raised.
 *
 * Local -> UTC does not rely on mktime()'s handling of tm_isdst = -1, which
 * differs between C libraries around transitions. Instead every offset in
 * force within a day and a half of the naive instant is a candidate; a
 * candidate is right when the zone really has that offset at (local - offset).
 * No right candidate: the local time fell in a gap (spring forward). Two: it
 * happens twice (fall back); the earlier instant is taken and the caller is
 * told.
 *
 * Lua API (times are "YYYY-mm-dd HH:MM:SS"; offsets in seconds east of UTC):
 *   tz.check(zone)              -> canonical zone | nil, reason
 *   tz.utc_offset(zone, local)  -> offset, note | nil, reason
 *   tz.timeoffset(zone, local)  -> minutes (the API's sign: UTC+8 is -480),
 *                                  note | nil, reason
 *   tz.to_utc(zone, local)      -> utc, offset, note | nil, reason
 *   tz.to_local(zone, utc)      -> local, offset  (utc: string or epoch)
 * `note` is nil, or a sentence saying the local time was ambiguous. A
 * malformed zone or time string raises an error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>

#include "acrcloud.h"

#define DEFAULT_TZDIR "/usr/share/zoneinfo"
#define MAX_ZONE_NAME 255
#define MAX_FIXED_OFFSET (18 * 3600)
#define MSG_SIZE 512
#define TIME_LEN 19 /* "YYYY-mm-dd HH:MM:SS" */

/* A zone after validation: either a fixed offset or a TZif file path. */
typedef struct {
  int fixed;       /* 1: `offset` applies at all times */
  long offset;     /* seconds east of UTC, when fixed */
  char path[4096]; /* absolute path of the zone file, when not fixed */
  char name[MAX_ZONE_NAME + 1]; /* the name as given (for messages) */
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

/* Days since 1970-01-01 of a proleptic Gregorian date. Counts in 400-year
 * eras starting on March 1st, so the leap day is the last day of a year. */
static int64_t days_from_civil(long year, int month, int day) {
  int64_t y = (int64_t)year - (month <= 2 ? 1 : 0);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t year_of_era = y - era * 400;
  int64_t month_from_march = month > 2 ? month - 3 : month + 9;
  int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
  int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

/* The inverse of days_from_civil. */
static void civil_from_days(int64_t days, civil_t *c) {
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t day_of_era = z - era * 146097;
  int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 -
                         day_of_era / 146096) /
                        365;
  int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  int64_t mp = (5 * day_of_year + 2) / 153;
  c->day = (int)(day_of_year - (153 * mp + 2) / 5 + 1);
  c->month = (int)(mp < 10 ? mp + 3 : mp - 9);
  c->year = (long)(year_of_era + era * 400 + (c->month <= 2 ? 1 : 0));
}

/* Seconds since the epoch of a civil time read as if it were UTC. */
static int64_t civil_to_seconds(const civil_t *c) {
  return days_from_civil(c->year, c->month, c->day) * 86400 +
         (int64_t)c->hour * 3600 + c->min * 60 + c->sec;
}

static void seconds_to_civil(int64_t t, civil_t *c) {
  int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
  int64_t rest = t - days * 86400;
  civil_from_days(days, c);
  c->hour = (int)(rest / 3600);
  c->min = (int)(rest % 3600 / 60);
  c->sec = (int)(rest % 60);
}

static void format_civil(const civil_t *c, char out[TIME_LEN + 1]) {
  snprintf(out, TIME_LEN + 1, "%04ld-%02d-%02d %02d:%02d:%02d", c->year,
           c->month, c->day, c->hour, c->min, c->sec);
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

/* Fills `z` or writes a reason into `msg` and returns 0. */
static int resolve_zone(const char *s, size_t len, zone_t *z, char *msg) {
  const char *dir = getenv("TZDIR");
  struct stat st;
  FILE *f;
  char magic[4];
  size_t got;

  memset(z, 0, sizeof *z);
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
    snprintf(z->name, sizeof z->name, "%s", s);
    return 1;
  }
  if (!plausible_name(s, len)) {
    snprintf(msg, MSG_SIZE,
             "bad time zone \"%.*s\" (expected a name such as "
             "Europe/Berlin, or UTC, Z, +08:00, -05:30)",
             len > 64 ? 64 : (int)len, s);
    return 0;
  }
  if (dir == NULL || dir[0] == '\0') dir = DEFAULT_TZDIR;
  if ((size_t)snprintf(z->path, sizeof z->path, "%s/%s", dir, s) >=
      sizeof z->path) {
    snprintf(msg, MSG_SIZE, "time zone directory path too long");
    return 0;
  }
  if (stat(z->path, &st) != 0 || !S_ISREG(st.st_mode)) {
    snprintf(msg, MSG_SIZE,
             "unknown time zone \"%.100s\" (no such zone under %.300s)", s,
             dir);
    return 0;
  }
  /* zone.tab, tzdata.zi and friends live in the same directory. */
  f = fopen(z->path, "rb");
  got = f ? fread(magic, 1, sizeof magic, f) : 0;
  if (f) fclose(f);
  if (got != sizeof magic || memcmp(magic, "TZif", 4) != 0) {
    snprintf(msg, MSG_SIZE,
             "unknown time zone \"%.100s\" (not a zone file under %.300s)", s,
             dir);
    return 0;
  }
  snprintf(z->name, sizeof z->name, "%s", s);
  return 1;
}

static void check_zone(lua_State *L, int arg, zone_t *z) {
  size_t len;
  const char *s = luaL_checklstring(L, arg, &len);
  char msg[MSG_SIZE];
  if (!resolve_zone(s, len, z, msg)) luaL_argerror(L, arg, msg);
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

/* ------------------------------------------------- the C library, scoped */

/* The caller's TZ, kept while a zone is switched in. */
typedef struct {
  char *saved; /* malloc'd copy, or NULL if TZ was unset */
} tz_scope;

static int scope_enter(tz_scope *sc, const zone_t *z) {
  const char *old = getenv("TZ");
  char value[sizeof z->path + 1];
  sc->saved = NULL;
  if (old != NULL) {
    sc->saved = malloc(strlen(old) + 1);
    if (sc->saved == NULL) return 0;
    strcpy(sc->saved, old);
  }
  /* A leading ':' makes glibc read the file and never parse a POSIX rule. */
  snprintf(value, sizeof value, ":%s", z->path);
  if (setenv("TZ", value, 1) != 0) {
    free(sc->saved);
    sc->saved = NULL;
    return 0;
  }
  tzset();
  return 1;
}

static void scope_leave(tz_scope *sc) {
  if (sc->saved != NULL)
    setenv("TZ", sc->saved, 1);
  else
    unsetenv("TZ");
  tzset();
  free(sc->saved);
  sc->saved = NULL;
}

/* The zone's offset at instant t, inside a scope. 0 on failure. */
static int offset_at(int64_t t, long *offset) {
  time_t tt = (time_t)t;
  struct tm tm;
  civil_t c;
  if ((int64_t)tt != t || localtime_r(&tt, &tm) == NULL) return 0;
  c.year = (long)tm.tm_year + 1900;
  c.month = tm.tm_mon + 1;
  c.day = tm.tm_mday;
  c.hour = tm.tm_hour;
  c.min = tm.tm_min;
  c.sec = tm.tm_sec > 59 ? 59 : tm.tm_sec;
  *offset = (long)(civil_to_seconds(&c) - t);
  return 1;
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

/* Resolves `local` (naive seconds) in a named zone, inside a scope. */
static int read_local(int64_t local, reading_t *r) {
  long cand[MAX_CANDIDATES];
  int ncand = 0;
  memset(r, 0, sizeof *r);
  /* Offsets in force from 36 hours before to 36 hours after, every 3 hours:
   * real offsets lie within +-18 hours, so the instant we look for is in
   * that window and every offset it could have is sampled unless two
   * transitions fall within 3 hours of each other. */
  for (int k = -12; k <= 12; k++) {
    long off;
    int seen = 0;
    if (!offset_at(local + (int64_t)k * 3 * 3600, &off)) return 0;
    if (k == -12) r->before = off;
    if (k == 12) r->after = off;
    for (int i = 0; i < ncand; i++)
      seen |= cand[i] == off;
    if (!seen && ncand < MAX_CANDIDATES) cand[ncand++] = off;
  }
  for (int i = 0; i < ncand; i++) {
    int64_t t = local - cand[i];
    long actual;
    if (!offset_at(t, &actual)) return 0;
    if (actual != cand[i]) continue;
    if (r->found == 0 || t < r->utc) {
      if (r->found) r->later = r->offset;
      r->utc = t;
      r->offset = cand[i];
    } else {
      r->later = cand[i];
    }
    r->found++;
  }
  return 1;
}

/* --------------------------------------------------------------- Lua API */

/* Resolves local time `c` in `z`; on success fills r and returns 1, else
 * pushes nil and a reason and returns 0. Raises only for system failures,
 * after TZ has been restored. */
static int resolve_local(lua_State *L, const zone_t *z, const civil_t *c,
                         reading_t *r) {
  int64_t local = civil_to_seconds(c);
  tz_scope sc;
  int ok;
  char when[TIME_LEN + 1], a[32], b[32];
  if (z->fixed) {
    memset(r, 0, sizeof *r);
    r->found = 1;
    r->offset = z->offset;
    r->utc = local - z->offset;
    return 1;
  }
  if (!scope_enter(&sc, z)) luaL_error(L, "cannot set TZ: out of memory");
  ok = read_local(local, r);
  scope_leave(&sc);
  if (!ok) luaL_error(L, "time out of range for the C library");
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
  if (!resolve_zone(s, len, &z, msg)) {
    lua_pushnil(L);
    lua_pushstring(L, msg);
    return 2;
  }
  lua_pushstring(L, (len == 1 && s[0] == 'Z') ? "UTC" : s);
  return 1;
}

static int l_utc_offset(lua_State *L) {
  zone_t z;
  civil_t c;
  reading_t r;
  check_zone(L, 1, &z);
  check_civil(L, 2, &c);
  if (!resolve_local(L, &z, &c, &r)) return 2;
  lua_pushinteger(L, r.offset);
  push_note(L, &z, &c, &r);
  return 2;
}

/* The API's timeoffset: minutes, with the sign of (UTC - local). Offsets
 * that are not whole minutes are rounded to the nearest minute. */
static int l_timeoffset(lua_State *L) {
  zone_t z;
  civil_t c;
  reading_t r;
  long off;
  check_zone(L, 1, &z);
  check_civil(L, 2, &c);
  if (!resolve_local(L, &z, &c, &r)) return 2;
  off = r.offset >= 0 ? (r.offset + 30) / 60 : -((-r.offset + 30) / 60);
  lua_pushinteger(L, -off);
  push_note(L, &z, &c, &r);
  return 2;
}

static int l_to_utc(lua_State *L) {
  zone_t z;
  civil_t c, u;
  reading_t r;
  char out[TIME_LEN + 1];
  check_zone(L, 1, &z);
  check_civil(L, 2, &c);
  if (!resolve_local(L, &z, &c, &r)) return 2;
  seconds_to_civil(r.utc, &u);
  format_civil(&u, out);
  lua_pushstring(L, out);
  lua_pushinteger(L, r.offset);
  push_note(L, &z, &c, &r);
  return 3;
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
  if (z.fixed) {
    off = z.offset;
  } else {
    tz_scope sc;
    int ok;
    if (!scope_enter(&sc, &z)) luaL_error(L, "cannot set TZ: out of memory");
    ok = offset_at(t, &off);
    scope_leave(&sc);
    if (!ok) luaL_error(L, "time out of range for the C library");
  }
  seconds_to_civil(t + off, &l);
  if (l.year < 1 || l.year > 9999)
    luaL_argerror(L, 2, "local time out of range (years 1 to 9999)");
  format_civil(&l, out);
  lua_pushstring(L, out);
  lua_pushinteger(L, off);
  return 2;
}

int luaopen_acrcloud_tz(lua_State *L) {
  static const luaL_Reg funcs[] = {
      {"check", l_check},           {"utc_offset", l_utc_offset},
      {"timeoffset", l_timeoffset}, {"to_utc", l_to_utc},
      {"to_local", l_to_local},     {NULL, NULL}};
  luaL_newlib(L, funcs);
  return 1;
}
