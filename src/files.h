/* Lua file handles made durable and exclusive: acrcloud.fsync and
 * acrcloud.lock (for the reporting journal). */
#ifndef ACR_FILES_H
#define ACR_FILES_H

#include <lua.h>

/* Sets fsync and lock in the table on top of the stack. */
void acr_files_register(lua_State *L);

#endif
