rockspec_format = "3.0"
package = "acrlua"
version = "scm-1"
source = {
  url = "git+https://example.invalid/acrlua.git",
}
description = {
  summary = "A client for the ACRCloud Console API, in C with Lua 5.4 bindings",
  detailed = [[
The `acrcloud` module: every ACRCloud Console API endpoint as a Lua function,
over libcurl, with a local emulator of the API (`acrcloud.emulator`), the
HTTP server it runs on (`acrcloud.httpd`, a shared object of its own over
libmicrohttpd) and a receiver for the monitoring callbacks
(`acrcloud.callbacks`).]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.4, < 5.5",
  "lua-cjson",
}
-- The CMake build installs acrcloud.so and acrcloud/httpd.so into $(LIBDIR)
-- and the Lua files into $(LUADIR). libcurl, libmicrohttpd and the Lua
-- headers are found by CMake through
-- pkg-config (Debian keeps curl.h under a multiarch include directory that
-- LuaRocks' header search does not look in).
build = {
  type = "cmake",
  variables = {
    CMAKE_BUILD_TYPE = "Release",
    LUA_CMOD_DIR = "$(LIBDIR)",
    LUA_LMOD_DIR = "$(LUADIR)",
    ACRLUA_TESTS = "OFF",
    ACRLUA_INSTALL_EXTRAS = "OFF",
  },
}
