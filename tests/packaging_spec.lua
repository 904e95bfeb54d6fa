-- What `cmake --install` gives a user: a tree that works from any prefix
-- (installed, then moved), a pkg-config file and a CMake package that build
-- the README's embedding program with nothing else, acrlua and acr that
-- find their own Lua files, and the scripts, man pages, completion and
-- LuaLS addon where they belong.
local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local support = dofile(here .. "/support.lua")
local q, read_file, write_file = support.q, support.read_file, support.write_file

local ACRLUA = assert(os.getenv("ACRLUA"), "ACRLUA is not set")
local BUILD = ACRLUA:match("^(.*)/[^/]*$")
local TOKEN = "packaging-token"

-- Runs a shell command; returns the exit status and what it printed (both
-- streams).
local function sh(cmd)
  local p = assert(io.popen("(" .. cmd .. ") 2>&1"))
  local out = p:read("a")
  local _, _, code = p:close()
  return code, out
end

local function must(cmd)
  local code, out = sh(cmd)
  assert(code == 0, cmd .. "\n" .. out)
  return out
end

-- The README's C program: the first ```c block of "## Embedding in C".
local function readme_program()
  local readme = assert(read_file(here .. "/../README.md"))
  local section = assert(readme:match("\n## Embedding in C\n(.-)\n## "), "no embedding section")
  return assert(section:match("\n```c\n(.-)\n```\n"), "no C block in the embedding section")
end

-- The build's sanitizer flags: an ASan build's library needs them to link.
local function sanitizer_flags()
  local cache = read_file(BUILD .. "/CMakeCache.txt") or ""
  if cache:match("\nACRLUA_SANITIZE:BOOL=ON\n") then return "-fsanitize=address,undefined" end
  return ""
end

local root, prefix, emu
local env -- the environment every installed program runs in

setup(function()
  root = must("mktemp -d"):match("%S+")
  must("cmake --install " .. q(BUILD) .. " --prefix " .. q(root .. "/first") .. " >/dev/null")
  -- moved after installing: nothing may depend on the prefix it was made for
  prefix = root .. "/moved"
  must("mv " .. q(root .. "/first") .. " " .. q(prefix))
  emu = require("acrcloud.emulator").spawn { token = TOKEN }
  -- No LUA_PATH: the installed programs must find their files by themselves;
  -- an empty home: no profile of this machine's user.
  env = "cd / && unset LUA_PATH LUA_PATH_5_4 LUA_CPATH LUA_CPATH_5_4 ACRCLOUD_PROFILE "
    .. "XDG_CONFIG_HOME && export HOME=" .. q(root)
    .. " ACRCLOUD_ACCESS_TOKEN=" .. q(TOKEN) .. " ACRCLOUD_BASE_URL=" .. q(emu.url)
    .. " PKG_CONFIG_PATH=" .. q(prefix .. "/lib/pkgconfig") .. " && "
end)

teardown(function()
  if emu then emu.stop() end
  if root then os.execute("rm -rf " .. q(root)) end
end)

describe("the installed tree", function()
  it("has the programs, libraries, headers, scripts, docs and packages", function()
    for _, path in ipairs({ "bin/acrlua", "bin/acr", "lib/libacrcloud.a", "lib/lua/5.4/acrcloud.so",
      "include/acrcloud.h", "share/lua/5.4/acrcloud/shell.lua", "lib/pkgconfig/acrcloud.pc",
      "lib/cmake/acrcloud/acrcloudConfig.cmake", "lib/cmake/acrcloud/acrcloudConfigVersion.cmake",
      "share/acrlua/scripts/provision.lua", "share/acrlua/scripts/samples/account.lua",
      "share/man/man1/acr.1", "share/man/man1/acrlua.1",
      "share/bash-completion/completions/acr",
      "share/acrlua/luals/acrcloud/config.json",
      "share/acrlua/luals/acrcloud/library/acrcloud.lua" }) do
      assert.is_not_nil(read_file(prefix .. "/" .. path), path)
    end
    -- the generated docs are not among the Lua modules
    assert.is_nil(read_file(prefix .. "/share/lua/5.4/acrcloud/doc/acr.1"))
    -- acr is a link to acrlua
    assert.equal("acrlua\n", must("readlink " .. q(prefix .. "/bin/acr")))
  end)

  it("gives acrlua its Lua modules from its own location", function()
    local out = must(env .. q(prefix .. "/bin/acrlua") .. " -e " .. q(
      'io.write(package.searchpath("acrcloud.cli", package.path))'))
    assert.equal(prefix .. "/bin/../share/lua/5.4/acrcloud/cli.lua", out)
    -- also when found through PATH, by name only
    out = must(env .. "PATH=" .. q(prefix .. "/bin") .. ":/usr/bin:/bin && acrlua -e "
      .. q('require "acrcloud.emulator" io.write("ok")'))
    assert.equal("ok", out)
  end)

  it("runs acr: an operation, a workflow, help", function()
    local out = must(env .. q(prefix .. "/bin/acr") .. " list_buckets -o csv --fields id")
    assert.matches("^id\n%d+\n", out)
    out = must(env .. q(prefix .. "/bin/acr") .. " list-projects")
    assert.matches("KIND%s+ID%s+NAME", out)
    local code, help = sh(env .. q(prefix .. "/bin/acr") .. " --help")
    assert.equal(0, code)
    assert.matches("list_buckets", help)
  end)

  it("installs a man page that man reads", function()
    if not os.execute("command -v man >/dev/null 2>&1") then return pending("no man") end
    local out = must("MANPAGER=cat MANWIDTH=80 man -l " .. q(prefix .. "/share/man/man1/acr.1"))
    assert.matches("every ACRCloud Console API operation", out)
  end)
end)

describe("embedding from the installed tree", function()
  local program
  before_each(function()
    program = root .. "/app.c"
    write_file(program, readme_program())
  end)

  it("pkg-config gives every flag: the README's program builds and runs", function()
    local flags = must(env .. "pkg-config --cflags --libs acrcloud")
    for _, want in ipairs({ "-lacrcloud", "-llua5.4", "-lcrypto", "-lcurl", "-lmicrohttpd",
      "/include", "-I/usr/include/lua5.4" }) do
      assert.matches(want, flags, 1, true)
    end
    local exe = root .. "/app-pkgconfig"
    must(env .. "cc " .. q(program) .. " $(pkg-config --cflags --libs acrcloud) "
      .. sanitizer_flags() .. " -o " .. q(exe))
    local out = must(env .. q(exe))
    assert.matches("^%d+ bucket%(s%), the first: ", out)
  end)

  it("the CMake package gives an imported target: the same program builds and runs", function()
    local src = root .. "/cmake-app"
    must("mkdir -p " .. q(src))
    must("cp " .. q(program) .. " " .. q(src .. "/app.c"))
    write_file(src .. "/CMakeLists.txt", table.concat({
      "cmake_minimum_required(VERSION 3.18)",
      "project(app LANGUAGES C)",
      "find_package(acrcloud CONFIG REQUIRED)",
      "add_executable(app app.c)",
      "target_link_libraries(app PRIVATE acrcloud::acrcloud)",
      'target_link_options(app PRIVATE ' .. sanitizer_flags() .. ')',
      "",
    }, "\n"))
    must(env .. "cmake -S " .. q(src) .. " -B " .. q(src .. "/build") .. " -DCMAKE_PREFIX_PATH="
      .. q(prefix) .. " >/dev/null")
    must(env .. "cmake --build " .. q(src .. "/build") .. " >/dev/null")
    local out = must(env .. q(src .. "/build/app"))
    assert.matches("^%d+ bucket%(s%), the first: ", out)
  end)

  it("fails, with the error, when the call fails", function()
    local exe = root .. "/app-fail"
    must(env .. "cc " .. q(program) .. " $(pkg-config --cflags --libs acrcloud) "
      .. sanitizer_flags() .. " -o " .. q(exe))
    local code, out = sh(env .. "ACRCLOUD_ACCESS_TOKEN=wrong " .. q(exe))
    assert.equal(1, code)
    assert.matches("HTTP 401", out)
  end)
end)
