-- Allowed values and formats in the endpoint table: what acrcloud.operations
-- says of each documented set, the client's early errors (nothing sent),
-- and the readers that take their lists from the table (the reference, acr's
-- help and completion, the annotations, the emulator, the config schema).
local acrcloud = require "acrcloud"
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
local support = dofile(here .. "support.lua")

local client
local emu = support.spec_emulator(_ENV, "values-spec-token", function(c) client = c end)

local function op_of(name)
  for _, op in ipairs(acrcloud.operations) do
    if op.name == name then return op end
  end
  error("no operation " .. name)
end

local function param_of(op_name, name)
  for _, p in ipairs(op_of(op_name).params) do
    if p.name == name then return p end
  end
  error("no parameter " .. op_name .. "." .. name)
end

local function has(list, x)
  for _, v in ipairs(list) do if v == x then return true end end
  return false
end

describe("the endpoint table's allowed values", function()
  it("holds the documented sets", function()
    local REGIONS = { "eu-west-1", "us-west-2", "ap-southeast-1" }
    for _, op in ipairs(acrcloud.operations) do
      for _, p in ipairs(op.params) do
        if p.name == "region" and op.name ~= "identify" then
          assert.same(REGIONS, p.values, op.name)
        end
      end
    end
    assert.same({ "AVR", "LCD", "HR" }, param_of("create_base_project", "type").values)
    assert.same({ "linein", "recorded" }, param_of("create_fs_container", "audio_type").values)
    assert.same({ "BM-ACRC", "BM-LOCAL" }, param_of("create_cs_project", "type").values)
    assert.same({ "0", "1", "2" }, param_of("create_bucket", "net_type").values)
    assert.same({ "music", "custom" }, param_of("get_bd_project_analytics", "result_type").values)
    assert.same({ "0", "1", "-1", "-2", "-3" }, param_of("list_fs_files", "state").values)
    assert.same({ "day", "last" }, param_of("get_channel_results", "type").values)
    local ext = param_of("update_base_project", "external_ids").values
    for _, id in ipairs({ "spotify", "deezer", "youtube", "isrc", "upc", "musicbrainz" }) do
      assert.is_true(has(ext, id), id)
    end
    assert.equal("YYYYmmdd", param_of("get_channel_state", "start_date").format)
    assert.equal("YYYYmmddHHMMSS", param_of("get_stream_recording", "timestamp_utc").format)
    assert.equal("YYYY-MM-DD", param_of("get_base_project_day_stat", "start").format)
  end)

  it("says why a set is not enforced where the API accepts more", function()
    local p = param_of("create_bucket", "type")
    assert.same({ "File", "Live", "LiveRec", "LiveTimeshift" }, p.values)
    assert.matches("DedupFile", p.values_open)
    assert.is_nil(param_of("create_bucket", "region").values_open)
  end)
end)

describe("the client's early errors", function()

  -- A value of the parameter's type that no set holds.
  local function bogus(p)
    if p.type:find("string") then return "not-a-value" end
    return 7777
  end

  it("refuses, for every enforced set, a value outside it, naming the allowed ones", function()
    local checked = 0
    for _, op in ipairs(acrcloud.operations) do
      for _, p in ipairs(op.params) do
        if p.values and not p.values_open then
          local value = bogus(p)
          local arrays = p.type:find("array") and not p.type:find("string")
          local ok, err = pcall(client.prepare, client, op.name,
            { [p.name] = arrays and { value } or value })
          assert.is_false(ok, op.name .. "." .. p.name)
          assert.equal(string.format("%s: parameter '%s' must be one of %s, got '%s'", op.name,
            p.name, table.concat(p.values, ", "), tostring(value)), err)
          checked = checked + 1
        end
      end
    end
    assert.is_true(checked > 60, checked)
  end)

  it("lets every allowed value through", function()
    for _, op in ipairs(acrcloud.operations) do
      for _, p in ipairs(op.params) do
        for _, v in ipairs(p.values or {}) do
          local value = (p.type:find("string") or p.type:find("array")) and v
            or math.tointeger(tonumber(v))
          local ok, err = pcall(client.prepare, client, op.name, { [p.name] = value })
          if not ok then
            assert.not_matches("must be one of", err)
            assert.not_matches("must have the form", err)
          end
        end
      end
    end
  end)

  it("checks each element of a list, and each piece of a comma string", function()
    local base = { name = "x", region = "eu-west-1", type = "AVR", buckets = { 23 } }
    base.external_ids = { "spotify", "isrc", "napster" }
    assert.has_error(function() client:create_base_project(base) end,
      "create_base_project: element 3 of 'external_ids' must be one of "
      .. table.concat(param_of("create_base_project", "external_ids").values, ", ")
      .. ", got 'napster'")
    base.external_ids = "spotify,napster"
    assert.has_error(function() client:create_base_project(base) end)
    base.external_ids = "spotify,isrc"
    assert.truthy(client:prepare("create_base_project", base))
  end)

  it("refuses a date of another form, and sends nothing", function()
    local before = #emu.requests()
    assert.has_error(function()
      client:get_channel_state{ pid = 1, channel_id = 2, start_date = "2021-04-09" }
    end, "get_channel_state: parameter 'start_date' must have the form YYYYmmdd, "
      .. "got '2021-04-09'")
    assert.has_error(function()
      client:list_ucf_results{ pid = 1, begin_date = "2021-04-09 9:00" }
    end, "list_ucf_results: parameter 'begin_date' must have the form YYYY-MM-DD or "
      .. "YYYY-MM-DD HH:MM:SS, got '2021-04-09 9:00'")
    assert.truthy(client:prepare("list_ucf_results", { pid = 1, begin_date = "2021-04-09",
      end_date = "2021-04-10 12:00:00" }))
    assert.equal(before, #emu.requests())
  end)

  it("sends a value of an open set as given", function()
    assert.truthy(client:prepare("create_bucket", { name = "d", region = "eu-west-1",
      type = "DedupFile" }))
  end)
end)

describe("the readers of the table", function()
  it("the API reference lists the values and the forms", function()
    local md = require("acrcloud.reference").render(acrcloud.operations)
    assert.truthy(md:find("Allowed: `eu-west-1`, `us-west-2`, `ap-southeast-1`.", 1, true))
    assert.truthy(md:find("Documented: `File`, `Live`, `LiveRec`, `LiveTimeshift` (not enforced: ",
      1, true))
    assert.truthy(md:find("Form: `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS`.", 1, true))
  end)

  it("acr's help and completion offer them", function()
    local shell = require "acrcloud.shell"
    local p = param_of("create_base_project", "audio_type")
    assert.matches("One of: linein, recorded%.", shell.param_help(p))
    assert.same(p.values, shell.choices(p))
    assert.is_nil(shell.choices(param_of("create_bucket", "type")))       -- open
    assert.is_nil(shell.choices(param_of("create_base_project", "external_ids"))) -- a list
  end)

  it("the annotations type a closed set as its literals", function()
    local annotations = require "acrcloud.annotations"
    assert.equal('"linein"|"recorded"',
      annotations.lua_type(param_of("create_base_project", "audio_type")))
    assert.equal("0|1|2", annotations.lua_type(param_of("create_bucket", "net_type")))
    assert.equal('"File"|"Live"|"LiveRec"|"LiveTimeshift"|string',
      annotations.lua_type(param_of("create_bucket", "type")))
  end)

  it("the emulator and the config schema take their lists from it", function()
    local validate = require "acrcloud.emulator.validate"
    local config = require "acrcloud.config"
    local regions = param_of("create_bucket", "region").values
    assert.same(regions, config.REGIONS)
    assert.same(param_of("create_base_project", "external_ids").values, config.EXTERNAL_IDS)
    assert.same(param_of("create_base_project", "type").values, config.PROJECT_TYPES)
    assert.has_error(function() validate.values("create_bucket", "name") end)
  end)

  it("the emulator refuses a value outside every closed set, and takes every value in it",
    function()
      local validate = require "acrcloud.emulator.validate"
      local WHERE = { body = "body", query = "query" }
      local checked = 0
      for _, op in ipairs(acrcloud.operations) do
        for _, p in ipairs(op.params) do
          local where = WHERE[p.location]
          if p.values and not p.values_open and where and op.auth ~= "signed" then
            local function errors_for(value)
              local inputs = { path = {}, query = {}, body = {}, files = {} }
              inputs[where][p.name] = value
              local errors = validate.errors()
              validate.check_params(op, inputs, errors)
              return errors.fields
            end
            local key = p.type:find("array", 1, true) and p.name .. ".0" or p.name
            local outside = p.type:find("string", 1, true) and "no-such-value" or 987654
            local bad = p.type:find("array", 1, true) and { outside } or outside
            assert.same({ "The selected " .. validate.attribute(key) .. " is invalid." },
              errors_for(bad)[key], op.name .. "." .. p.name)
            for _, v in ipairs(p.values) do
              assert.is_nil(errors_for(v)[p.name], op.name .. "." .. p.name .. " = " .. v)
            end
            checked = checked + 1
          end
        end
      end
      assert.is_true(checked >= 60, "closed sets checked: " .. checked)
    end)

  it("the emulator still answers 422 for a value sent past the client", function()
    assert.same({ 422, { "The selected region is invalid." } },
      support.refused("region", support.unchecked(client, "create_bd_project", { name = "x",
        region = "eu-west-9", buckets = { 23 } })))
  end)
end)
