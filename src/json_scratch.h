/*
 * The codec's per-state scratch memory: the encoder's output text and the
 * keys of the objects it sorts, the decoder's unescaped strings. It is owned
 * by a userdata in the registry (freed by its __gc), so that nothing leaks
 * when a Lua error (out of memory) unwinds through the codec, and a call
 * does not malloc. The codec runs no Lua code, so one call at a time uses it.
 */
#ifndef ACR_JSON_SCRATCH_H
#define ACR_JSON_SCRATCH_H

#include <stddef.h>

#include <lua.h>

typedef struct acr_json_key {
  const char *s; /* a key string's bytes: the table holding it keeps them */
  size_t len;
  int used; /* emitted already (listed in __jsonorder) */
} acr_json_key;

typedef struct acr_json_scratch {
  char *text;
  size_t text_cap;
  acr_json_key *keys;
  size_t keys_cap;
} acr_json_scratch;

/* The state's scratch (created by acr_json_open). */
acr_json_scratch *acr_json_scratch_get(lua_State *L);

/* Makes room for at least `need` bytes of text (or `need` keys); raises
 * "not enough memory" on failure. The old contents are kept. */
void acr_json_scratch_text(lua_State *L, acr_json_scratch *s, size_t need);
void acr_json_scratch_keys(lua_State *L, acr_json_scratch *s, size_t need);

/* Gives back memory past a call's usual needs (a huge text once). */
void acr_json_scratch_trim(lua_State *L, acr_json_scratch *s);

#endif
