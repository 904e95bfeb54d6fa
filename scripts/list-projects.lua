#!/usr/bin/env acrlua
-- list-projects.lua: the account's base projects and Broadcast Database
-- projects, as one aligned table. Run with -h for the whole story.
local cli = require "acrcloud.cli"

local NAME = "list-projects.lua"

local HELP = [[
usage: list-projects.lua [options]

Lists the account's base (recognition) projects and Broadcast Database
(monitoring) projects, every page of both, as one aligned table:

  KIND  ID  NAME  REGION  TYPE  BUCKETS

KIND is "base" or "bd"; TYPE is the service type (AVR, LCD, HR) of a base
project and the project type (BM-Database) of a Broadcast Database one;
BUCKETS lists the bucket ids the project reads from.

Options:
  -r, --region REGION   only the projects of that region
      --base-url URL    the API base URL (default: $ACRCLOUD_BASE_URL)
      --profile NAME    the profile that gives the token and base URL
  -h, --help            this help

The table goes to stdout; errors go to stderr.
Exit status: 0 success; 1 failure (API error, no token); 2 bad usage.

]]

local SPEC = {
  usage = "list-projects.lua [-r REGION] [--base-url URL] [--profile NAME]",
  help = HELP,
  options = {
    { "r", "region", value = "REGION" },
  },
  min_args = 0, max_args = 0,
  connection = true,
}

local COLUMNS = { "KIND", "ID", "NAME", "REGION", "TYPE", "BUCKETS" }

local function bucket_ids(project)
  local ids = {}
  for i, b in ipairs(project.buckets or {}) do ids[i] = tostring(b.id) end
  return table.concat(ids, ",")
end

-- One row a project, every page of both lists; nil, err on a failure.
local function collect(client, region)
  local rows = {}
  local sources = {
    { "base", "list_base_projects", "service_type" },
    { "bd", "list_bd_projects", "type" },
  }
  for _, source in ipairs(sources) do
    local kind, operation, type_field = source[1], source[2], source[3]
    local ok, err = pcall(function()
      for p in client:each(operation, { region = region }) do
        rows[#rows + 1] = { kind, tostring(p.id), tostring(p.name), tostring(p.region),
          tostring(p[type_field] or ""), bucket_ids(p) }
      end
    end)
    if not ok then return nil, err end
  end
  return rows
end

local function print_table(rows)
  local widths = {}
  for i, title in ipairs(COLUMNS) do widths[i] = #title end
  for _, row in ipairs(rows) do
    for i, cell in ipairs(row) do widths[i] = math.max(widths[i], utf8.len(cell) or #cell) end
  end
  local function line(cells)
    local out = {}
    for i, cell in ipairs(cells) do
      local pad = widths[i] - (utf8.len(cell) or #cell)
      -- ids right-aligned, the rest left-aligned; no trailing spaces
      if i == 2 then out[i] = string.rep(" ", pad) .. cell
      elseif i < #cells then out[i] = cell .. string.rep(" ", pad)
      else out[i] = cell end
    end
    io.stdout:write(table.concat(out, "  "), "\n")
  end
  line(COLUMNS)
  for _, row in ipairs(rows) do line(row) end
end

local function main(argv)
  local opts = cli.parse(SPEC, argv)
  local client = cli.connect(NAME, opts)
  local rows, err = collect(client, opts.region)
  client:close()
  if not rows then cli.die(NAME, err) end
  print_table(rows)
  io.stderr:write(string.format("%d project(s)\n", #rows))
  return 0
end

os.exit(main(arg))
