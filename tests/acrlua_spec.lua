-- The acrlua interpreter, driven from the outside: every test starts
-- $ACRLUA in a shell and looks at its stdout, stderr and exit status.

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local support = dofile(here .. "/support.lua")
local shell_quote, read_file = support.q, support.read_file

-- The physical absolute path of a directory.
local function real_dir(path)
  local p = assert(io.popen("cd " .. shell_quote(path) .. " && pwd -P"))
  local dir = p:read("l")
  p:close()
  return dir
end

local spec_dir = real_dir(here)
local fixtures = spec_dir .. "/fixtures/acrlua"
local acrlua = os.getenv("ACRLUA") or (real_dir(spec_dir .. "/..") .. "/build/acrlua")

-- Removed after each test.
local temp = support.temp_files()
local temp_name, temp_file = temp.name, temp.file

-- Runs acrlua with the words in args. opts.env: variables to set (LUA_INIT and
-- LUA_INIT_5_4 are always cleared first); opts.stdin: text for stdin (else
-- /dev/null); opts.cwd: where to run; opts.exe: another interpreter.
-- Returns { out = stdout, err = stderr, code = exit status }.
local function run(args, opts)
  opts = opts or {}
  -- timeout: a hanging interpreter fails its test instead of the whole run.
  local words = { "timeout", "60", "env", "-u", "LUA_INIT", "-u", "LUA_INIT_5_4" }
  for name, value in pairs(opts.env or {}) do
    words[#words + 1] = name .. "=" .. value
  end
  words[#words + 1] = opts.exe or acrlua
  for _, word in ipairs(args) do
    words[#words + 1] = word
  end
  for i, word in ipairs(words) do
    words[i] = shell_quote(word)
  end
  local err_path = temp_name()
  local stdin_path = opts.stdin and temp_file(opts.stdin) or "/dev/null"
  local command = table.concat(words, " ") .. " <" .. shell_quote(stdin_path)
    .. " 2>" .. shell_quote(err_path)
  if opts.cwd then
    command = "cd " .. shell_quote(opts.cwd) .. " && " .. command
  end
  local p = assert(io.popen(command, "r"))
  local out = p:read("a")
  local _, _, code = p:close()
  return { out = out, err = read_file(err_path), code = code }
end

local function contains(haystack, needle)
  return haystack:find(needle, 1, true) ~= nil
end

after_each(temp.remove_all)

describe("acrlua scripts", function()
  it("gets its name in arg[0] and its arguments in arg[1..n]", function()
    local script = temp_file('io.write(arg[0], "|", arg[1], "|", arg[2], "|", #arg)')
    local r = run({ script, "one", "two" })
    assert.are.equal(0, r.code)
    assert.are.equal(script .. "|one|two|2", r.out)
  end)

  it("finds the interpreter and its options at negative indices of arg", function()
    local script = temp_file('io.write(arg[-1], "|", arg[-2], "|", arg[-3])')
    local r = run({ "-e", "x = 1", script })
    assert.are.equal(0, r.code)
    assert.are.equal("x = 1|-e|" .. acrlua, r.out)
  end)

  it("receives its arguments as ...", function()
    local script = temp_file('io.write(select("#", ...), "|", table.concat({ ... }, ","))')
    local r = run({ script, "a", "b c" })
    assert.are.equal("2|a,b c", r.out)
  end)

  it("may start with a #! line", function()
    local script = temp_file("#!/usr/bin/env acrlua\nio.write('ran')\n")
    local r = run({ script })
    assert.are.equal(0, r.code)
    assert.are.equal("ran", r.out)
  end)

  it("takes the word after -- as the script even if it looks like an option", function()
    local script = temp_file('io.write(arg[1])')
    local r = run({ "--", script, "-x" })
    assert.are.equal(0, r.code)
    assert.are.equal("-x", r.out)
  end)

  it("is read from stdin for -", function()
    local r = run({ "-", "a", "b" }, { stdin = 'io.write("stdin:", arg[0], ":", ...)' })
    assert.are.equal(0, r.code)
    assert.are.equal("stdin:-:ab", r.out)
  end)

  it("is read from stdin when there are no arguments and stdin is no terminal", function()
    local r = run({}, { stdin = 'io.write("from stdin")' })
    assert.are.equal(0, r.code)
    assert.are.equal("from stdin", r.out)
  end)
end)

describe("acrlua options", function()
  it("-e runs a statement", function()
    local r = run({ "-e", "io.write(6 * 7)" })
    assert.are.equal(0, r.code)
    assert.are.equal("42", r.out)
  end)

  it("-e, -l and the script run in command-line order", function()
    local script = temp_file('io.write("script;")')
    local r = run({ "-e", 'io.write("e1;")', "-l", "greeting", "-e", 'io.write(greeting.text, ";")',
      script }, { env = { LUA_PATH = fixtures .. "/?.lua" } })
    assert.are.equal(0, r.code)
    assert.are.equal("e1;hello from greeting;script;", r.out)
  end)

  it("-l requires a module into the global of the same name", function()
    local r = run({ "-l", "greeting", "-e", "io.write(greeting.text)" },
      { env = { LUA_PATH = fixtures .. "/?.lua" } })
    assert.are.equal(0, r.code)
    assert.are.equal("hello from greeting", r.out)
  end)

  it("-l g=mod requires mod into the global g", function()
    local r = run({ "-l", "g=greeting", "-e", "io.write(g.text, tostring(greeting))" },
      { env = { LUA_PATH = fixtures .. "/?.lua" } })
    assert.are.equal(0, r.code)
    assert.are.equal("hello from greetingnil", r.out)
  end)

  it("-l fails with status 1 for a missing module", function()
    local r = run({ "-l", "no_such_module_here" })
    assert.are.equal(1, r.code)
    assert.is_true(contains(r.err, "module 'no_such_module_here' not found"))
  end)

  it("-i evaluates an expression from stdin and prints its value", function()
    local r = run({ "-i" }, { stdin = "1 + 41\n" })
    assert.are.equal(0, r.code)
    assert.is_true(contains(r.out, "> 42\n"), r.out)
  end)

  it("-i continues an unfinished statement on the next line", function()
    local r = run({ "-i" }, { stdin = "function f()\nreturn 'multi' .. 'line' end\nf()\n" })
    assert.are.equal(0, r.code)
    assert.is_true(contains(r.out, "multiline\n"), r.out)
  end)

  it("-i reports an error and goes on with the next line", function()
    local r = run({ "-i" }, { stdin = "error('first')\n'second'\n" })
    assert.are.equal(0, r.code)
    assert.is_true(contains(r.err, "first"), r.err)
    assert.is_true(contains(r.out, "second\n"), r.out)
  end)

  it("-v prints the acrlua, Lua and libcurl versions", function()
    local r = run({ "-v" })
    assert.are.equal(0, r.code)
    assert.is_truthy(r.out:match("^acrlua %d+%.%d+%.%d+ %(Lua 5%.4%.%d+, libcurl/%d+%.%d+"), r.out)
  end)

  it("-W turns warnings on", function()
    local r = run({ "-W", "-e", 'warn("careful")' })
    assert.are.equal(0, r.code)
    assert.is_true(contains(r.err, "Lua warning: careful"), r.err)
  end)

  it("leaves warnings off without -W", function()
    local r = run({ "-e", 'warn("careful")' })
    assert.are.equal("", r.err)
  end)

  it("rejects an unknown option with the usage and status 1", function()
    local r = run({ "-x" })
    assert.are.equal(1, r.code)
    assert.is_true(contains(r.err, "unrecognized option '-x'"), r.err)
    assert.is_true(contains(r.err, "usage: acrlua"), r.err)
  end)

  it("rejects -e without a statement", function()
    local r = run({ "-e" })
    assert.are.equal(1, r.code)
    assert.is_true(contains(r.err, "'-e' needs argument"), r.err)
  end)

  it("-h and --help print the usage to stdout and exit 0, running nothing", function()
    for _, flag in ipairs({ "-h", "--help" }) do
      local r = run({ flag, "-e", "io.write('ran')" })
      assert.are.equal(0, r.code)
      assert.are.equal("", r.err)
      assert.is_true(contains(r.out, "usage: acrlua"), r.out)
      assert.is_true(contains(r.out, "--version"), r.out)
      assert.is_false(contains(r.out, "ran"), r.out)
    end
  end)

  it("--version prints the version to stdout and exits 0, running nothing", function()
    local r = run({ "--version", "-e", "io.write('ran')" })
    assert.are.equal(0, r.code)
    assert.are.equal("", r.err)
    assert.is_truthy(r.out:match("^acrlua %d+%.%d+%.%d+ %(Lua 5%.4"), r.out)
    assert.is_false(contains(r.out, "ran"), r.out)
  end)

  it("rejects other long options", function()
    local r = run({ "--helpme" })
    assert.are.equal(1, r.code)
    assert.is_true(contains(r.err, "unrecognized option '--helpme'"), r.err)
  end)
end)

describe("acrlua LUA_INIT", function()
  it("runs LUA_INIT before the script", function()
    local r = run({ "-e", "io.write(seen)" }, { env = { LUA_INIT = "seen = 'init'" } })
    assert.are.equal(0, r.code)
    assert.are.equal("init", r.out)
  end)

  it("prefers LUA_INIT_5_4 to LUA_INIT", function()
    local r = run({ "-e", "io.write(seen)" },
      { env = { LUA_INIT = "seen = 'plain'", LUA_INIT_5_4 = "seen = 'versioned'" } })
    assert.are.equal("versioned", r.out)
  end)

  it("runs the file named by LUA_INIT=@file", function()
    local init = temp_file("seen = 'from file'")
    local r = run({ "-e", "io.write(seen)" }, { env = { LUA_INIT = "@" .. init } })
    assert.are.equal(0, r.code)
    assert.are.equal("from file", r.out)
  end)

  it("is ignored under -E", function()
    local r = run({ "-E", "-e", "io.write(tostring(seen))" },
      { env = { LUA_INIT = "seen = 'init'", LUA_INIT_5_4 = "seen = 'init'" } })
    assert.are.equal(0, r.code)
    assert.are.equal("nil", r.out)
  end)

  it("makes acrlua fail with status 1 when it raises", function()
    local r = run({ "-e", "io.write('not reached')" }, { env = { LUA_INIT = "error('bad init')" } })
    assert.are.equal(1, r.code)
    assert.are.equal("", r.out)
    assert.is_true(contains(r.err, "bad init"), r.err)
  end)

  it("-E also ignores LUA_PATH", function()
    local r = run({ "-E", "-e", "io.write(package.path)" },
      { env = { LUA_PATH = "/nowhere/?.lua" } })
    assert.is_false(contains(r.out, "/nowhere/"), r.out)
  end)
end)

describe("acrlua errors", function()
  it("exit with status 1 when a script raises", function()
    local script = temp_file("error('boom')")
    local r = run({ script })
    assert.are.equal(1, r.code)
  end)

  it("are printed to stderr with the program name and a traceback", function()
    local script = temp_file("local function f() error('boom') end\nf()\n")
    local r = run({ script })
    assert.is_truthy(r.err:match("^acrlua: [^\n]*:1: boom\n"), r.err)
    assert.is_true(contains(r.err, "stack traceback:"), r.err)
  end)

  it("are printed through __tostring for error objects that have one", function()
    local r = run({ "-e",
      "error(setmetatable({}, { __tostring = function() return 'custom' end }))" })
    assert.are.equal(1, r.code)
    assert.is_truthy(r.err:match("^acrlua: custom\nstack traceback:"), r.err)
  end)

  it("name the type of error objects without __tostring", function()
    local r = run({ "-e", "error({})" })
    assert.are.equal(1, r.code)
    assert.is_true(contains(r.err, "(error object is a table value)"), r.err)
  end)

  it("in -e exit with status 1", function()
    local r = run({ "-e", "error('boom')" })
    assert.are.equal(1, r.code)
    assert.is_true(contains(r.err, "boom"), r.err)
  end)

  it("of syntax in a script exit with status 1", function()
    local script = temp_file("local x = = 1\n")
    local r = run({ script })
    assert.are.equal(1, r.code)
    assert.is_true(contains(r.err, "unexpected symbol near '='"), r.err)
  end)

  it("of a missing script file exit with status 1", function()
    local r = run({ "/nonexistent/acrlua-script.lua" })
    assert.are.equal(1, r.code)
    assert.is_true(contains(r.err, "cannot open /nonexistent/acrlua-script.lua"), r.err)
  end)

  it("do not hide the status given to os.exit", function()
    local r = run({ "-e", "os.exit(3)" })
    assert.are.equal(3, r.code)
  end)

  it("include 'interrupted!' when SIGINT stops a running script", function()
    -- The shell that io.popen starts is a child of acrlua: $PPID is acrlua.
    local r = run({ "-e", 'local p = io.popen("kill -INT $PPID"); p:close(); while true do end' })
    assert.are.equal(1, r.code)
    assert.is_true(contains(r.err, "interrupted!"), r.err)
  end)
end)

describe("acrlua modules", function()
  it("require 'acrcloud' returns a table in a script run from another directory", function()
    local script = temp_file('io.write(type(require "acrcloud"))')
    local r = run({ script }, { cwd = "/tmp" })
    assert.are.equal(0, r.code)
    assert.are.equal("table", r.out)
  end)

  it("preloads acrcloud.httpd, acrcloud.process and acrcloud.tz", function()
    local r = run({ "-e", 'io.write(type(package.preload["acrcloud.httpd"]), " ",'
      .. ' type(package.preload["acrcloud.process"]), " ",'
      .. ' type(package.preload["acrcloud.tz"]))' })
    assert.are.equal("function function function", r.out)
  end)

  it("loads the system cjson module into the same Lua", function()
    local r = run({ "-e", 'io.write(require("cjson").encode({ 1 }))' })
    assert.are.equal(0, r.code)
    assert.are.equal("[1]", r.out)
  end)

  it("finds lua/ of the source tree first when run from the build tree", function()
    local r = run({ "-e", "io.write(package.path)" })
    local first_dir = r.out:match("^(.-)/%?%.lua;")
    assert.is_truthy(first_dir, r.out)
    assert.are.equal(real_dir(spec_dir .. "/../lua"), real_dir(first_dir))
  end)

  it("keep the standard package.path for a copy outside the build tree", function()
    local copy = temp_name() .. "-acrlua"
    temp.track(copy)
    assert.is_true(os.execute("cp " .. shell_quote(acrlua) .. " " .. shell_quote(copy)))
    local r = run({ "-e", "io.write(package.path)" }, { exe = copy })
    assert.are.equal(0, r.code)
    assert.is_false(contains(r.out, real_dir(spec_dir .. "/..") .. "/lua/"), r.out)
  end)
end)
