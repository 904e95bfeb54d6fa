/*
 * TZif files (RFC 8536, tzfile(5)) and POSIX TZ rules, read without the C
 * library's time-zone machinery (no TZ, no tzset, no global state).
 *
 * A file holds a version 1 data block with 32-bit times and, from version
 * 2 on, a second header and block with 64-bit times followed by a footer:
 * a POSIX TZ string that governs times after the last transition. Only the
 * 64-bit block is used when there is one. Every count is checked against
 * the bytes that are really there before anything is read.
 *
 * Files with leap-second records (the "right/" zones) are refused: their
 * clock counts leap seconds, which no caller of this module expects.
 */
#include "tzfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_SIZE 44
/* RFC 8536: offsets are in [-89999, 93599] (about -25 to +26 hours). */
#define MIN_UTOFF (-89999)
#define MAX_UTOFF 93599
#define MAX_RULE_HOURS 167
#define MAX_OFFSET_HOURS 24
/* Years beyond +-34,000 are computed as if they were that far: keeps the
 * calendar arithmetic far from overflow for any 64-bit instant. */
#define RULE_T_LIMIT ((int64_t)1 << 40)

/* ------------------------------------------------------------- calendar */

static int is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Counts in 400-year eras starting on March 1st, so that the leap day is
 * the last day of a year. */
int64_t acr_days_from_civil(int64_t year, int month, int day) {
  int64_t y = year - (month <= 2 ? 1 : 0);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t year_of_era = y - era * 400;
  int64_t month_from_march = month > 2 ? month - 3 : month + 9;
  int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
  int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

void acr_civil_from_days(int64_t days, int64_t *year, int *month, int *day) {
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t day_of_era = z - era * 146097;
  int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 -
                         day_of_era / 146096) /
                        365;
  int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  int64_t mp = (5 * day_of_year + 2) / 153;
  *day = (int)(day_of_year - (153 * mp + 2) / 5 + 1);
  *month = (int)(mp < 10 ? mp + 3 : mp - 9);
  *year = year_of_era + era * 400 + (*month <= 2 ? 1 : 0);
}

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* ------------------------------------------------------- POSIX TZ rules */

typedef struct {
  const char *s;
  size_t len, pos;
} cursor;

static int peek(const cursor *c) {
  return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

static int is_digit(int ch) {
  return ch >= '0' && ch <= '9';
}
static int is_alpha(int ch) {
  return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

/* A zone abbreviation: three or more letters, or <...> of letters, digits,
 * '+' and '-'. Its text is not kept. */
static int parse_name(cursor *c) {
  size_t start;
  if (peek(c) == '<') {
    start = ++c->pos;
    while (is_alpha(peek(c)) || is_digit(peek(c)) || peek(c) == '+' ||
           peek(c) == '-')
      c->pos++;
    if (peek(c) != '>' || c->pos - start < 3) return 0;
    c->pos++;
    return 1;
  }
  start = c->pos;
  while (is_alpha(peek(c)))
    c->pos++;
  return c->pos - start >= 3;
}

/* One to `max_digits` decimal digits. */
static int parse_number(cursor *c, int max_digits, int *value) {
  int n = 0, v = 0;
  while (n < max_digits && is_digit(peek(c))) {
    v = v * 10 + (peek(c) - '0');
    c->pos++;
    n++;
  }
  *value = v;
  return n > 0 && !is_digit(peek(c));
}

/* [+-]hh[:mm[:ss]] with hh up to max_hours: seconds, signed as written. */
static int parse_hms(cursor *c, int max_hours, int32_t *seconds) {
  int sign = 1, h, m = 0, s = 0;
  if (peek(c) == '+' || peek(c) == '-') {
    sign = peek(c) == '-' ? -1 : 1;
    c->pos++;
  }
  if (!parse_number(c, 3, &h) || h > max_hours) return 0;
  if (peek(c) == ':') {
    c->pos++;
    if (!parse_number(c, 2, &m) || m > 59) return 0;
    if (peek(c) == ':') {
      c->pos++;
      if (!parse_number(c, 2, &s) || s > 59) return 0;
    }
  }
  *seconds = sign * (h * 3600 + m * 60 + s);
  return 1;
}

/* Jn, n or Mm.w.d, then an optional /time (default 02:00:00). */
static int parse_date(cursor *c, acr_tz_date *d) {
  memset(d, 0, sizeof *d);
  if (peek(c) == 'J') {
    c->pos++;
    d->kind = 'J';
    if (!parse_number(c, 3, &d->day) || d->day < 1 || d->day > 365) return 0;
  } else if (peek(c) == 'M') {
    c->pos++;
    d->kind = 'M';
    if (!parse_number(c, 2, &d->month) || d->month < 1 || d->month > 12)
      return 0;
    if (peek(c) != '.') return 0;
    c->pos++;
    if (!parse_number(c, 1, &d->week) || d->week < 1 || d->week > 5) return 0;
    if (peek(c) != '.') return 0;
    c->pos++;
    if (!parse_number(c, 1, &d->weekday) || d->weekday > 6) return 0;
  } else {
    d->kind = 'D';
    if (!parse_number(c, 3, &d->day) || d->day > 365) return 0;
  }
  d->time = 2 * 3600;
  if (peek(c) == '/') {
    c->pos++;
    if (!parse_hms(c, MAX_RULE_HOURS, &d->time)) return 0;
  }
  return 1;
}

int acr_tz_rule_parse(const char *s, size_t len, acr_tz_rule *rule) {
  cursor c = {s, len, 0};
  int32_t off;
  memset(rule, 0, sizeof *rule);
  /* POSIX offsets count west of UTC; ours count east. */
  if (!parse_name(&c) || !parse_hms(&c, MAX_OFFSET_HOURS, &off)) return 0;
  rule->std_off = -off;
  if (peek(&c) < 0) return 1;
  if (!parse_name(&c)) return 0;
  rule->has_dst = 1;
  rule->dst_off = rule->std_off + 3600;
  if (peek(&c) != ',' && peek(&c) >= 0) {
    if (!parse_hms(&c, MAX_OFFSET_HOURS, &off)) return 0;
    rule->dst_off = -off;
  }
  if (peek(&c) < 0) {
    /* No dates: the C library's default, the United States' rule. */
    rule->start = (acr_tz_date){'M', 0, 3, 2, 0, 2 * 3600};
    rule->end = (acr_tz_date){'M', 0, 11, 1, 0, 2 * 3600};
    return 1;
  }
  if (peek(&c) != ',') return 0;
  c.pos++;
  if (!parse_date(&c, &rule->start) || peek(&c) != ',') return 0;
  c.pos++;
  if (!parse_date(&c, &rule->end)) return 0;
  return peek(&c) < 0;
}

/* The day (since the epoch) that date `d` falls on in year `y`. */
static int64_t rule_day(const acr_tz_date *d, int64_t y) {
  int64_t jan1 = acr_days_from_civil(y, 1, 1);
  int64_t first, wd;
  int day;
  switch (d->kind) {
  case 'J': return jan1 + d->day - 1 + (is_leap(y) && d->day >= 60 ? 1 : 0);
  case 'D': return jan1 + d->day;
  default: break;
  }
  first = acr_days_from_civil(y, d->month, 1);
  wd = ((first % 7) + 7 + 4) % 7; /* 1970-01-01 was a Thursday */
  day = (int)((d->weekday - wd + 7) % 7) + (d->week - 1) * 7;
  if (day >= month_days(y, d->month)) day -= 7; /* week 5: the last */
  return first + day;
}

typedef struct {
  int64_t at;
  int to_dst;
} change;

#define RULE_CHANGES 8

/* The rule's changes in the four years around t, in order of time. */
static void rule_changes(const acr_tz_rule *r, int64_t t,
                         change out[RULE_CHANGES]) {
  int64_t year, clamped = t;
  int month, day, n = 0;
  if (clamped > RULE_T_LIMIT) clamped = RULE_T_LIMIT;
  if (clamped < -RULE_T_LIMIT) clamped = -RULE_T_LIMIT;
  acr_civil_from_days(floor_div(clamped, 86400), &year, &month, &day);
  for (int64_t y = year - 1; y <= year + 2; y++) {
    out[n].at = rule_day(&r->start, y) * 86400 + r->start.time - r->std_off;
    out[n++].to_dst = 1;
    out[n].at = rule_day(&r->end, y) * 86400 + r->end.time - r->dst_off;
    out[n++].to_dst = 0;
  }
  /* Insertion sort, stable: when one year's end meets the next year's start
   * (DST all year round) the start comes last and wins. */
  for (int i = 1; i < RULE_CHANGES; i++) {
    change x = out[i];
    int j = i;
    while (j > 0 && out[j - 1].at > x.at) {
      out[j] = out[j - 1];
      j--;
    }
    out[j] = x;
  }
}

static int32_t rule_offset(const acr_tz_rule *r, int64_t t) {
  change ch[RULE_CHANGES];
  int dst;
  if (!r->has_dst) return r->std_off;
  rule_changes(r, t, ch);
  dst = !ch[0].to_dst;
  for (int i = 0; i < RULE_CHANGES && ch[i].at <= t; i++)
    dst = ch[i].to_dst;
  return dst ? r->dst_off : r->std_off;
}

static int64_t rule_next(const acr_tz_rule *r, int64_t t) {
  change ch[RULE_CHANGES];
  if (!r->has_dst) return INT64_MAX;
  rule_changes(r, t, ch);
  for (int i = 0; i < RULE_CHANGES; i++)
    if (ch[i].at > t) return ch[i].at;
  return INT64_MAX;
}

/* -------------------------------------------------------------- lookups */

/* The number of transitions at or before t. */
static size_t count_upto(const acr_tzfile *tz, int64_t t) {
  size_t lo = 0, hi = tz->ntrans;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (tz->trans[mid] <= t)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

int32_t acr_tzfile_offset(const acr_tzfile *tz, int64_t t) {
  size_t n;
  if (tz->ntrans == 0)
    return tz->has_rule ? rule_offset(&tz->rule, t) : tz->utoff[tz->first_type];
  n = count_upto(tz, t);
  if (n == 0) return tz->utoff[tz->first_type];
  if (n == tz->ntrans && tz->has_rule) return rule_offset(&tz->rule, t);
  return tz->utoff[tz->trans_type[n - 1]];
}

int64_t acr_tzfile_next(const acr_tzfile *tz, int64_t t) {
  size_t n = count_upto(tz, t);
  if (n < tz->ntrans) return tz->trans[n];
  return tz->has_rule ? rule_next(&tz->rule, t) : INT64_MAX;
}

/* -------------------------------------------------------------- parsing */

typedef struct {
  int version; /* 1, or 2 for any later version */
  uint64_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} header;

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         (uint32_t)p[3];
}

static int32_t be32s(const unsigned char *p) {
  uint32_t u = be32(p);
  return u <= INT32_MAX ? (int32_t)u : -(int32_t)(~u) - 1;
}

static int64_t be64s(const unsigned char *p) {
  uint64_t u = (uint64_t)be32(p) << 32 | be32(p + 4);
  return u <= INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

static int fail(char *err, const char *msg) {
  snprintf(err, ACR_TZFILE_ERR_SIZE, "%s", msg);
  return -1;
}

static int read_header(const unsigned char *data, size_t len, size_t at,
                       header *h, char *err) {
  const unsigned char *p = data + at;
  if (len - at < HEADER_SIZE) return fail(err, "truncated header");
  if (memcmp(p, "TZif", 4) != 0) return fail(err, "no TZif magic");
  if (p[4] == 0)
    h->version = 1;
  else if (p[4] >= '2' && p[4] <= '9')
    h->version = 2;
  else
    return fail(err, "unknown TZif version");
  h->isutcnt = be32(p + 20);
  h->isstdcnt = be32(p + 24);
  h->leapcnt = be32(p + 28);
  h->timecnt = be32(p + 32);
  h->typecnt = be32(p + 36);
  h->charcnt = be32(p + 40);
  return 0;
}

/* The size of the data block after header h, with times of `tsize` bytes,
 * if it fits in `room` bytes. Counts are below 2^32, so the sum fits in 64
 * bits. */
static int block_fits(const header *h, unsigned tsize, size_t room,
                      size_t *size) {
  uint64_t n = h->timecnt * tsize + h->timecnt + h->typecnt * 6 + h->charcnt +
               h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
  if (n > room) return 0;
  *size = (size_t)n;
  return 1;
}

/* Checks the counts of the block that will be used. */
static int check_counts(const header *h, char *err) {
  if (h->typecnt == 0) return fail(err, "no local time types");
  if (h->typecnt > 256) return fail(err, "more than 256 local time types");
  if (h->charcnt == 0) return fail(err, "no time zone abbreviations");
  if (h->isstdcnt != 0 && h->isstdcnt != h->typecnt)
    return fail(err, "standard/wall indicators do not match the types");
  if (h->isutcnt != 0 && h->isutcnt != h->typecnt)
    return fail(err, "UT/local indicators do not match the types");
  if (h->leapcnt != 0)
    return fail(err, "the file counts leap seconds (a right/ zone), "
                     "which is not supported");
  return 0;
}

/* Reads the transitions and types of a block (already known to fit). */
static int read_block(const unsigned char *p, const header *h, unsigned tsize,
                      acr_tzfile *tz, char *err) {
  size_t nt = (size_t)h->timecnt, ny = (size_t)h->typecnt;
  const unsigned char *idx = p + nt * tsize, *types = idx + nt;
  unsigned char *mem;
  /* int64 first, then int32, then bytes: every array is aligned. */
  mem = malloc(nt * 8 + ny * 4 + nt + ny);
  if (mem == NULL) return fail(err, "out of memory");
  tz->block = mem;
  tz->trans = (int64_t *)(void *)mem;
  tz->utoff = (int32_t *)(void *)(mem + nt * 8);
  tz->trans_type = mem + nt * 8 + ny * 4;
  tz->isdst = tz->trans_type + nt;
  tz->ntrans = nt;
  tz->ntypes = ny;
  for (size_t i = 0; i < nt; i++) {
    tz->trans[i] = tsize == 8 ? be64s(p + i * 8) : be32s(p + i * 4);
    if (i > 0 && tz->trans[i] <= tz->trans[i - 1])
      return fail(err, "transition times are not in ascending order");
    if (idx[i] >= ny) return fail(err, "a transition names a missing type");
    tz->trans_type[i] = idx[i];
  }
  for (size_t i = 0; i < ny; i++) {
    const unsigned char *t = types + i * 6;
    int32_t off = be32s(t);
    if (off < MIN_UTOFF || off > MAX_UTOFF)
      return fail(err, "a UTC offset is out of range");
    if (t[4] > 1) return fail(err, "a DST flag is neither 0 nor 1");
    if (t[5] >= h->charcnt)
      return fail(err, "an abbreviation index is out of range");
    tz->utoff[i] = off;
    tz->isdst[i] = t[4];
  }
  /* Before the first transition: the first standard-time type (as the C
   * library does; RFC 8536 says type 0, the same in every real file). */
  tz->first_type = 0;
  while (tz->first_type < ny && tz->isdst[tz->first_type])
    tz->first_type++;
  if (tz->first_type == ny) tz->first_type = 0;
  return 0;
}

/* The footer "\n<TZ string>\n" at data[at..len). */
static int read_footer(const unsigned char *data, size_t len, size_t at,
                       acr_tzfile *tz, char *err) {
  const unsigned char *start, *end;
  if (at >= len || data[at] != '\n')
    return fail(err, "the version 2+ footer is missing");
  start = data + at + 1;
  end = memchr(start, '\n', len - at - 1);
  if (end == NULL) return fail(err, "the footer has no closing newline");
  if (end == start) return 0; /* no rule: the last type stays in force */
  if (!acr_tz_rule_parse((const char *)start, (size_t)(end - start), &tz->rule))
    return fail(err, "the footer's TZ rule is malformed");
  if (tz->rule.std_off < MIN_UTOFF || tz->rule.std_off > MAX_UTOFF ||
      tz->rule.dst_off < MIN_UTOFF || tz->rule.dst_off > MAX_UTOFF)
    return fail(err, "the footer's UTC offset is out of range");
  tz->has_rule = 1;
  return 0;
}

int acr_tzfile_parse(const unsigned char *data, size_t len, acr_tzfile *tz,
                     char err[ACR_TZFILE_ERR_SIZE]) {
  header h;
  size_t at = 0, size;
  unsigned tsize = 4;
  memset(tz, 0, sizeof *tz);
  if (read_header(data, len, 0, &h, err) != 0) return -1;
  at = HEADER_SIZE;
  if (h.version >= 2) {
    /* Skip the 32-bit block; the 64-bit one after it is complete. */
    if (!block_fits(&h, 4, len - at, &size))
      return fail(err, "truncated version 1 data block");
    at += size;
    if (read_header(data, len, at, &h, err) != 0) {
      snprintf(err, ACR_TZFILE_ERR_SIZE, "second header: %s",
               len - at < HEADER_SIZE ? "truncated" : "bad magic or version");
      return -1;
    }
    at += HEADER_SIZE;
    tsize = 8;
  }
  if (check_counts(&h, err) != 0) return -1;
  if (!block_fits(&h, tsize, len - at, &size))
    return fail(err, "truncated data block");
  if (read_block(data + at, &h, tsize, tz, err) != 0 ||
      (h.version >= 2 && read_footer(data, len, at + size, tz, err) != 0)) {
    acr_tzfile_free(tz);
    return -1;
  }
  return 0;
}

void acr_tzfile_free(acr_tzfile *tz) {
  free(tz->block);
  memset(tz, 0, sizeof *tz);
}
