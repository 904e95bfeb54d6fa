-- An operation's method (src/call.c): the usual call in C, handing over to
-- the composites' retry loop for anything more; and the response's headers,
-- made on first use (src/response.c).
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

local emu = support.spec_emulator(_ENV, "call-spec-token")
local new_client, fault = emu.new_client, emu.fault

-- The message of the error f raises, position included.
local function raised(f)
  local ok, err = pcall(f)
  assert.is_false(ok)
  return tostring(err)
end

local function now() return require("acrcloud.process").now() end

describe("an operation's method", function()
  local THIS = debug.getinfo(1, "S").short_src

  it("raises a misuse at the caller's line, naming the operation", function()
    local client = new_client()
    local line = debug.getinfo(1, "l").currentline
    local cases = {
      { function() client:list_base_projects({}, { rwa = true }) end, line + 2,
        "list_base_projects: unknown option 'rwa'" },
      { function() client:list_base_projects({}, { retries = -1 }) end, line + 4,
        "list_base_projects: option 'retries' must be a whole number >= 0" },
      { function() client:list_base_projects({}, { max_body = 1.5 }) end, line + 6,
        "list_base_projects: option 'max_body' must be a whole number of bytes >= 1" },
      { function() client:get_base_project{} end, line + 8,
        "get_base_project: missing required parameter 'id' (path)" },
      { function() client:list_fs_files({ container_id = 5 }, { raw = "yes" }) end, line + 10,
        "list_fs_files: option 'raw' must be a boolean" },
    }
    for _, case in ipairs(cases) do
      assert.equal(THIS .. ":" .. case[2] .. ": " .. case[3], raised(case[1]))
    end
  end)

  it("refuses client:request's own options on an operation", function()
    assert.matches("list_base_projects: unknown option 'query'",
      raised(function() new_client():list_base_projects({}, { query = {} }) end))
  end)

  it("goes on to retry after a first attempt that failed", function()
    fault{ operation = "list_base_projects", status = 503, count = 1 }
    local retried = {}
    local client = new_client{ on_retry = function(attempt, err) retried[#retried + 1] = { attempt,
      err.status } end }
    local body, res = client:list_base_projects{}
    assert.is_table(body)
    assert.equal(2, res.attempts)
    assert.same({ { 1, 503 } }, retried)
  end)

  it("keeps to the client's rate limit", function()
    local client = new_client{ max_per_second = 20 }
    local start = now()
    for _ = 1, 25 do assert(client:list_base_projects{}) end
    -- a bucket of 20 lets the first ones through, then one every 50 ms
    assert.is_true(now() - start >= 0.2)
  end)
end)

describe("a response's headers", function()
  it("are a table of lowercased names, made when first read", function()
    local _, res = assert(new_client():list_base_projects({}, { raw = true }))
    assert.is_nil(rawget(res, "headers"))
    assert.equal("application/json", res.headers["content-type"])
    assert.equal(res.headers, rawget(res, "headers"))
    assert.is_nil(res.no_such_field)
  end)

  it("are listed by pairs, like every other field", function()
    local _, res = assert(new_client():list_base_projects{})
    local keys = {}
    for k, v in pairs(res) do keys[#keys + 1] = k .. "=" .. type(v) end
    table.sort(keys)
    assert.same({ "attempts=number", "headers=table", "method=string", "status=number",
      "url=string" }, keys)
  end)

  it("are made at once when they carry a rate limit", function()
    fault{ operation = "list_base_projects", status = 200, body = { data = {} },
      headers = { ["x-RATELIMIT-remaining"] = "3" } }
    local _, res = assert(new_client():list_base_projects{})
    assert.is_table(rawget(res, "headers"))
    assert.same({ remaining = 3 }, res.rate_limit)
  end)
end)

describe("acrlua", function()
  it("runs the collector in the mode lua5.4 runs it in (generational)", function()
    local function mode(interpreter)
      local p = assert(io.popen(string.format("%q -e %q", interpreter,
        'io.write(collectgarbage("incremental"))')))
      local out = p:read("a")
      p:close()
      return out
    end
    assert.equal("generational", mode(os.getenv("ACRLUA")))
    assert.equal(mode("lua5.4"), mode(os.getenv("ACRLUA")))
  end)
end)
