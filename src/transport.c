#include "transport.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "request.h"
#include "response.h"

/* Registry key of a weak-valued table: driver's transfers under way (light
 * userdata of the request) -> the request userdata, so that a finished
 * transfer can be handed back as its request. */
static const char key_running = 0;

/* The client of the request at idx, open, or raises. */
static acr_client *open_client(lua_State *L, int idx) {
  acr_request_push_client(L, idx);
  acr_client *c = acr_client_check(L, -1);
  lua_pop(L, 1);
  return c;
}

/* Checks that every file the request sends can be read. Returns 1, or 0
 * after leaving a file error as the request's outcome: nothing is sent. */
static int files_readable(acr_request *r) {
  const char *bad = r->spec.upload_file;
  FILE *f = bad ? fopen(bad, "rb") : NULL;
  if (f) fclose(f), bad = NULL;
  for (size_t i = 0; !bad && i < r->spec.part_count; i++) {
    const char *path = r->parts[i].file;
    if (!path) continue;
    if ((f = fopen(path, "rb")))
      fclose(f);
    else
      bad = path;
  }
  if (!bad) return 1;
  acr_transfer_free(&r->xfer);
  r->xfer.result = ACR_HTTP_FILE;
  snprintf(r->xfer.error, sizeof r->xfer.error, "cannot read '%s': %s", bad,
           strerror(errno));
  r->xfer.sent = 0;
  return 0;
}

/* Starts request r of client c. Returns 1 when it runs, 0 when it ended
 * before anything was sent (its outcome says why). */
static int start(lua_State *L, acr_request *r, acr_client *c) {
  if (r->xfer.state != ACR_TRANSFER_IDLE)
    return luaL_error(L, "acrcloud: the request is already under way");
  if (!files_readable(r)) return 0;
  r->spec.token = r->bearer ? c->token : NULL;
  r->xfer.owner = r;
  return acr_transfer_start(c->driver, &r->xfer, &r->spec) == ACR_HTTP_OK;
}

int acr_transport_send(lua_State *L, int idx) {
  acr_request *r = acr_request_check(L, idx);
  acr_client *c = open_client(L, idx);
  if (start(L, r, c)) {
    while (r->xfer.state == ACR_TRANSFER_RUNNING)
      acr_driver_run(c->driver, 1000);
    acr_transfer_settle(&r->xfer);
  }
  return acr_response_push(L, idx);
}

/* core.send(request) -> body, response | nil, err: one request, waited for.
 * Transfers of a batch under way go on meanwhile. */
static int l_send(lua_State *L) {
  return acr_transport_send(L, 1);
}

static void push_running(lua_State *L) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &key_running) == LUA_TTABLE) return;
  lua_pop(L, 1);
  lua_newtable(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &key_running);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &key_running);
}

/* core.start(request) -> true when it runs, false when it already ended
 * (core.result tells how). */
static int l_start(lua_State *L) {
  acr_request *r = acr_request_check(L, 1);
  int running = start(L, r, open_client(L, 1));
  if (running) {
    push_running(L);
    lua_pushvalue(L, 1);
    lua_rawsetp(L, -2, r);
  }
  lua_pushboolean(L, running);
  return 1;
}

/* core.wait(client, seconds) -> {request, ...}: the requests that finished
 * within that time (at most; less as soon as one finishes). */
static int l_wait(lua_State *L) {
  acr_client *c = acr_client_check(L, 1);
  lua_Number s = luaL_checknumber(L, 2);
  long ms = s <= 0 ? 0 : s > 86400 ? 86400000L : (long)(s * 1000);
  if (acr_driver_running(c->driver))
    acr_driver_run(c->driver, ms);
  else
    acr_http_sleep((double)ms / 1000.0); /* retries waiting their time */
  push_running(L);
  lua_newtable(L);
  int n = 0;
  acr_transfer *t;
  while ((t = acr_driver_next_done(c->driver))) {
    if (lua_rawgetp(L, -2, t->owner) != LUA_TUSERDATA) {
      lua_pop(L, 1); /* a single send's, collected by it */
      continue;
    }
    lua_rawseti(L, -2, ++n);
    lua_pushnil(L);
    lua_rawsetp(L, -3, t->owner);
  }
  return 1;
}

/* core.result(request) -> body, response | nil, err */
static int l_result(lua_State *L) {
  acr_request *r = acr_request_check(L, 1);
  if (r->xfer.state == ACR_TRANSFER_RUNNING)
    return luaL_error(L, "acrcloud: the request is still under way");
  acr_transfer_settle(&r->xfer);
  push_running(L);
  lua_pushnil(L);
  lua_rawsetp(L, -2, r);
  lua_pop(L, 1);
  return acr_response_push(L, 1);
}

/* core.abort(request): stops it if it runs; its outcome is "interrupted". */
static int l_abort(lua_State *L) {
  acr_request *r = acr_request_check(L, 1);
  acr_transfer_settle(&r->xfer);
  push_running(L);
  lua_pushnil(L);
  lua_rawsetp(L, -2, r);
  return 0;
}

/* core.sleep(seconds) -> true, or false when interrupted. */
static int l_sleep(lua_State *L) {
  lua_pushboolean(L, acr_http_sleep(luaL_checknumber(L, 1)));
  return 1;
}

static int l_now(lua_State *L) {
  lua_pushnumber(L, acr_http_now());
  return 1;
}

static int l_interrupted(lua_State *L) {
  lua_pushboolean(L, acr_http_interrupted());
  return 1;
}

static int l_clear_interrupt(lua_State *L) {
  (void)L;
  acr_http_clear_interrupt();
  return 0;
}

void acr_transport_register(lua_State *L) {
  static const luaL_Reg functions[] = {{"send", l_send},
                                       {"start", l_start},
                                       {"wait", l_wait},
                                       {"result", l_result},
                                       {"abort", l_abort},
                                       {"sleep", l_sleep},
                                       {"now", l_now},
                                       {"interrupted", l_interrupted},
                                       {"clear_interrupt", l_clear_interrupt},
                                       {NULL, NULL}};
  luaL_setfuncs(L, functions, 0);
}
