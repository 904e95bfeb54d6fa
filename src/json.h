/*
 * The JSON codec: every JSON text the module reads or writes goes through
 * here (the client's bodies, acrcloud.encode/decode, and through those the
 * emulator and the scripts). No in-band markers: no string, whatever its
 * bytes, changes the structure of a text or decodes as anything but itself.
 *
 * Decoding (RFC 8259, strict, but a leading UTF-8 BOM is skipped and the
 * bytes of strings are kept as sent):
 *  - whole numbers in [-2^63, 2^63-1] become integers with every digit,
 *    also when written 1.0, 1e2 or 1.5e1; other numbers become floats;
 *  - null is acrcloud.null (a light userdata NULL, as cjson's null);
 *  - an empty array is an empty table marked with acrcloud.array, so that it
 *    goes back out as []; non-empty arrays are plain sequences;
 *  - nesting deeper than ACR_JSON_MAX_DEPTH is an error.
 * Encoding: integers exactly; floats in the shortest of %.15g/%.16g/%.17g
 * that reads back the same (a whole float from 2^53 to 2^63 with its exact
 * digits, since it decodes as an integer); strings must be valid UTF-8;
 * tables are arrays (marked, or a sequence 1..n) or objects (string keys,
 * in table order, sorted, or listed first by a metatable's __jsonorder);
 * errors name the path of the value (`data[3].title`).
 */
#ifndef ACR_JSON_H
#define ACR_JSON_H

#include <lua.h>

/* Containers nested deeper than this are an error both ways. */
#define ACR_JSON_MAX_DEPTH 128

/* The name of the metatable that marks arrays, in the registry. */
#define ACR_JSON_ARRAY_MT "acrcloud.array"

/* Encoding options; all zero is the default. */
typedef struct acr_json_enc {
  const char *context; /* prefixes errors: "create_base_project: ..." */
  const char *root;    /* the value's name in error paths ("body"), or NULL */
  int sort_keys; /* plain objects' keys in byte order (else table order) */
} acr_json_enc;

/* Sets up the codec's state in the registry (idempotent). */
void acr_json_open(lua_State *L);

/* Pushes the JSON text of the value at idx. Raises (a misuse) on values JSON
 * cannot hold, naming the path: NaN, infinities, strings that are not UTF-8,
 * functions and other userdata, mixed or sparse tables, cycles, depth.
 * opts may be NULL. Runs no Lua code (raw access only). */
void acr_json_encode(lua_State *L, int idx, const acr_json_enc *opts);

/* Pushes the decoded value and returns 1, or pushes an error message (with
 * the byte offset, from 1) and returns 0. Raises only on memory errors. */
int acr_json_decode(lua_State *L, const char *text, size_t len);

/* Gives the table at idx the metatable that marks JSON arrays. */
void acr_json_mark_array(lua_State *L, int idx);

/* Gives the table at idx a metatable whose __jsonorder is the list of keys at
 * order_idx (0: none, every key sorted), so that it encodes as an object
 * with those keys first, in that order, then the others sorted. The
 * metatable is shared per order table. Raises if the list holds a non-string.
 */
void acr_json_mark_object(lua_State *L, int idx, int order_idx);

/* Pushes JSON null (a light userdata NULL). */
void acr_json_push_null(lua_State *L);

#endif
