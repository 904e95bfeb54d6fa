-- acrcloud.profiles: where the token and base URL come from, the permission
-- check, writing the file; and the scripts' --profile.
local profiles = require "acrcloud.profiles"

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local support = dofile(here .. "/support.lua")
local q, read_file, write_file = support.q, support.read_file, support.write_file

-- A fresh directory, removed by remove_dirs.
local dirs = {}
local function temp_dir()
  local p = assert(io.popen("mktemp -d"))
  local dir = p:read("l")
  p:close()
  dirs[#dirs + 1] = dir
  return dir
end
local function remove_dirs()
  for _, d in ipairs(dirs) do os.execute("rm -rf " .. q(d)) end
  dirs = {}
end

local function chmod(mode, path) assert(os.execute("chmod " .. mode .. " " .. q(path))) end

-- A home directory with a profile file (mode 0600 unless given) and,
-- optionally, the official CLI's config.json.
local function make_home(o)
  local home = temp_dir()
  if o.profiles then
    assert(os.execute("mkdir -p " .. q(home .. "/.config/acrcloud")))
    local path = home .. "/.config/acrcloud/profiles.lua"
    write_file(path, o.profiles)
    chmod(o.mode or "600", path)
  end
  if o.official then
    assert(os.execute("mkdir -p " .. q(home .. "/.acrcloud")))
    write_file(home .. "/.acrcloud/config.json", o.official)
    chmod(o.official_mode or "644", home .. "/.acrcloud/config.json")
  end
  return home
end

-- client_options with an environment of our own; warnings collected.
local function resolve(opts, vars)
  local warnings = {}
  local env = {
    getenv = function(name) return vars[name] end,
    warn = function(msg) warnings[#warnings + 1] = msg end,
  }
  local out, info = profiles.client_options(opts, env)
  return out, info, warnings
end

local PROFILES = [[
return {
  default = { token = "tok-default", base_url = "http://default.example/api",
              region = "eu-west-1" },
  work = { token = "tok-work", base_url = "http://work.example/api", output = "csv" },
  bare = { region = "us-west-2" },
}
]]
local OFFICIAL = '{"base_url": "http://official.example/api", "access_token": "tok-official"}'

after_each(remove_dirs)

describe("profiles.client_options precedence", function()
  local home
  before_each(function() home = make_home { profiles = PROFILES, official = OFFICIAL } end)

  it("takes explicit options first, and drops the profile key", function()
    local out, info = resolve({ token = "opt", base_url = "http://opt/api", profile = "work",
      timeout = 5 }, { HOME = home, ACRCLOUD_ACCESS_TOKEN = "env" })
    assert.same({ token = "opt", base_url = "http://opt/api", timeout = 5 }, out)
    assert.equal("option", info.sources.token)
    assert.equal("work", info.profile)
    assert.equal("csv", info.output)
  end)

  it("puts an explicit --profile before the environment", function()
    local out, info = resolve({ profile = "work" }, { HOME = home,
      ACRCLOUD_ACCESS_TOKEN = "tok-env", ACRCLOUD_BASE_URL = "http://env/api" })
    assert.equal("tok-work", out.token)
    assert.equal("http://work.example/api", out.base_url)
    assert.equal("profile work", info.sources.token)
  end)

  it("puts the environment before the profile named by ACRCLOUD_PROFILE", function()
    local out, info = resolve({}, { HOME = home, ACRCLOUD_PROFILE = "work",
      ACRCLOUD_ACCESS_TOKEN = "tok-env" })
    assert.equal("tok-env", out.token)
    assert.equal("ACRCLOUD_ACCESS_TOKEN", info.sources.token)
    -- the base URL is not in the environment: the profile gives it
    assert.equal("http://work.example/api", out.base_url)
    assert.equal("work", info.profile)
  end)

  it("puts the environment before the default profile", function()
    local out = resolve({}, { HOME = home, ACRCLOUD_BASE_URL = "http://env/api" })
    assert.equal("http://env/api", out.base_url)
    assert.equal("tok-default", out.token)
  end)

  it("uses the default profile when nothing else is named", function()
    local out, info = resolve({}, { HOME = home })
    assert.same({ token = "tok-default", base_url = "http://default.example/api" }, out)
    assert.equal("default", info.profile)
    assert.equal("eu-west-1", info.region)
  end)

  it("falls back to the environment for fields an explicit profile lacks", function()
    local out, info = resolve({ profile = "bare" }, { HOME = home,
      ACRCLOUD_ACCESS_TOKEN = "tok-env" })
    assert.equal("tok-env", out.token)
    assert.equal("us-west-2", info.region)
    -- neither the profile nor the environment has a base URL; the default
    -- profile is not consulted (another profile was named), the official
    -- file is
    assert.equal("http://official.example/api", out.base_url)
  end)

  it("comes to the official CLI's config.json last, with a warning when others can read it",
    function()
      local h = make_home { official = OFFICIAL }
      local out, info, warnings = resolve({}, { HOME = h })
      assert.equal("tok-official", out.token)
      assert.equal("http://official.example/api", out.base_url)
      assert.equal(h .. "/.acrcloud/config.json", info.sources.token)
      assert.equal(1, #warnings)
      assert.matches("other users can read %(mode 644%)", warnings[1])
      assert.not_matches("tok%-official", warnings[1])
      chmod("600", h .. "/.acrcloud/config.json")
      local _, _, quiet = resolve({}, { HOME = h })
      assert.same({}, quiet)
    end)

  it("leaves token and base_url out when no source has them", function()
    local out, info = resolve({ timeout = 3 }, { HOME = temp_dir() })
    assert.same({ timeout = 3 }, out)
    assert.is_nil(info.profile)
  end)

  it("follows XDG_CONFIG_HOME", function()
    local xdg = temp_dir()
    assert(os.execute("mkdir -p " .. q(xdg .. "/acrcloud")))
    write_file(xdg .. "/acrcloud/profiles.lua", 'return { default = { token = "xdg" } }')
    chmod("600", xdg .. "/acrcloud/profiles.lua")
    local out = resolve({}, { HOME = home, XDG_CONFIG_HOME = xdg })
    assert.equal("xdg", out.token)
  end)

  it("does not change the table it is given", function()
    local opts = { profile = "work", timeout = 9 }
    resolve(opts, { HOME = home })
    assert.same({ profile = "work", timeout = 9 }, opts)
  end)
end)

describe("profiles.client_options refusals", function()
  it("names a missing profile and the ones there are", function()
    local home = make_home { profiles = PROFILES }
    assert.has_error(function() resolve({ profile = "nope" }, { HOME = home }) end,
      'no profile "nope" in ' .. home .. "/.config/acrcloud/profiles.lua (profiles: bare, "
      .. "default, work)")
    assert.has_error(function() resolve({}, { HOME = home, ACRCLOUD_PROFILE = "nope" }) end)
  end)

  it("says how to create a profile when there is no file", function()
    local err = support.error_of(resolve, { profile = "work" }, { HOME = temp_dir() })
    assert.matches("does not exist %(create it with: acr configure %-%-profile work%)", err)
  end)

  it("refuses a file others can read, saying chmod 600", function()
    local home = make_home { profiles = PROFILES, mode = "644" }
    local path = home .. "/.config/acrcloud/profiles.lua"
    local err = support.error_of(resolve, {}, { HOME = home, ACRCLOUD_ACCESS_TOKEN = "env" })
    assert.matches("mode 644", err, 1, true)
    assert.matches("chmod 600 '" .. path .. "'", err, 1, true)
    assert.not_matches("tok%-", err)
    chmod("640", path)
    assert.is_false((pcall(resolve, {}, { HOME = home })))
    chmod("620", path)
    assert.is_false((pcall(resolve, {}, { HOME = home })))
    chmod("600", path)
    assert.is_true((pcall(resolve, {}, { HOME = home })))
  end)

  it("does not read the file when the options give token and base URL", function()
    local home = make_home { profiles = PROFILES, mode = "644" }
    local out = resolve({ token = "t", base_url = "http://x/api" }, { HOME = home })
    assert.equal("t", out.token)
  end)

  it("reports mistakes in the file with the profile and field", function()
    local home = make_home { profiles = 'return { work = { tokn = "x", output = "xml" } }' }
    local err = support.error_of(resolve, { profile = "work" }, { HOME = home })
    assert.matches('profile "work": unknown field "tokn"', err, 1, true)
    assert.matches('output: unknown format "xml"', err, 1, true)
  end)

  it("loads the file as data: no os, no io", function()
    local home = make_home { profiles = 'os.exit(3) return {}' }
    local err = support.error_of(resolve, {}, { HOME = home })
    assert.matches("os", err)
  end)
end)

describe("profiles.write", function()
  it("writes a file of mode 0600 that loads back the same", function()
    local dir = temp_dir()
    local path = dir .. "/new/acrcloud/profiles.lua"
    local data = { default = { token = 'a"b\\c', region = "eu-west-1" },
      ["my-work"] = { token = "w", base_url = "http://127.0.0.1:1/api", output = "json" } }
    assert(profiles.write(path, data))
    assert.equal(tonumber("600", 8), profiles.file_mode(path))
    assert.same(data, profiles.load(path))
    -- rewriting an old, too open file leaves it 0600
    chmod("644", path)
    assert(profiles.write(path, { default = { token = "x" } }))
    assert.equal(tonumber("600", 8), profiles.file_mode(path))
    assert.is_nil(read_file(path .. ".tmp"))
  end)

  it("refuses bad profiles without writing", function()
    local path = temp_dir() .. "/p.lua"
    local ok, err = profiles.write(path, { default = { token = "a\nb" } })
    assert.is_nil(ok)
    assert.matches("control character", err)
    assert.is_nil(read_file(path))
  end)
end)

describe("the scripts' --profile", function()
  local emu = support.emulator("profile-token")
  setup(emu.start)
  teardown(emu.stop)

  local function run(args, home, vars)
    local words = { "env", "-u", "ACRCLOUD_ACCESS_TOKEN", "-u", "ACRCLOUD_BASE_URL", "-u",
      "ACRCLOUD_PROFILE", "-u", "XDG_CONFIG_HOME", "HOME=" .. home }
    for k, v in pairs(vars or {}) do words[#words + 1] = k .. "=" .. v end
    words[#words + 1] = assert(os.getenv("ACRLUA"), "ACRLUA is not set")
    for _, a in ipairs(args) do words[#words + 1] = a end
    for i, w in ipairs(words) do words[i] = q(w) end
    local err = os.tmpname()
    local p = assert(io.popen("timeout 60 " .. table.concat(words, " ") .. " 2>" .. err))
    local out = p:read("a")
    local _, _, code = p:close()
    local r = { out = out, err = read_file(err), code = code }
    os.remove(err)
    return r
  end

  it("takes the token and base URL from the profile named", function()
    local home = make_home { profiles = string.format(
      'return { emu = { token = "profile-token", base_url = %q } }', emu.url) }
    local r = run({ "scripts/list-projects.lua", "--profile", "emu" }, home)
    assert.equal(0, r.code, r.err)
    assert.matches("KIND%s+ID%s+NAME", r.out)
    r = run({ "scripts/stats.lua", "--profile", "emu", "15", "2021-04-09", "2021-04-10" }, home)
    assert.equal(0, r.code, r.err)
    assert.matches("2021%-04%-10", r.out)
  end)

  it("fails with the profile error, exit 1", function()
    local home = make_home { profiles = "return {}" }
    local r = run({ "scripts/list-projects.lua", "--profile", "nope" }, home)
    assert.equal(1, r.code)
    assert.matches('list%-projects%.lua: no profile "nope"', r.err)
  end)

  it("are resolved by acrcloud.new itself: profile =, or the default one", function()
    local home = make_home { profiles = string.format(
      'return { emu = { token = "profile-token", base_url = %q }, default = { token = "d" } }',
      emu.url) }
    local code = [[
      local acrcloud = require "acrcloud"
      local body = assert(acrcloud.new{ profile = "emu" }:list_buckets{})
      io.write(#body.data, "\n")
      local ok, err = pcall(acrcloud.new, { profile = "nope" })
      io.write(tostring(ok), " ", tostring(err), "\n")
      io.write(tostring(acrcloud.new{ base_url = "http://127.0.0.1:1/api" }:prepare(
        "list_buckets", {}).url), "\n")
    ]]
    local r = run({ "-e", code }, home)
    assert.equal(0, r.code, r.err)
    local lines = {}
    for line in r.out:gmatch("[^\n]+") do lines[#lines + 1] = line end
    assert.matches("^%d+$", lines[1])
    assert.matches('^false .*no profile "nope"', lines[2])
    assert.equal("http://127.0.0.1:1/api/buckets", lines[3])
  end)
end)
