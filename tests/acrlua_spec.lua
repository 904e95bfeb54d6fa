-- The acrlua interpreter, driven from the outside: every test starts
-- $ACRLUA in a shell and looks at its stdout, stderr and exit status.

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local support = dofile(here .. "/support.lua")
local shell_quote = support.q

-- The physical absolute path of a directory.
local function real_dir(path)
  return (support.output("cd " .. shell_quote(path) .. " && pwd -P"):match("^[^\n]*"))
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
  local stdin_path = opts.stdin and temp_file(opts.stdin) or "/dev/null"
  local command = table.concat(words, " ") .. " <" .. shell_quote(stdin_path)
  if opts.cwd then
    command = "cd " .. shell_quote(opts.cwd) .. " && " .. command
  end
  return support.run_command(command)
end

-- Stands in a case's args for the file that holds its `script`.
local SCRIPT = {}

-- Runs a case's args (where SCRIPT stands for a file holding its `script`)
-- with its env, stdin and cwd: cases for support.it_runs.
local function run_case(args, _, case)
  local script = case.script and temp_file(case.script)
  local argv = {}
  for i, a in ipairs(args) do argv[i] = a == SCRIPT and script or a end
  return run(argv, { env = case.env, stdin = case.stdin, cwd = case.cwd })
end

local function it_runs(cases)
  for name, test in support.run_cases(run_case, cases) do it(name, test) end
end

local GREETING = { LUA_PATH = fixtures .. "/?.lua" }

after_each(temp.remove_all)

describe("acrlua scripts", function()
  it("gets its name in arg[0] and its arguments in arg[1..n]", function()
    local script = temp_file('io.write(arg[0], "|", arg[1], "|", arg[2], "|", #arg)')
    support.check_run(run({ script, "one", "two" }), { code = 0, out = script .. "|one|two|2" })
  end)

  it_runs {
    { "finds the interpreter and its options at negative indices of arg",
      script = 'io.write(arg[-1], "|", arg[-2], "|", arg[-3])', args = { "-e", "x = 1", SCRIPT },
      code = 0, out = "x = 1|-e|" .. acrlua },
    { "receives its arguments as ...",
      script = 'io.write(select("#", ...), "|", table.concat({ ... }, ","))',
      args = { SCRIPT, "a", "b c" }, out = "2|a,b c" },
    { "may start with a #! line",
      script = "#!/usr/bin/env acrlua\nio.write('ran')\n", args = { SCRIPT },
      code = 0, out = "ran" },
    { "takes the word after -- as the script even if it looks like an option",
      script = 'io.write(arg[1])', args = { "--", SCRIPT, "-x" }, code = 0, out = "-x" },
    { "is read from stdin for -",
      args = { "-", "a", "b" }, stdin = 'io.write("stdin:", arg[0], ":", ...)',
      code = 0, out = "stdin:-:ab" },
    { "is read from stdin when there are no arguments and stdin is no terminal",
      args = {}, stdin = 'io.write("from stdin")', code = 0, out = "from stdin" },
  }
end)

describe("acrlua options", function()
  it_runs {
    { "-e runs a statement", args = { "-e", "io.write(6 * 7)" }, code = 0, out = "42" },
    { "-e, -l and the script run in command-line order",
      script = 'io.write("script;")', env = GREETING,
      args = { "-e", 'io.write("e1;")', "-l", "greeting", "-e", 'io.write(greeting.text, ";")',
        SCRIPT },
      code = 0, out = "e1;hello from greeting;script;" },
    { "-l requires a module into the global of the same name",
      args = { "-l", "greeting", "-e", "io.write(greeting.text)" }, env = GREETING,
      code = 0, out = "hello from greeting" },
    { "-l g=mod requires mod into the global g",
      args = { "-l", "g=greeting", "-e", "io.write(g.text, tostring(greeting))" }, env = GREETING,
      code = 0, out = "hello from greetingnil" },
    { "-l fails with status 1 for a missing module",
      args = { "-l", "no_such_module_here" },
      code = 1, err_has = "module 'no_such_module_here' not found" },
    { "-i evaluates an expression from stdin and prints its value",
      args = { "-i" }, stdin = "1 + 41\n", code = 0, out_has = "> 42\n" },
    { "-i continues an unfinished statement on the next line",
      args = { "-i" }, stdin = "function f()\nreturn 'multi' .. 'line' end\nf()\n",
      code = 0, out_has = "multiline\n" },
    { "-i reports an error and goes on with the next line",
      args = { "-i" }, stdin = "error('first')\n'second'\n",
      code = 0, err_has = "first", out_has = "second\n" },
    { "-v prints the acrlua, Lua and libcurl versions",
      args = { "-v" },
      code = 0, out_match = "^acrlua %d+%.%d+%.%d+ %(Lua 5%.4%.%d+, libcurl/%d+%.%d+" },
    { "-W turns warnings on",
      args = { "-W", "-e", 'warn("careful")' }, code = 0, err_has = "Lua warning: careful" },
    { "leaves warnings off without -W", args = { "-e", 'warn("careful")' }, err = "" },
    { "rejects an unknown option with the usage and status 1",
      args = { "-x" }, code = 1, err_has = { "unrecognized option '-x'", "usage: acrlua" } },
    { "rejects -e without a statement",
      args = { "-e" }, code = 1, err_has = "'-e' needs argument" },
  }

  it("-h and --help print the usage to stdout and exit 0, running nothing", function()
    for _, flag in ipairs({ "-h", "--help" }) do
      support.check_run(run({ flag, "-e", "io.write('ran')" }), { code = 0, err = "",
        out_has = { "usage: acrlua", "--version" }, out_lacks = "ran" })
    end
  end)

  it_runs {
    { "--version prints the version to stdout and exits 0, running nothing",
      args = { "--version", "-e", "io.write('ran')" },
      code = 0, err = "", out_match = "^acrlua %d+%.%d+%.%d+ %(Lua 5%.4", out_lacks = "ran" },
    { "rejects other long options",
      args = { "--helpme" }, code = 1, err_has = "unrecognized option '--helpme'" },
  }
end)

describe("acrlua LUA_INIT", function()
  it_runs {
    { "runs LUA_INIT before the script",
      args = { "-e", "io.write(seen)" }, env = { LUA_INIT = "seen = 'init'" },
      code = 0, out = "init" },
    { "prefers LUA_INIT_5_4 to LUA_INIT",
      args = { "-e", "io.write(seen)" },
      env = { LUA_INIT = "seen = 'plain'", LUA_INIT_5_4 = "seen = 'versioned'" },
      out = "versioned" },
  }

  it("runs the file named by LUA_INIT=@file", function()
    local init = temp_file("seen = 'from file'")
    support.check_run(run({ "-e", "io.write(seen)" }, { env = { LUA_INIT = "@" .. init } }),
      { code = 0, out = "from file" })
  end)

  it_runs {
    { "is ignored under -E",
      args = { "-E", "-e", "io.write(tostring(seen))" },
      env = { LUA_INIT = "seen = 'init'", LUA_INIT_5_4 = "seen = 'init'" },
      code = 0, out = "nil" },
    { "makes acrlua fail with status 1 when it raises",
      args = { "-e", "io.write('not reached')" }, env = { LUA_INIT = "error('bad init')" },
      code = 1, out = "", err_has = "bad init" },
    { "-E also ignores LUA_PATH",
      args = { "-E", "-e", "io.write(package.path)" }, env = { LUA_PATH = "/nowhere/?.lua" },
      out_lacks = "/nowhere/" },
  }
end)

describe("acrlua errors", function()
  it_runs {
    { "exit with status 1 when a script raises",
      script = "error('boom')", args = { SCRIPT }, code = 1 },
    { "are printed to stderr with the program name and a traceback",
      script = "local function f() error('boom') end\nf()\n", args = { SCRIPT },
      err_match = "^acrlua: [^\n]*:1: boom\n", err_has = "stack traceback:" },
    { "are printed through __tostring for error objects that have one",
      args = { "-e", "error(setmetatable({}, { __tostring = function() return 'custom' end }))" },
      code = 1, err_match = "^acrlua: custom\nstack traceback:" },
    { "name the type of error objects without __tostring",
      args = { "-e", "error({})" }, code = 1, err_has = "(error object is a table value)" },
    { "in -e exit with status 1", args = { "-e", "error('boom')" }, code = 1, err_has = "boom" },
    { "of syntax in a script exit with status 1",
      script = "local x = = 1\n", args = { SCRIPT },
      code = 1, err_has = "unexpected symbol near '='" },
    { "of a missing script file exit with status 1",
      args = { "/nonexistent/acrlua-script.lua" },
      code = 1, err_has = "cannot open /nonexistent/acrlua-script.lua" },
    { "do not hide the status given to os.exit", args = { "-e", "os.exit(3)" }, code = 3 },
    -- The shell that io.popen starts is a child of acrlua: $PPID is acrlua.
    { "include 'interrupted!' when SIGINT stops a running script",
      args = { "-e", 'local p = io.popen("kill -INT $PPID"); p:close(); while true do end' },
      code = 1, err_has = "interrupted!" },
  }
end)

describe("acrlua modules", function()
  it_runs {
    { "require 'acrcloud' returns a table in a script run from another directory",
      script = 'io.write(type(require "acrcloud"))', args = { SCRIPT }, cwd = "/tmp",
      code = 0, out = "table" },
    { "preloads acrcloud.httpd, acrcloud.process and acrcloud.tz",
      args = { "-e", 'io.write(type(package.preload["acrcloud.httpd"]), " ",'
        .. ' type(package.preload["acrcloud.process"]), " ",'
        .. ' type(package.preload["acrcloud.tz"]))' },
      out = "function function function" },
    { "loads the system cjson module into the same Lua",
      args = { "-e", 'io.write(require("cjson").encode({ 1 }))' }, code = 0, out = "[1]" },
  }

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
    support.check_run(r, { code = 0, out_lacks = real_dir(spec_dir .. "/..") .. "/lua/" })
  end)
end)
