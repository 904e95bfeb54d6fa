-- acrcloud.config: config files as data, checked with key paths.
local config = require "acrcloud.config"
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

local function account(text)
  local path = support.temp_file(text)
  local acc, errs = config.load_account(path)
  os.remove(path)
  if acc then return acc end
  -- Strip the file name to keep the expectations short.
  for i, e in ipairs(errs) do errs[i] = e:gsub("^[^:]*: ", "", 1) end
  return nil, errs
end

local GOOD = [[
base_projects = {
  { name = "music", region = "eu-west-1", type = "AVR", buckets = { 8881, 8883 },
    audio_type = "linein", external_ids = { "spotify", "isrc" } },
}
bd_projects = {
  { name = "radio", region = "us-west-2", buckets = { 23 },
    result_callback = { url = "https://example.com/cb", send_noresult = false,
                        send_type = 2, result_type = "realtime" },
    state_notification = { url = "http://example.com/state" } },
}
]]

describe("acrcloud.config.load_string", function()
  it("returns the names a file assigns", function()
    assert.same({ a = 1, b = { 2 } }, config.load_string("a = 1 b = { 2 }", "t"))
  end)

  it("returns the table a file returns", function()
    assert.same({ x = "y" }, config.load_string("return { x = 'y' }", "t"))
  end)

  it("allows locals and loops that build data", function()
    local t = config.load_string([[
      local list = {}
      for i = 1, 3 do list[i] = { name = "p" .. i } end
      return { projects = list }
    ]], "t")
    assert.equal("p3", t.projects[3].name)
  end)

  it("gives the file no access to the standard library", function()
    for _, code in ipairs { "os.execute('true')", "io.open('/etc/passwd')",
      "require('os')", "print(1)", "load('x=1')()", "dofile('/etc/passwd')",
      "setmetatable({}, {})", "getmetatable('').__index.rep('x', 10)" } do
      local t, err = config.load_string(code, "t")
      assert.is_nil(t, code)
      assert.matches("attempt to", err, 1, true)
    end
  end)

  it("hides string methods while the file runs, and restores them after", function()
    local t, err = config.load_string("x = ('a'):rep(1e9)", "t")
    assert.is_nil(t)
    assert.matches("attempt to index", err, 1, true)
    assert.equal("aaa", ("a"):rep(3))
  end)

  -- { name, the file, its chunk name, and what the error is: err = (all
  -- of it), err_has = (a part) or err_match = (a pattern) }
  local REFUSED = {
    { "stops an endless loop", "while true do end", "loop.lua",
      err = "loop.lua: the config runs too long (a loop that never ends?)" },
    { "stops a file that eats memory", "local s = 'xxxxxxxx' while true do s = s .. s end", "m",
      err_has = "too much memory" },
    { "refuses precompiled chunks", string.dump(function() end), "bin", err_has = "binary" },
    { "reports syntax errors with the file name and line", "a = {\n b = 1,\n c = }", "acc.lua",
      err_match = "^acc.lua:3:" },
    { "refuses a file that both returns and assigns", "a = 1 return { b = 2 }", "t",
      err_has = "do one" },
    { "refuses a file that returns something other than a table", "return 42", "t",
      err_has = "returned a number" },
  }
  for _, case in ipairs(REFUSED) do
    it(case[1], function()
      local t, err = config.load_string(case[2], case[3])
      assert.is_nil(t)
      support.check_run({ err = err }, case)
    end)
  end
end)

describe("acrcloud.config.load_account", function()
  it("accepts a good account file", function()
    local acc = assert(account(GOOD))
    assert.equal("music", acc.base_projects[1].name)
    assert.same({ 8881, 8883 }, acc.base_projects[1].buckets)
    assert.equal("realtime", acc.bd_projects[1].result_callback.result_type)
  end)

  it("makes integral floats integers", function()
    local acc = assert(account([[base_projects = { { name = "a", region = "eu-west-1",
      type = "AVR", buckets = { 8881.0 } } }]]))
    assert.equal("integer", math.type(acc.base_projects[1].buckets[1]))
  end)

  it("treats missing lists as empty", function()
    local acc = assert(account(""))
    assert.same({}, acc.base_projects)
    assert.same({}, acc.bd_projects)
  end)

  it("names an unknown region with its path and the choices", function()
    local _, errs = account([[base_projects = {
      { name = "a", region = "eu-west-1", type = "AVR", buckets = { 1 } },
      { name = "b", region = "eu-west-9", type = "AVR", buckets = { 1 } } }]])
    assert.same({ 'base_projects[2].region: unknown region "eu-west-9" '
      .. "(expected one of eu-west-1, us-west-2, ap-southeast-1)" }, errs)
  end)

  it("names unknown keys", function()
    local _, errs = account([[base_projects = { { name = "a", region = "eu-west-1",
      type = "AVR", buckets = { 1 }, regoin = "x" } } extra = 1]])
    assert.same({
      "extra: unknown key (expected one of base_projects, bd_projects)",
      "base_projects[1].regoin: unknown key (expected one of audio_type, buckets, "
        .. "external_ids, name, region, type)",
    }, errs)
  end)

  it("names wrong types", function()
    local _, errs = account([[bd_projects = { { name = 5, region = "eu-west-1",
      buckets = { "23" }, result_callback = { url = "ftp://x", send_noresult = 1 } } }]])
    assert.same({
      'bd_projects[1].buckets[1]: expected a bucket id (integer), got string "23"',
      "bd_projects[1].name: expected a project name (string), got integer 5",
      "bd_projects[1].result_callback.send_noresult: expected true or false, got integer 1",
      'bd_projects[1].result_callback.url: "ftp://x" is not an http(s) URL',
    }, errs)
  end)

  it("names missing required keys", function()
    local _, errs = account([[base_projects = { { name = "a" } }]])
    assert.same({
      "base_projects[1].region: missing (required)",
      "base_projects[1].type: missing (required)",
      "base_projects[1].buckets: missing (required)",
    }, errs)
  end)

  it("rejects a list given as a single table", function()
    local _, errs = account([[base_projects = { name = "a", region = "eu-west-1" }]])
    assert.equal(1, #errs)
    assert.matches("^base_projects: expected a list of base projects", errs[1])
  end)

  it("rejects duplicate bucket ids and external ids", function()
    local _, errs = account([[base_projects = { { name = "a", region = "eu-west-1",
      type = "AVR", buckets = { 1, 1 }, external_ids = { "isrc", "spotfy" } } }]])
    assert.same({
      "base_projects[1].buckets[2]: duplicate of base_projects[1].buckets[1]",
      'base_projects[1].external_ids[2]: unknown external id "spotfy" (expected one of '
        .. "spotify, deezer, youtube, isrc, upc, musicbrainz, itunes, musicstory, lyricfind)",
    }, errs)
  end)

  it("rejects two projects with the same name", function()
    local _, errs = account([[base_projects = {
      { name = "a", region = "eu-west-1", type = "AVR", buckets = { 1 } },
      { name = "a", region = "us-west-2", type = "AVR", buckets = { 1 } } }]])
    assert.same({ 'base_projects[2].name: "a" is also the name of base_projects[1]' }, errs)
  end)

  it("asks for at least one bucket, as the API does", function()
    local _, errs = account([[bd_projects = { { name = "a", region = "eu-west-1",
      buckets = {} } }]])
    assert.same({ "bd_projects[1].buckets: needs at least 1 item(s)" }, errs)
  end)

  it("rejects names with stray spaces", function()
    local _, errs = account([[base_projects = { { name = "a ", region = "eu-west-1",
      type = "AVR", buckets = { 1 } } }]])
    assert.same({ 'base_projects[1].name: "a " has leading or trailing spaces' }, errs)
  end)

  it("reports a file that cannot be read", function()
    local acc, errs = config.load_account("/nonexistent/account.lua")
    assert.is_nil(acc)
    assert.matches("No such file", errs[1], 1, true)
  end)
end)
