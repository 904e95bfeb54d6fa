/*
 * The endpoint table: every Console API operation described once, as data.
 * The Lua methods, argument checking, `acrcloud.operations`, the emulator's
 * routes and the API reference are all derived from it.
 */
#ifndef ACR_ENDPOINTS_H
#define ACR_ENDPOINTS_H

#include <stddef.h>

/* Where a parameter goes. */
typedef enum {
  ACR_IN_PATH,   /* substituted into {name} in the path, percent-encoded; a
                    list is joined with commas */
  ACR_IN_QUERY,  /* ?name=value */
  ACR_IN_BODY,   /* a field of the JSON body (a form field in multipart) */
  ACR_IN_FILE,   /* a path: the file is sent as a multipart part, streamed */
  ACR_IN_HOST,   /* fills {name} in the endpoint's host (a region) */
  ACR_IN_SECRET, /* used to sign the request, never sent */
  ACR_IN_OUTPUT  /* raw responses: write the bytes to this path */
} acr_location;

/* How the request body goes. */
typedef enum {
  ACR_BODY_JSON,     /* JSON, when there are body fields */
  ACR_BODY_MULTIPART /* multipart/form-data when a file parameter is given,
                        JSON otherwise */
} acr_body_kind;

/* What the response holds. */
typedef enum {
  ACR_RESPONSE_JSON,
  ACR_RESPONSE_RAW /* bytes (audio, PDF): returned as a string or written to
                      the output parameter's path */
} acr_response_kind;

typedef enum {
  ACR_AUTH_BEARER, /* Authorization: Bearer <token> */
  ACR_AUTH_SIGNED  /* the Identification API: HMAC-SHA1 form fields */
} acr_auth;

/* Accepted Lua types, as a bit set. */
enum {
  ACR_T_STRING = 1u << 0,
  ACR_T_INTEGER =
      1u << 1, /* a Lua integer, or a float with an integral value */
  ACR_T_BOOLEAN = 1u << 3,
  ACR_T_ARRAY = 1u << 4,  /* a sequence; an empty one is sent as [] */
  ACR_T_OBJECT = 1u << 5, /* a table with string keys */
  ACR_T_ID = ACR_T_INTEGER | ACR_T_STRING
};

typedef struct acr_param {
  const char *name;
  acr_location in;
  unsigned types;
  int required;
  /* The value sent when the caller gives none, or NULL; for optional
   * parameters only (a required one must be given). */
  const char *fallback;
  const char *doc;
  /* The allowed values as the text sent (integers written out: "0"), a
   * NULL-terminated list, or NULL for any. A list value (an array, or a
   * string of a type that also takes an array) is checked element by
   * element; a comma string is split. */
  const char *const *values;
  /* Where the API is known to accept more than the docs list: why. The
   * values are then documented and offered, but not enforced. NULL: the
   * client refuses a value outside `values` before sending. */
  const char *open;
  /* A date or time shape, e.g. "YYYY-MM-DD", "YYYYmmdd", alternatives
   * separated by '|' ("YYYY-MM-DD|YYYY-MM-DD HH:MM:SS"): each letter stands
   * for a digit, anything else for itself. NULL for any. */
  const char *format;
} acr_param;

typedef struct acr_endpoint {
  const char *name;   /* verb_noun, the Lua method name */
  const char *method; /* GET, POST, PUT, PATCH, DELETE */
  const char *host;   /* base URL used instead of the default one, or NULL */
  const char *path; /* template relative to the base URL: /base-projects/{id} */
  const char *area; /* group in the docs: "Base projects", ... */
  const char *summary; /* one line */
  int paginated;       /* answers with data/links/meta (or a flat paginator) */
  const acr_param *params; /* terminated by an entry with name == NULL */
  acr_body_kind body;
  acr_response_kind response;
  acr_auth auth;
  /* With a {region} host: the parameter naming the file-scanning container
   * whose region fills it when no region is given. */
  const char *region_from;
  const char *source; /* the entry's name in shared/api/endpoints.json */
  const char *note;   /* why the method or path differ from it, or a choice */
} acr_endpoint;

/* Inventory entries deliberately left out of the table, with the reason. */
typedef struct acr_omission {
  const char *source;
  const char *reason;
} acr_omission;

extern const acr_omission acr_omissions[];
extern const size_t acr_omission_count;

extern const acr_endpoint acr_endpoints[];
extern const size_t acr_endpoint_count;

/* The endpoint of that name, or NULL. */
const acr_endpoint *acr_endpoint_find(const char *name);

/* "path", "query", "body" */
const char *acr_location_name(acr_location in);

#endif
