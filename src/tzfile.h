/*
 * A reader of the tz database's binary zone files (TZif, RFC 8536 and
 * tzfile(5), versions 1 to 4), and the offsets they give. Plain C with no
 * Lua and no global state: a parsed zone is a value that can be shared by
 * threads for reading.
 */
#ifndef ACR_TZFILE_H
#define ACR_TZFILE_H

#include <stddef.h>
#include <stdint.h>

/* A date of a POSIX TZ rule and the local time of day of the change. */
typedef struct {
  char kind;    /* 'J': Julian day 1-365 without Feb 29; 'D': day 0-365;
                   'M': day `weekday` of week `week` of `month` */
  int day;      /* for 'J' and 'D' */
  int month;    /* 1-12, for 'M' */
  int week;     /* 1-5 (5: the last), for 'M' */
  int weekday;  /* 0 (Sunday) to 6, for 'M' */
  int32_t time; /* seconds after local midnight: -167 to +167 hours */
} acr_tz_date;

/* The footer's rule: standard time, and daylight saving time if any. */
typedef struct {
  int32_t std_off; /* seconds east of UTC */
  int32_t dst_off;
  int has_dst;
  acr_tz_date start; /* standard -> daylight, in standard local time */
  acr_tz_date end;   /* daylight -> standard, in daylight local time */
} acr_tz_rule;

typedef struct {
  size_t ntrans;             /* transitions, ascending */
  int64_t *trans;            /* instants (seconds since the epoch, UTC) */
  unsigned char *trans_type; /* the type in force from each transition */
  size_t ntypes;
  int32_t *utoff;       /* each type's offset, seconds east of UTC */
  unsigned char *isdst; /* each type's DST flag */
  size_t first_type;    /* the type before the first transition */
  int has_rule;         /* the footer's rule governs after the last one */
  acr_tz_rule rule;
  void *block; /* the one allocation holding the arrays */
} acr_tzfile;

#define ACR_TZFILE_ERR_SIZE 160

/* Parses a whole zone file. 0 on success (free with acr_tzfile_free), or -1
 * with a reason in `err` and nothing to free. Never reads outside
 * data[0..len). */
int acr_tzfile_parse(const unsigned char *data, size_t len, acr_tzfile *tz,
                     char err[ACR_TZFILE_ERR_SIZE]);
void acr_tzfile_free(acr_tzfile *tz);

/* Parses a POSIX TZ string as found in a TZif footer (with the version 3
 * extension: transition times from -167 to 167 hours). 0 or -1. */
int acr_tz_rule_parse(const char *s, size_t len, acr_tz_rule *rule);

/* The offset (seconds east of UTC) in force at instant t. */
int32_t acr_tzfile_offset(const acr_tzfile *tz, int64_t t);

/* The first instant after t at which the zone's type may change, or
 * INT64_MAX if there is none. */
int64_t acr_tzfile_next(const acr_tzfile *tz, int64_t t);

/* The proleptic Gregorian calendar, counted in days since 1970-01-01. Valid
 * for years within +-1,000,000. */
int64_t acr_days_from_civil(int64_t year, int month, int day);
void acr_civil_from_days(int64_t days, int64_t *year, int *month, int *day);

#endif
