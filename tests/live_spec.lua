-- A smoke test against the real ACRCloud Console API, for users who want to
-- check their account and their installation:
--
--   ACRLUA_LIVE=1 ACRCLOUD_ACCESS_TOKEN=... busted --lua=build/acrlua tests/live_spec.lua
--
-- Read-only calls only (lists, the current bill): nothing is created,
-- changed or deleted. Without both variables every test is skipped with a
-- message, so the suite (and CI, which never sets them) stays offline.
-- ACRCLOUD_BASE_URL is ignored: this test is about the real API.
local acrcloud = require "acrcloud"
local shell = require "acrcloud.shell"

local token = os.getenv("ACRCLOUD_ACCESS_TOKEN")
local live = os.getenv("ACRLUA_LIVE") == "1" and token ~= nil and token ~= ""

if not live then
  describe("the live API", function()
    pending("skipped: set ACRLUA_LIVE=1 and ACRCLOUD_ACCESS_TOKEN to run read-only calls "
      .. "against " .. acrcloud.default_base_url)
  end)
  return
end

local BASE = acrcloud.default_base_url

local function client()
  return acrcloud.new { token = token, base_url = BASE, timeout = 30 }
end

-- Read-only list operations every account can call.
local LISTS = { "list_buckets", "list_base_projects", "list_bd_projects", "list_cs_projects",
  "list_fs_containers", "list_ucf_projects" }

describe("the live API", function()
  for _, name in ipairs(LISTS) do
    it(name .. " answers a page", function()
      local c = client()
      local body, err = c[name](c, {})
      c:close()
      assert(body, tostring(err))
      assert.equal("table", type(body))
      assert.equal("table", type(body.data), name .. ": no data list")
    end)
  end

  it("client:each starts with the first page's items", function()
    local c = client()
    local first = assert(c:list_buckets { per_page = 2, page = 1 })
    local ids = {}
    for bucket in c:each("list_buckets", { per_page = 2 }) do
      ids[#ids + 1] = bucket.id
      if #ids == 3 then break end
    end
    c:close()
    for i, bucket in ipairs(first.data) do assert.equal(bucket.id, ids[i]) end
  end)

  it("answers a bad token with HTTP 401, and never shows the token", function()
    local c = acrcloud.new { token = "acrlua-live-check-not-a-token", base_url = BASE }
    local body, err = c:list_buckets {}
    c:close()
    assert.is_nil(body)
    assert.equal("http", err.kind)
    assert.equal(401, err.status)
    assert.not_matches("acrlua%-live%-check", tostring(err))
  end)

  it("works through acr, json and table", function()
    local function run(argv)
      local out, err = {}, {}
      local function writer(t)
        return { write = function(self, ...) for _, s in ipairs({ ... }) do t[#t + 1] = s end
          return self end, flush = function() end }
      end
      local env = { ACRCLOUD_ACCESS_TOKEN = token, HOME = os.tmpname() }
      local code = shell.main(argv, { stdout = writer(out), stderr = writer(err),
        getenv = function(k) return env[k] end, is_tty = function() return false end })
      return code, table.concat(out), table.concat(err)
    end
    local code, out, err = run { "list_buckets", "-o", "json" }
    assert.equal(0, code, err)
    assert.equal("table", type(acrcloud.decode(out).data))
    code, out, err = run { "list_buckets", "-o", "csv", "--fields", "id,name" }
    assert.equal(0, code, err)
    assert.matches("^id,name\n", out)
  end)
end)
