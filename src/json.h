/*
 * JSON through lua-cjson, with the traps of Debian's cjson 2.1.0 on Lua 5.4
 * handled here and nowhere else:
 *  - whole numbers decode as floats: they come back as Lua integers, and
 *    integers too long for a double (more than 15 digits) keep every digit;
 *  - there is no empty array: tables marked as arrays (acr_json_mark_array,
 *    `acrcloud.array`) and empty arrays the server sent encode as [];
 *  - numbers encode with 14 significant digits: integers and floats go out
 *    exactly (%lld, %.17g).
 * JSON null is cjson's null (`acrcloud.null`) both ways.
 */
#ifndef ACRCLOUD_JSON_H
#define ACRCLOUD_JSON_H

#include <lua.h>

/* Loads a private cjson instance into the registry. Raises if cjson is
 * missing. */
void acr_json_open(lua_State *L);

/* Pushes the JSON text of the value at idx. Raises (a misuse) on values JSON
 * cannot hold: functions, NaN, mixed or sparse tables, cycles. */
void acr_json_encode(lua_State *L, int idx);

/* Pushes the decoded value and returns 1, or pushes an error message and
 * returns 0. */
int acr_json_decode(lua_State *L, const char *text, size_t len);

/* Gives the table at idx the metatable that marks JSON arrays. */
void acr_json_mark_array(lua_State *L, int idx);

/* Pushes cjson's null. */
void acr_json_push_null(lua_State *L);

#endif
