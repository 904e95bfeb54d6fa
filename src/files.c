/*
 * Two things plain Lua cannot ask of a file, for journals that must survive
 * a crash and must not be written by two processes at once:
 *
 *   acrcloud.fsync(file) -> true | nil, message, errno
 *     Flushes the handle's buffer and asks the kernel to put the file's data
 *     on the disk (fsync(2)) before returning. Works on a directory opened
 *     with io.open(dir), which makes a new file's name durable.
 *
 *   acrcloud.lock(file) -> true | false | nil, message, errno
 *     Takes an exclusive flock(2) on the file without waiting: true when
 *     this handle holds it, false when another open handle (another process)
 *     does. The lock goes when the handle is closed or the process ends, in
 *     any way, SIGKILL included. The descriptor is marked close-on-exec so
 *     that a child started with os.execute or io.popen does not keep the
 *     lock alive after this process dies.
 *
 * Both raise for a closed file, as the io library's own methods do.
 */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

static int check_fd(lua_State *L) {
  luaL_Stream *p = luaL_checkudata(L, 1, LUA_FILEHANDLE);
  if (p->closef == NULL) return luaL_error(L, "attempt to use a closed file");
  return fileno(p->f);
}

static int l_fsync(lua_State *L) {
  int fd = check_fd(L);
  luaL_Stream *p = lua_touserdata(L, 1);
  if (fflush(p->f) != 0 || fsync(fd) != 0) return luaL_fileresult(L, 0, NULL);
  lua_pushboolean(L, 1);
  return 1;
}

static int l_lock(lua_State *L) {
  int fd = check_fd(L), flags, rc;
  flags = fcntl(fd, F_GETFD);
  if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) != 0)
    return luaL_fileresult(L, 0, NULL);
  do {
    rc = flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc == 0 || errno == EWOULDBLOCK) {
    lua_pushboolean(L, rc == 0);
    return 1;
  }
  return luaL_fileresult(L, 0, NULL);
}

void acr_files_register(lua_State *L) {
  static const luaL_Reg funcs[] = {
      {"fsync", l_fsync}, {"lock", l_lock}, {NULL, NULL}};
  luaL_setfuncs(L, funcs, 0);
}
