#!/usr/bin/env acrlua
-- api-reference.lua: writes the API reference (Markdown) generated from the
-- endpoint table, or checks that the committed copy is current.
-- Run with -h for the whole story.
local cli = require "acrcloud.cli"
local files = require "acrcloud.files"
local reference = require "acrcloud.reference"

local NAME = "api-reference.lua"

-- In the repository this script lives in, whatever the current directory.
local function default_path()
  local root = require("acrcloud.docs").root(arg and arg[0])
  if root == "." then return reference.PATH end
  return root:gsub("/$", "") .. "/" .. reference.PATH
end

local HELP = [[
usage: api-reference.lua [options]

Generates the API reference (Markdown) from the endpoint table, that is from
require("acrcloud").operations: a table of contents by area, then every
operation with its method and path, host, parameters (where each goes, type,
whether it is required, default), response kind, authentication and a
one-line Lua example.

The output is the same bytes every run for the same table, so the file can be
committed and compared: the test suite (tests/coverage_spec.lua) fails when
it is not current. After changing src/endpoints.c, rebuild and run this
script again.

Options:
  -o, --output PATH   where to write (default: lua/acrcloud/API.md in this
                      repository; "-" for stdout)
      --check         write nothing; exit 1 if PATH differs from what would
                      be written (or is missing), 0 if it is current
  -h, --help          this help

Exit status: 0 written, or current; 1 could not write, or not current
(--check); 2 bad usage.
]]

local SPEC = {
  usage = "api-reference.lua [-o PATH] [--check]",
  help = HELP,
  options = {
    { "o", "output", value = "PATH" },
    { nil, "check" },
  },
  min_args = 0, max_args = 0,
}

local read_file = files.read

-- The first line where two texts differ (1-based), for a useful message.
local function first_difference(a, b)
  local line, i = 1, 1
  while i <= #a and i <= #b do
    local ca, cb = a:sub(i, i), b:sub(i, i)
    if ca ~= cb then return line end
    if ca == "\n" then line = line + 1 end
    i = i + 1
  end
  return line
end

-- Writes next to the target, then renames: a reader never sees half a file.
local write_atomically = files.write_atomically

local function main(argv)
  local opts = cli.parse(SPEC, argv)
  local path = opts.output or default_path()
  if path == "" then cli.usage_error(SPEC, "PATH must not be empty") end
  local text = reference.render()
  local count = #require("acrcloud").operations

  if opts.check then
    if path == "-" then cli.usage_error(SPEC, "--check needs a file, not stdout") end
    local current = read_file(path)
    if current == nil then
      cli.die(NAME, string.format("%s is missing: run %s", path, reference.COMMAND))
    end
    if current ~= text then
      cli.die(NAME, string.format("%s is not current (first difference at line %d): run %s",
        path, first_difference(current, text), reference.COMMAND))
    end
    io.stderr:write(string.format("%s: %s is current (%d operations)\n", NAME, path, count))
    return 0
  end

  if path == "-" then
    io.stdout:write(text)
    return 0
  end
  local ok, err = write_atomically(path, text)
  if not ok then cli.die(NAME, string.format("cannot write %s: %s", path, tostring(err))) end
  io.stderr:write(string.format("%s: wrote %s (%d operations)\n", NAME, path, count))
  return 0
end

os.exit(main(arg or {}))
