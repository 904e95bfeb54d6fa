#!/usr/bin/env acrlua
-- provision.lua: make an ACRCloud account match a declarative config file.
-- Run with -h for the whole story.
local cli = require "acrcloud.cli"
local config = require "acrcloud.config"
local progress = require "acrcloud.progress"

local NAME = "provision.lua"

local HELP = [[
usage: provision.lua [options] CONFIG.lua

Compares the projects of an ACRCloud account with a config file, prints a
plan of what it would create or change, field by field, and makes those
changes only with --apply. Run it again afterwards and it reports nothing
to do.

The config file is Lua data: a table of base projects and Broadcast
Database projects (see scripts/samples/account.lua):

  base_projects = {
    { name = "music-id", region = "eu-west-1", type = "AVR",
      buckets = { 8881, 8883 }, audio_type = "linein",
      external_ids = { "spotify", "isrc" } },
  }
  bd_projects = {
    { name = "radio-monitor", region = "eu-west-1", buckets = { 23 },
      result_callback = { url = "https://example.com/acr/results",
                          send_noresult = false, send_type = 2,
                          result_type = "realtime" },     -- or "delay"
      state_notification = { url = "https://example.com/acr/state",
                             send_type = 2 } },
  }

Required: name, region (]] .. table.concat(config.REGIONS, ", ")
  .. [[), buckets, and
type (]] .. table.concat(config.PROJECT_TYPES, ", ")
  .. [[) for base projects. Optional fields that are left out
are left alone in the account. The file is loaded as data in an empty
environment (no os, io, require...), with bounded time and memory, so it
cannot run anything on this machine. Unknown keys, wrong types and unknown
values are reported with their path (base_projects[2].region: ...) before
anything is sent.

Projects are matched by name. A name that matches two projects in the
account is an error, not a guess. Projects in the account that the file
does not name are left alone (never deleted). A project's region and type
cannot be changed through the API: a difference there is reported as an
error.

Options:
      --apply           make the changes (without it: plan only)
      --base-url URL    the API base URL (default: $ACRCLOUD_BASE_URL)
      --profile NAME    the profile that gives the token and base URL
  -h, --help            this help

Output: the plan (and, with --apply, what was done) on stdout; errors and
progress (on a terminal) on stderr.

Exit status: 0 success (plan printed, or changes applied); 1 failure (bad
config, ambiguous names, API errors); 2 bad usage.

]]

local SPEC = {
  help = HELP,
  options = {
    { nil, "apply" },
  },
  min_args = 1, max_args = 1,
  connection = true,
}

local RESULT_TYPES = { realtime = 0, delay = 1 }
local RESULT_TYPE_NAMES = { [0] = "realtime", [1] = "delay" }
local function noresult_name(v)
  if v == 0 then return false elseif v == 1 then return true end
  return v
end

------------------------------------------------------------------ reading

-- All projects of one kind, through the paginated list. client:each raises
-- the error object when a page fails; that becomes nil, err here.
local function list_all(client, op, label)
  local bar = progress.new { label = label }
  local out = {}
  local ok, err = pcall(function()
    for item in client:each(op, {}) do
      out[#out + 1] = item
      bar:update(#out)
    end
  end)
  bar:done()
  if not ok then return nil, err end
  return out
end

-- name -> list of projects with that name.
local function by_name(projects)
  local map = {}
  for _, p in ipairs(projects) do
    local list = map[p.name]
    if not list then
      list = {}
      map[p.name] = list
    end
    list[#list + 1] = p
  end
  return map
end

-- Bucket ids of a project from the API, sorted.
local function bucket_ids(p)
  local ids = {}
  if type(p.buckets) == "table" then
    for _, b in ipairs(p.buckets) do
      local id = type(b) == "table" and b.id or b
      ids[#ids + 1] = math.tointeger(tonumber(id))
    end
  elseif type(p.bucket_ids) == "string" then
    for id in p.bucket_ids:gmatch("%d+") do ids[#ids + 1] = math.tointeger(tonumber(id)) end
  end
  table.sort(ids)
  return ids
end

local function sorted_copy(list, fold)
  local out = {}
  for i, v in ipairs(list or {}) do out[i] = fold and tostring(v):lower() or v end
  table.sort(out)
  return out
end

local function same_list(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do if a[i] ~= b[i] then return false end end
  return true
end

local function show(v)
  if v == nil then return "(none)" end
  if type(v) == "table" then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = tostring(x) end
    return "[" .. table.concat(parts, ", ") .. "]"
  end
  if type(v) == "string" then return v == "" and '""' or v end
  return tostring(v)
end

local function num(v)
  if v == nil then return nil end
  if type(v) == "boolean" then return v and 1 or 0 end
  return math.tointeger(tonumber(v)) or tonumber(v)
end

------------------------------------------------------------------ planning

-- An action: { verb = "create"|"update"|"callback"|"state", kind =, name =,
-- id =, fields = { { name, old, new } }, params = {...} }

-- The account's project of `kind` that the config entry `want` names: the
-- project, nil when there is none, or false when the name is ambiguous
-- (reported in problems).
local function find_project(kind, want, have, problems)
  local matches = have[want.name] or {}
  if #matches > 1 then
    local ids = {}
    for i, p in ipairs(matches) do ids[i] = tostring(p.id) end
    problems[#problems + 1] = string.format("%s %q matches %d projects in the account (ids %s); "
      .. "rename one of them so that the name is unique", kind, want.name, #matches,
      table.concat(ids, ", "))
    return false
  end
  return matches[1]
end

-- A project cannot move: a region other than the config's is a problem.
local function check_region(kind, want, p, problems)
  if p.region ~= want.region then
    problems[#problems + 1] = string.format("%s %q (id %s) is in region %s, the config says %s; "
      .. "the API cannot move a project", kind, want.name, p.id, show(p.region), want.region)
  end
end

local function plan_base(want, have, actions, problems, uptodate)
  local p = find_project("base project", want, have, problems)
  if p == false then return end
  if not p then
    local fields = {
      { "region", nil, want.region }, { "type", nil, want.type },
      { "buckets", nil, want.buckets },
    }
    local params = { name = want.name, region = want.region, type = want.type,
      buckets = want.buckets }
    if want.audio_type then
      fields[#fields + 1] = { "audio_type", nil, want.audio_type }
      params.audio_type = want.audio_type
    end
    if want.external_ids then
      fields[#fields + 1] = { "external_ids", nil, want.external_ids }
      params.external_ids = want.external_ids
    end
    actions[#actions + 1] = { verb = "create", kind = "base project", name = want.name,
      op = "create_base_project", params = params, fields = fields }
    return
  end
  check_region("base project", want, p, problems)
  local have_type = p.service_type or p.type
  if have_type ~= want.type then
    problems[#problems + 1] = string.format("base project %q (id %s) has type %s, the config "
      .. "says %s; the API cannot change a project's type", want.name, p.id, show(have_type),
      want.type)
  end
  local fields = {}
  local have_buckets, want_buckets = bucket_ids(p), sorted_copy(want.buckets)
  if not same_list(have_buckets, want_buckets) then
    fields[#fields + 1] = { "buckets", have_buckets, want_buckets }
  end
  if want.audio_type and p.audio_type ~= want.audio_type then
    fields[#fields + 1] = { "audio_type", p.audio_type, want.audio_type }
  end
  if want.external_ids then
    -- The API shows them as given ("Deezer" or "deezer"): compare folded.
    local h, w = sorted_copy(p.external_ids, true), sorted_copy(want.external_ids, true)
    if not same_list(h, w) then fields[#fields + 1] = { "external_ids", h, w } end
  end
  if #fields == 0 then
    uptodate[#uptodate + 1] = string.format("base project %q (id %s)", want.name, p.id)
    return
  end
  -- Send every field the config manages, not only the changed ones, so
  -- that the result does not depend on how the API treats missing fields.
  local params = { id = p.id, buckets = want.buckets }
  if want.audio_type then params.audio_type = want.audio_type end
  if want.external_ids then params.external_ids = want.external_ids end
  actions[#actions + 1] = { verb = "update", kind = "base project", name = want.name, id = p.id,
    op = "update_base_project", params = params, fields = fields }
end

local function same(v) return v end

-- The two callback settings of a BD project: the config's key, the API's
-- (in the project's config), the operation that sets it, and its fields:
-- the config's name, the API's, the operation's parameter; `read` gives
-- the API's value as the config spells it (default num), `write` the
-- config's value as the operation takes it (default as it is).
local BD_SETTINGS = {
  { config = "result_callback", api = "callback_result", verb = "callback",
    what = "result callback", op = "set_bd_project_result_callback",
    fields = {
      { "url", "diy_url", "result_callback_url", read = same },
      { "send_noresult", "diy_send_noresult", "result_callback_send_noresult",
        read = function(v) return noresult_name(num(v)) end,
        write = function(v) return v and 1 or 0 end },
      { "send_type", "diy_send_type", "result_callback_send_type" },
      { "result_type", "diy_result_type", "result_callback_result_type",
        read = function(v) return RESULT_TYPE_NAMES[num(v)] or num(v) end,
        write = function(v) return RESULT_TYPES[v] end },
    } },
  { config = "state_notification", api = "callback_state", verb = "state",
    what = "state notification", op = "set_bd_project_state_notification",
    fields = {
      { "url", "url", "state_callback_url", read = same },
      { "send_type", "send_type", "state_callback_type" },
    } },
}

-- The action that makes one setting (of BD_SETTINGS) of project p what the
-- config entry `want` says, or nil when the account already matches or the
-- config leaves it alone. p is nil for a project still to be created (its
-- id is filled in when applying): then every value the config sets is
-- shown. An existing project's setting must also be enabled.
local function setting_action(setting, want, p)
  local wanted = want[setting.config]
  if not wanted then return nil end
  local cur = p and type(p.config) == "table" and p.config[setting.api] or {}
  local fields, params = {}, {}
  local function cmp(label, old, new)
    if new ~= nil and (p == nil or old ~= new) then
      fields[#fields + 1] = { label, p and old, new }
    end
  end
  if p then cmp("enabled", num(cur.enabled), 1) end
  for _, f in ipairs(setting.fields) do
    local key, api_key, param = f[1], f[2], f[3]
    cmp(key, (f.read or num)(cur[api_key]), wanted[key])
    if wanted[key] ~= nil then params[param] = (f.write or same)(wanted[key]) end
  end
  if #fields == 0 then return nil end
  return { verb = setting.verb, kind = "Broadcast Database project", name = want.name,
    id = p and p.id, op = setting.op, params = params, fields = fields, what = setting.what }
end

local function plan_bd(want, have, actions, problems, uptodate)
  local p = find_project("Broadcast Database project", want, have, problems)
  if p == false then return end
  if not p then
    actions[#actions + 1] = { verb = "create", kind = "Broadcast Database project",
      name = want.name, op = "create_bd_project",
      params = { name = want.name, region = want.region, buckets = want.buckets },
      fields = { { "region", nil, want.region }, { "buckets", nil, want.buckets } } }
    -- The callbacks need the new project's id: filled in when applying.
    for _, setting in ipairs(BD_SETTINGS) do
      actions[#actions + 1] = setting_action(setting, want, nil)
    end
    return
  end
  check_region("Broadcast Database project", want, p, problems)
  local n = #actions
  local have_buckets, want_buckets = bucket_ids(p), sorted_copy(want.buckets)
  if not same_list(have_buckets, want_buckets) then
    actions[#actions + 1] = { verb = "update", kind = "Broadcast Database project",
      name = want.name, id = p.id, op = "update_bd_project",
      params = { id = p.id, buckets = want.buckets },
      fields = { { "buckets", have_buckets, want_buckets } } }
  end
  for _, setting in ipairs(BD_SETTINGS) do
    actions[#actions + 1] = setting_action(setting, want, p)
  end
  if #actions == n then
    uptodate[#uptodate + 1] = string.format("Broadcast Database project %q (id %s)", want.name,
      p.id)
  end
end

------------------------------------------------------------------ output

local SIGN = { create = "+", update = "~", callback = "~", state = "~" }

local function describe(a)
  if a.verb == "create" then return string.format("create %s %q", a.kind, a.name) end
  local id = a.id and (" (id " .. a.id .. ")") or " (new)"
  if a.verb == "update" then return string.format("change %s %q%s", a.kind, a.name, id) end
  return string.format("set the %s of %s %q%s", a.what, a.kind, a.name, id)
end

local function print_action(out, a)
  out:write("\n", SIGN[a.verb], " ", describe(a), "\n")
  local width = 0
  for _, f in ipairs(a.fields) do width = math.max(width, #f[1]) end
  for _, f in ipairs(a.fields) do
    if a.verb == "create" or (a.id == nil) then
      out:write(string.format("    %-" .. width .. "s  %s\n", f[1], show(f[3])))
    else
      out:write(string.format("    %-" .. width .. "s  %s -> %s\n", f[1], show(f[2]),
        show(f[3])))
    end
  end
end

------------------------------------------------------------------ main

local function main(argv)
  local opts, args = cli.parse(SPEC, argv)
  local path = args[1]
  local out = io.stdout

  -- The config is checked before anything is sent (or a token is needed).
  local account, errs = config.load_account(path)
  if not account then
    for _, e in ipairs(errs) do io.stderr:write(NAME, ": ", e, "\n") end
    io.stderr:write(NAME, ": ", path, ": ", #errs, " error(s); nothing was sent\n")
    return 1
  end

  local client, base_url = cli.connect(NAME, opts)

  local have_base, have_bd
  if #account.base_projects > 0 then
    local list, err = list_all(client, "list_base_projects", "base projects")
    if not list then cli.die(NAME, "cannot list base projects: " .. tostring(err)) end
    have_base = by_name(list)
  end
  if #account.bd_projects > 0 then
    local list, err = list_all(client, "list_bd_projects", "Broadcast Database projects")
    if not list then
      cli.die(NAME, "cannot list Broadcast Database projects: " .. tostring(err))
    end
    have_bd = by_name(list)
  end

  local actions, problems, uptodate = {}, {}, {}
  for _, want in ipairs(account.base_projects) do
    plan_base(want, have_base, actions, problems, uptodate)
  end
  for _, want in ipairs(account.bd_projects) do
    plan_bd(want, have_bd, actions, problems, uptodate)
  end

  if #problems > 0 then
    for _, p in ipairs(problems) do io.stderr:write(NAME, ": ", p, "\n") end
    io.stderr:write(NAME, ": ", #problems, " problem(s); nothing was changed\n")
    return 1
  end

  local creates, changes = 0, 0
  local changed_projects = {}
  for _, a in ipairs(actions) do
    if a.verb == "create" then
      creates = creates + 1
    elseif not changed_projects[a.kind .. "\0" .. a.name] and a.id then
      changed_projects[a.kind .. "\0" .. a.name] = true
      changes = changes + 1
    end
  end

  if #actions == 0 then
    out:write(string.format("Nothing to do: the account at %s matches %s (%d project(s) up to "
      .. "date).\n", base_url, path, #uptodate))
    return 0
  end

  out:write(string.format("Plan for %s from %s:\n", base_url, path))
  for _, a in ipairs(actions) do print_action(out, a) end
  if #uptodate > 0 then out:write("\n") end
  for _, u in ipairs(uptodate) do out:write("= ", u, " is up to date\n") end
  out:write(string.format("\n%d to create, %d to change, %d up to date.\n", creates, changes,
    #uptodate))

  if not opts.apply then
    out:write("This is a plan only: run again with --apply to make these changes.\n")
    return 0
  end

  out:write("\nApplying:\n")
  local new_ids = {} -- name -> id of BD projects created in this run
  for i, a in ipairs(actions) do
    local params = {}
    for k, v in pairs(a.params) do params[k] = v end
    if (a.verb == "callback" or a.verb == "state") and not a.id then
      a.id = new_ids[a.name]
      params.id = a.id
    elseif a.id then
      params.id = a.id
    end
    local body, err = client[a.op](client, params)
    if not body then
      out:write(string.format("failed to %s: %s\n", describe(a), tostring(err)))
      out:write(string.format("%d of %d change(s) made; fix the problem and run again.\n", i - 1,
        #actions))
      return 1
    end
    local data = type(body) == "table" and body.data or nil
    if a.verb == "create" then
      a.id = type(data) == "table" and data.id or nil
      if a.kind == "Broadcast Database project" then new_ids[a.name] = a.id end
      out:write(string.format("  created %s %q (id %s)\n", a.kind, a.name, show(a.id)))
    else
      out:write(string.format("  done: %s\n", describe(a)))
    end
  end
  out:write(string.format("Applied: %d created, %d changed.\n", creates, changes))
  return 0
end

os.exit(main(arg or {}))
