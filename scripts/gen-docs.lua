#!/usr/bin/env acrlua
-- gen-docs.lua: writes the man pages (acr.1, acrlua.1) and the LuaCATS
-- annotations generated from the endpoint table, or checks that the
-- committed copies are current. Run with -h for the whole story.
local cli = require "acrcloud.cli"
local docs = require "acrcloud.docs"

local NAME = "gen-docs.lua"

local HELP = [[
usage: gen-docs.lua [--check] [--root DIR]

Generates, from the endpoint table (require("acrcloud").operations) and
acr's option tables (acrcloud.shell):

  lua/acrcloud/doc/acr.1, lua/acrcloud/doc/acrlua.1      the man pages
  lua/acrcloud/doc/luals/acrcloud/                       a Lua language server
                                                         addon: config.json and
                                                         library/acrcloud.lua

The output is the same bytes every run for the same table, so the files are
committed, and the test suite (tests/docs_spec.lua) fails when they are not
current. After changing src/endpoints.c or acr's options, rebuild and run
this script again. (The API reference has its own: scripts/api-reference.lua.)

Options:
      --check       write nothing; exit 1 if a file differs from what would be
                    written (or is missing), 0 if all are current
      --root DIR    the repository's root (default: the parent of this
                    script's directory)
  -h, --help        this help

Exit status: 0 written, or current; 1 could not write, or not current
(--check); 2 bad usage.
]]

local SPEC = {
  usage = "gen-docs.lua [--check] [--root DIR]",
  help = HELP,
  options = { { nil, "check" }, { nil, "root", value = "DIR" } },
  min_args = 0, max_args = 0,
}

local function default_root()
  local script = arg and arg[0] or ""
  local dir = script:match("^(.*)/[^/]*$") or "."
  return dir .. "/.."
end

local read_file = require("acrcloud.files").read

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function write_file(path, text)
  local dir = path:match("^(.*)/[^/]*$")
  if dir and not os.execute("mkdir -p " .. q(dir)) then
    return nil, "cannot create " .. dir
  end
  return require("acrcloud.files").write_atomically(path, text)
end

local function main(argv)
  local opts = cli.parse(SPEC, argv)
  local root = opts.root or default_root()
  local stale = {}
  for _, f in ipairs(docs.files()) do
    local path = root .. "/" .. f.path
    local text = f.render()
    if opts.check then
      if read_file(path) ~= text then stale[#stale + 1] = f.path end
    elseif read_file(path) ~= text then
      local ok, err = write_file(path, text)
      if not ok then cli.die(NAME, "cannot write " .. path .. ": " .. tostring(err)) end
      io.stderr:write(NAME, ": wrote ", f.path, "\n")
    end
  end
  if #stale > 0 then
    cli.die(NAME, "not current: " .. table.concat(stale, ", ") .. "; run " .. docs.COMMAND)
  end
  if opts.check then io.stderr:write(NAME, ": all current\n") end
  return 0
end

os.exit(main(arg or {}))
