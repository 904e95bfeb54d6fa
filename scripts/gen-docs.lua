#!/usr/bin/env acrlua
-- gen-docs.lua: writes the man pages (acr.1, acrlua.1) generated from the
-- endpoint table, or checks that the committed copies are current; or
-- writes the LuaCATS annotations (a LuaLS addon) for the build to install.
-- Run with -h for the whole story.
local cli = require "acrcloud.cli"
local docs = require "acrcloud.docs"

local NAME = "gen-docs.lua"

local HELP = [[
usage: gen-docs.lua [--check] [--root DIR]
       gen-docs.lua --addon DIR

Generates, from the endpoint table (require("acrcloud").operations) and
acr's option tables (acrcloud.shell):

  lua/acrcloud/doc/acr.1, lua/acrcloud/doc/acrlua.1      the man pages

The output is the same bytes every run for the same table, so the files are
committed, and the test suite (tests/docs_spec.lua) fails when they are not
current. After changing src/endpoints.c or acr's options, rebuild and run
this script again. (The API reference has its own: scripts/api-reference.lua.)

With --addon, it writes instead a Lua language server addon, config.json and
library/acrcloud.lua, into DIR: the build does that (into build/luals/acrcloud)
and installs it; it is not committed.

Options:
      --check       write nothing; exit 1 if a file differs from what would be
                    written (or is missing), 0 if all are current
      --root DIR    the repository's root (default: the parent of this
                    script's directory)
      --addon DIR   write the LuaLS addon into DIR (made if missing)
  -h, --help        this help

Exit status: 0 written, or current; 1 could not write, or not current
(--check); 2 bad usage.
]]

local SPEC = {
  usage = "gen-docs.lua [--check] [--root DIR] | --addon DIR",
  help = HELP,
  options = { { nil, "check" }, { nil, "root", value = "DIR" }, { nil, "addon", value = "DIR" } },
  min_args = 0, max_args = 0,
}

local read_file = require("acrcloud.files").read

local q = require("acrcloud.process").quote

local function write_file(path, text)
  local dir = path:match("^(.*)/[^/]*$")
  if dir and not os.execute("mkdir -p " .. q(dir)) then
    return nil, "cannot create " .. dir
  end
  return require("acrcloud.files").write_atomically(path, text)
end

-- Writes every file of the addon into dir, every time (the build compares
-- their times with those of their sources).
local function write_addon(dir)
  for _, f in ipairs(docs.addon_files()) do
    local path = dir .. "/" .. f.path
    local ok, err = write_file(path, f.render())
    if not ok then cli.die(NAME, "cannot write " .. path .. ": " .. tostring(err)) end
  end
  return 0
end

local function main(argv)
  local opts = cli.parse(SPEC, argv)
  if opts.addon then
    if opts.check or opts.root then
      cli.usage_error(SPEC, "--addon goes without --check and --root")
    end
    if opts.addon == "" then cli.usage_error(SPEC, "DIR must not be empty") end
    return write_addon(opts.addon)
  end
  local root = opts.root or docs.root(arg and arg[0])
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
