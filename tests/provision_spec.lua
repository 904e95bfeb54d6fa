-- scripts/provision.lua against the emulator: plan, apply, idempotence,
-- config errors, usage and exit codes.
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

local SCRIPT = "scripts/provision.lua"
local GOOD = support.ROOT .. "/tests/fixtures/scripts/account-good.lua"
local BAD = support.ROOT .. "/tests/fixtures/scripts/account-bad.lua"
local EVIL = support.ROOT .. "/tests/fixtures/scripts/account-evil.lua"

describe("provision.lua", function()
  local emu = support.emulator(support.SCRIPT_TOKEN, { lifetime = 600 })

  emu.hook(_ENV)

  local function find(op, name)
    local found = {}
    for p in emu.admin:each(op, {}) do
      if p.name == name then found[#found + 1] = p end
    end
    return found
  end

  local run = support.script_runner(emu, SCRIPT)

  describe("usage", function()
    for name, test in support.run_cases(run, {
      { "prints the help on -h and exits 0", args = { "-h" },
        code = 0, out_match = "^usage: provision.lua", out_has = "--apply", err = "" },
      { "exits 2 with the usage line when the config file is missing", args = {},
        code = 2, err_has = "usage: provision.lua", out = "" },
      { "exits 2 on an unknown option", args = { "--aply", GOOD },
        code = 2, err_has = "unknown option --aply" },
      { "exits 1 when the token is missing", args = { GOOD }, opts = { token = false },
        code = 1, err_has = "ACRCLOUD_ACCESS_TOKEN is not set" },
      { "exits 1 when the config file does not exist",
        args = { "tests/fixtures/scripts/nonexistent.lua" }, code = 1, err_has = "No such file" },
    }) do it(name, test) end
  end)

  describe("bad config", function()
    it("names every mistake with its key path and exits 1", function()
      local r = run { BAD }
      assert.equal(1, r.code)
      local expect = {
        'base_projects[2].region: unknown region "eu-west-9" (expected one of eu-west-1, '
          .. "us-west-2, ap-southeast-1)",
        'base_projects[3].audio_type: unknown audio type "loud"',
        'base_projects[3].buckets: expected a list of bucket ids (integers), got string "8881"',
        "base_projects[4].bukets: unknown key",
        'bd_projects[1].result_callback.result_type: expected a string, got integer 1',
        'bd_projects[1].result_callback.url: "not a url" is not an http(s) URL',
      }
      for _, e in ipairs(expect) do assert.matches(BAD .. ": " .. e, r.err, 1, true) end
      assert.matches("6 error(s); nothing was sent", r.err, 1, true)
      assert.equal("", r.out)
    end)

    it("reports config errors before anything is sent", function()
      -- No token at all: the config is checked first.
      local r = run({ BAD }, { token = false })
      assert.equal(1, r.code)
      assert.matches("unknown region", r.err, 1, true)
      r = run { BAD }
      assert.equal(1, r.code)
      assert.same({}, emu.operations())
    end)

    it("loads the config without letting it run commands", function()
      os.remove("/tmp/acrlua-provision-spec-pwned")
      local r = run { EVIL }
      assert.equal(1, r.code)
      assert.matches("attempt to index a nil value (global 'os')", r.err, 1, true)
      assert.is_nil(io.open("/tmp/acrlua-provision-spec-pwned"))
    end)
  end)

  describe("plan", function()
    it("shows what it would create and change, field by field", function()
      local r = run { GOOD }
      assert.equal(0, r.code, r.err)
      local out = r.out
      assert.matches('+ create base project "spec-music"', out, 1, true)
      assert.matches("    external_ids  [spotify, isrc]", out, 1, true)
      assert.matches('~ change base project "test" (id 15)', out, 1, true)
      assert.matches("buckets       [8881, 8883] -> [8883]", out, 1, true)
      assert.matches("audio_type    linein -> recorded", out, 1, true)
      assert.matches("external_ids  [deezer, isrc, spotify] -> [deezer]", out, 1, true)
      assert.matches('+ create Broadcast Database project "spec-radio"', out, 1, true)
      assert.matches('~ set the result callback of Broadcast Database project "spec-radio" (new)',
        out, 1, true)
      assert.matches("result_type    delay", out, 1, true)
      assert.matches('~ set the state notification of Broadcast Database project "spec-radio"',
        out, 1, true)
      assert.matches('~ set the result callback of Broadcast Database project "test" (id 12345)',
        out, 1, true)
      assert.matches('url      "" -> https://example.com/other', out, 1, true)
      assert.matches("enabled  0 -> 1", out, 1, true)
      assert.matches("2 to create, 2 to change, 0 up to date.", out, 1, true)
      assert.matches("plan only: run again with --apply", out, 1, true)
    end)

    it("changes nothing without --apply", function()
      run { GOOD }
      assert.same({}, find("list_base_projects", "spec-music"))
      assert.same({}, find("list_bd_projects", "spec-radio"))
      local test = emu.admin:get_base_project { id = 15 }.data
      assert.equal("linein", test.audio_type)
    end)
  end)

  describe("apply", function()
    it("makes the account match the file", function()
      local r = run { "--apply", GOOD }
      assert.equal(0, r.code, r.err)
      assert.matches("Applied: 2 created, 2 changed.", r.out, 1, true)

      local music = find("list_base_projects", "spec-music")
      assert.equal(1, #music)
      assert.equal("recorded", music[1].audio_type)
      assert.equal("AVR", music[1].service_type)
      local ids = {}
      for i, b in ipairs(music[1].buckets) do ids[i] = b.id end
      table.sort(ids)
      assert.same({ 8881, 8883 }, ids)

      local test = emu.admin:get_base_project { id = 15 }.data
      assert.equal("recorded", test.audio_type)
      assert.equal(1, #test.buckets)
      assert.equal(8883, test.buckets[1].id)

      local radio = find("list_bd_projects", "spec-radio")
      assert.equal(1, #radio)
      assert.equal("us-west-2", radio[1].region)
      local cr, cs = radio[1].config.callback_result, radio[1].config.callback_state
      assert.equal("https://example.com/results", cr.diy_url)
      assert.equal(1, cr.enabled)
      assert.equal(1, cr.diy_send_noresult)
      assert.equal(1, cr.diy_result_type)
      assert.equal("https://example.com/state", cs.url)
      assert.equal(1, cs.send_type)

      local bd_test = find("list_bd_projects", "test")[1]
      assert.equal("https://example.com/other", bd_test.config.callback_result.diy_url)
    end)

    it("has nothing to do on a second run", function()
      assert.equal(0, run({ "--apply", GOOD }).code)
      local r = run { GOOD }
      assert.equal(0, r.code, r.err)
      assert.matches("^Nothing to do: the account at .* matches " .. GOOD:gsub("%p", "%%%0")
        .. " %(4 project%(s%) up to date%)", r.out)
      -- And --apply then changes nothing either: it only lists.
      emu.reset()
      assert.equal(0, run({ "--apply", GOOD }).code)
      local n = #emu.operations()
      r = run { "--apply", GOOD }
      assert.equal(0, r.code)
      assert.matches("^Nothing to do", r.out)
      local reqs = emu.operations()
      assert.equal(n + 2, #reqs)
      assert.same({ "GET list_base_projects", "GET list_bd_projects" },
        { reqs[n + 1], reqs[n + 2] })
    end)

    it("stops at a failing change, exits 1, and a rerun finishes the work", function()
      emu.fault { operation = "create_bd_project", status = 500,
        body = { message = "Server Error" } }
      local r = run { "--apply", GOOD }
      assert.equal(1, r.code)
      assert.matches('failed to create Broadcast Database project "spec-radio"', r.out, 1, true)
      assert.matches("HTTP 500", r.out, 1, true)
      r = run { "--apply", GOOD }
      assert.equal(0, r.code, r.err)
      assert.matches('create Broadcast Database project "spec-radio"', r.out, 1, true)
      assert.is_nil(r.out:find('create base project "spec-music"', 1, true))
      assert.matches("^Nothing to do", run({ GOOD }).out)
    end)
  end)

  describe("matching by name", function()
    it("refuses a name that matches two projects", function()
      for _ = 1, 2 do
        assert(emu.admin:create_base_project { name = "spec-music", region = "eu-west-1",
          type = "AVR", buckets = { 8881 } })
      end
      local r = run { "--apply", GOOD }
      assert.equal(1, r.code)
      assert.matches('base project "spec-music" matches 2 projects in the account (ids ', r.err,
        1, true)
      assert.matches("nothing was changed", r.err, 1, true)
      assert.equal("linein", emu.admin:get_base_project { id = 15 }.data.audio_type)
    end)

    it("refuses to move a project to another region", function()
      local dir = support.tmpdir()
      local path = dir .. "/move.lua"
      support.write_file(path, [[return { base_projects = {
        { name = "test", region = "us-west-2", type = "AVR", buckets = { 8881 } } } }]])
      local r = run { "--apply", path }
      support.rmdir(dir)
      assert.equal(1, r.code)
      assert.matches('base project "test" (id 15) is in region eu-west-1, the config says '
        .. "us-west-2", r.err, 1, true)
    end)
  end)
end)
