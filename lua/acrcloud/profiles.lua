--- Named profiles: where a client's token and base URL come from when the
-- caller does not give them.
--
--   local profiles = require "acrcloud.profiles"
--   local options, info = profiles.client_options{ profile = "work", timeout = 30 }
--   local client = require("acrcloud").new(options)
--   -- info.profile ("work"), info.region, info.output: the profile's other
--   -- fields; info.sources.token: where the token came from
--
-- The profile file is `${XDG_CONFIG_HOME:-~/.config}/acrcloud/profiles.lua`,
-- data only (loaded in the same sandbox as provisioning configs):
--
--   return {
--     default = { token = "...", base_url = "...", region = "eu-west-1", output = "table" },
--     work = { token = "..." },
--   }
--
-- Every field is optional. The file holds tokens, so it is refused when
-- other users can read or change it (the message says `chmod 600 PATH`).
--
-- Precedence, for the token and the base URL alike (the first that gives a
-- value wins):
--
--   1. the option itself (`token =`, `base_url =`)
--   2. the profile named explicitly (`profile =`, the CLI's `--profile`)
--   3. ACRCLOUD_ACCESS_TOKEN / ACRCLOUD_BASE_URL
--   4. the profile named by ACRCLOUD_PROFILE, else the one named `default`
--      (when no profile was named explicitly)
--   5. the official ACRCloud CLI's ~/.acrcloud/config.json (`access_token`,
--      `base_url`), read whatever its mode because that tool writes it 0644,
--      with a one-line warning when its token is used and others can read it
--
-- A profile named explicitly (or by ACRCLOUD_PROFILE) that does not exist is
-- an error; a missing `default` is not.
local M = {}

local config = require "acrcloud.config"

--- The fields a profile may have.
M.FIELDS = { "token", "base_url", "region", "output" }
local FIELD_SET = {}
for _, f in ipairs(M.FIELDS) do FIELD_SET[f] = true end

--- The values the `output` field takes (acr's -o).
M.OUTPUTS = { "json", "jsonl", "table", "csv", "raw" }

local function env_value(getenv, name)
  local v = getenv(name)
  if v == "" then return nil end
  return v
end

local function home(getenv)
  return env_value(getenv, "HOME") or "."
end

--- The profile file's path: ${XDG_CONFIG_HOME:-$HOME/.config}/acrcloud/profiles.lua.
function M.path(getenv)
  getenv = getenv or os.getenv
  local base = env_value(getenv, "XDG_CONFIG_HOME") or (home(getenv) .. "/.config")
  return base .. "/acrcloud/profiles.lua"
end

--- The official CLI's config file: $HOME/.acrcloud/config.json.
function M.official_path(getenv)
  getenv = getenv or os.getenv
  return home(getenv) .. "/.acrcloud/config.json"
end

local shell_quote = require("acrcloud.process").quote

--- The permission bits of a file (an integer such as 384 for 0600), or nil
-- when they cannot be read. Lua has no stat(2): this asks stat(1), GNU
-- syntax first, then BSD's.
function M.file_mode(path)
  local q = shell_quote(path)
  for _, cmd in ipairs({ "stat -L -c %a -- " .. q, "stat -L -f %Lp -- " .. q }) do
    local p = io.popen(cmd .. " 2>/dev/null")
    if p then
      local out = p:read("a") or ""
      p:close()
      local octal = out:match("^%s*([0-7]+)%s*$")
      if octal then return tonumber(octal, 8) end
    end
  end
  return nil
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

local function has_control(s)
  return s:find("[%c\127]") ~= nil
end

-- Checks one profile's fields; appends messages to errors.
local function check_profile(name, p, where, errors)
  local function bad(msg)
    errors[#errors + 1] = string.format("%s: profile %q: %s", where, name, msg)
  end
  if type(p) ~= "table" then
    bad("expected a table of fields (" .. table.concat(M.FIELDS, ", ") .. "), got a " .. type(p))
    return
  end
  local keys = {}
  for k in pairs(p) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  for _, k in ipairs(keys) do
    if not FIELD_SET[k] then
      bad(string.format("unknown field %q (expected one of %s)", k, table.concat(M.FIELDS, ", ")))
    end
  end
  for _, f in ipairs(M.FIELDS) do
    local v = p[f]
    if v ~= nil and type(v) ~= "string" then
      bad(f .. ": expected a string, got a " .. type(v))
    elseif v ~= nil then
      if v == "" then
        bad(f .. ": must not be empty (leave the field out instead)")
      elseif has_control(v) then
        bad(f .. ": has a control character (a line break?)")
      elseif f == "base_url" and not v:match("^https?://[^%s/]+") then
        bad(string.format("base_url: %q is not an http(s) URL", v))
      elseif f == "output" then
        local ok = false
        for _, o in ipairs(M.OUTPUTS) do ok = ok or o == v end
        if not ok then
          bad(string.format("output: unknown format %q (expected one of %s)", v,
            table.concat(M.OUTPUTS, ", ")))
        end
      end
    end
  end
end

--- Checks the shape of a profiles table. Returns true, or nil and the list
-- of messages (each starting with `where`).
function M.check(profiles, where)
  local errors = {}
  if type(profiles) ~= "table" then
    return nil, { where .. ": expected a table of profiles" }
  end
  local names = {}
  for k in pairs(profiles) do
    if type(k) ~= "string" or not k:match("^[%w_.%-]+$") then
      errors[#errors + 1] = string.format("%s: %s is not a profile name (letters, digits, "
        .. "'_', '-' and '.')", where,
        type(k) == "string" and string.format("%q", k) or tostring(k))
    else
      names[#names + 1] = k
    end
  end
  table.sort(names)
  for _, name in ipairs(names) do check_profile(name, profiles[name], where, errors) end
  if #errors > 0 then return nil, errors end
  return true
end

--- Whether a mode lets users other than the owner read or write the file.
function M.too_open(mode)
  return mode & 54 ~= 0 -- 0066: read or write for group or others
end

--- Loads the profile file. Returns the profiles table; or nil, message
-- (refused, unreadable, malformed); or false when there is no file.
-- opts.check_mode = false skips the permission check (acr configure, which
-- rewrites the file 0600 anyway).
function M.load(path, opts)
  opts = opts or {}
  if not exists(path) then return false end
  if opts.check_mode ~= false then
    local mode = M.file_mode(path)
    if mode == nil then
      return nil, string.format("%s: cannot read its permissions (is stat(1) installed?); "
        .. "refusing to use a file that holds tokens", path)
    end
    if M.too_open(mode) then
      return nil, string.format("%s can be read or changed by other users (mode %03o); it holds "
        .. "tokens, so it is not used: run chmod 600 %s", path, mode, shell_quote(path))
    end
  end
  local data, err = config.load_file(path)
  if not data then return nil, tostring(err) end
  local ok, errors = M.check(data, path)
  if not ok then return nil, table.concat(errors, "; ") end
  return data
end

-- The official CLI's config: { access_token =, base_url = } or nil, plus a
-- warning to give when its token is used (the file is readable by others).
local function load_official(path, warn)
  local f = io.open(path, "rb")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  local ok, data = pcall(require("acrcloud").decode, text)
  if not ok or type(data) ~= "table" then
    warn(string.format("%s is not a JSON object; ignored", path))
    return nil
  end
  local out = {}
  for _, k in ipairs({ "access_token", "base_url" }) do
    local v = data[k]
    if type(v) == "string" and v ~= "" and not has_control(v) then out[k] = v end
  end
  return out
end

local function names_of(profiles)
  local names = {}
  for k in pairs(profiles or {}) do names[#names + 1] = k end
  table.sort(names)
  return #names > 0 and table.concat(names, ", ") or "none"
end

--- The options for the C `acrcloud.new`: a new table with everything of
-- `opts` but `profile`, and `token` and `base_url` filled in by the
-- precedence above (left out when no source gives one: the client then
-- uses its defaults).
--
-- Returns options, info, where info = { profile = name or nil, path =,
-- region =, output = (the profile's other fields), sources = { token =,
-- base_url = } (where each came from, for messages: "option", "profile
-- NAME", "ACRCLOUD_ACCESS_TOKEN", "ACRCLOUD_BASE_URL", the official file's
-- path) }.
--
-- Raises (with a one-line message, no position) when a named profile does
-- not exist or the profile file is refused or malformed.
--
-- env (for tests): getenv (default os.getenv), warn (default: a line on
-- stderr), path, official_path.
function M.client_options(opts, env)
  opts = opts or {}
  env = env or {}
  local getenv = env.getenv or os.getenv
  local warn = env.warn or function(msg) io.stderr:write("acrcloud: warning: ", msg, "\n") end
  if opts.profile ~= nil and (type(opts.profile) ~= "string" or opts.profile == "") then
    error("profile: expected a profile name (a string), got " .. tostring(opts.profile), 0)
  end

  local out = {}
  for k, v in pairs(opts) do
    if k ~= "profile" then out[k] = v end
  end
  local info = { sources = {} }
  if out.token ~= nil then info.sources.token = "option" end
  if out.base_url ~= nil then info.sources.base_url = "option" end

  local explicit = opts.profile
  local from_env = env_value(getenv, "ACRCLOUD_PROFILE")
  local wanted = explicit or from_env or "default"
  local path = env.path or M.path(getenv)
  info.path = path

  local profile
  -- Nothing to look up when the caller gave both and named no profile.
  if explicit or from_env or out.token == nil or out.base_url == nil then
    local profiles, err = M.load(path)
    if profiles == nil then error(err, 0) end
    if profiles then profile = profiles[wanted] end
    if not profile and (explicit or from_env) then
      if profiles == false then
        error(string.format("no profile %q: %s does not exist (create it with: acr configure "
          .. "--profile %s)", wanted, path, wanted), 0)
      end
      error(string.format("no profile %q in %s (profiles: %s%s)", wanted, path,
        names_of(profiles), explicit and "" or "; named by ACRCLOUD_PROFILE"), 0)
    end
  end
  if profile then
    info.profile = wanted
    info.region = profile.region
    info.output = profile.output
  end

  local label = "profile " .. wanted
  local function fill(field, env_name)
    if out[field] ~= nil then return end
    local candidates = {}
    if explicit and profile then candidates[#candidates + 1] = { profile[field], label } end
    candidates[#candidates + 1] = { env_value(getenv, env_name), env_name }
    if not explicit and profile then candidates[#candidates + 1] = { profile[field], label } end
    for _, c in ipairs(candidates) do
      if c[1] ~= nil then
        out[field] = c[1]
        info.sources[field] = c[2]
        return
      end
    end
  end
  fill("token", "ACRCLOUD_ACCESS_TOKEN")
  fill("base_url", "ACRCLOUD_BASE_URL")

  if out.token == nil or out.base_url == nil then
    local official = env.official_path or M.official_path(getenv)
    local data = load_official(official, warn)
    if data then
      if out.token == nil and data.access_token then
        out.token = data.access_token
        info.sources.token = official
        local mode = M.file_mode(official)
        if mode and mode & 36 ~= 0 then -- 0044: others can read it
          warn(string.format("the token comes from %s, which other users can read (mode %03o): "
            .. "run chmod 600 on it, or move to a profile with 'acr configure'", official, mode))
        end
      end
      if out.base_url == nil and data.base_url then
        out.base_url = data.base_url
        info.sources.base_url = official
      end
    end
  end
  return out, info
end

-- ------------------------------------------------------------ writing

--- The profile file's text for a profiles table: data only, names and
-- fields in a fixed order.
function M.serialize(profiles)
  local names = {}
  for k in pairs(profiles) do names[#names + 1] = k end
  table.sort(names)
  local out = { "-- acrcloud profiles (written by acr configure). Data only; keep it mode 0600.",
    "return {" }
  for _, name in ipairs(names) do
    local key = name:match("^[%a_][%w_]*$") and name or string.format("[%q]", name)
    out[#out + 1] = "  " .. key .. " = {"
    for _, f in ipairs(M.FIELDS) do
      local v = profiles[name][f]
      if v ~= nil then out[#out + 1] = string.format("    %s = %q,", f, v) end
    end
    out[#out + 1] = "  },"
  end
  out[#out + 1] = "}"
  return table.concat(out, "\n") .. "\n"
end

--- Writes the profile file with mode 0600 (its directory is made if
-- needed): a temporary file beside it, made 0600 before anything is
-- written into it, then renamed over the old one.
function M.write(path, profiles)
  local ok, errors = M.check(profiles, path)
  if not ok then return nil, table.concat(errors, "; ") end
  local dir = path:match("^(.*)/[^/]*$")
  if dir and dir ~= "" and not os.execute("mkdir -p -m 700 -- " .. shell_quote(dir)) then
    return nil, "cannot create the directory " .. dir
  end
  local tmp = path .. ".tmp"
  os.remove(tmp)
  if not os.execute("(umask 077 && : > " .. shell_quote(tmp) .. ") 2>/dev/null") then
    return nil, "cannot create " .. tmp
  end
  local mode = M.file_mode(tmp)
  if mode == nil or M.too_open(mode) then
    os.remove(tmp)
    return nil, "cannot make " .. tmp .. " private (mode 0600)"
  end
  return require("acrcloud.files").write_atomically(path, M.serialize(profiles), tmp)
end

return M
