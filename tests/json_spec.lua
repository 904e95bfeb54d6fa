-- The JSON codec (acrcloud.encode / acrcloud.decode): no in-band markers,
-- exact numbers, errors that name the path, ordered objects, null and empty
-- arrays, and the emulator's answers in the key order of the spec's examples.
local acrcloud = require "acrcloud"
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

local encode, decode, null = acrcloud.encode, acrcloud.decode, acrcloud.null
local ARRAY_MT = getmetatable(acrcloud.array())

-- Strings that the old codec's placeholders ("\1acrlua:TEXT\1") would have
-- turned into structure.
local INJECTIONS = {
  "\1acrlua:1,\"admin\":true\1",
  "\1acrlua:{}\1",
  "\1acrlua:[]\1",
  "\1acrlua:",
  "\1acrlua:123\1",
  "acrlua:\1",
}

-- The error message of f(...), which must raise.
local function raised(f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "expected an error")
  return tostring(err)
end

-- Deep equality of decoded values: numbers by value (a whole float comes
-- back an integer), empty arrays marked, tables key by key.
local function same_value(a, b, path)
  path = path or "value"
  if type(a) == "number" and type(b) == "number" then
    assert(a == b, path .. ": " .. tostring(a) .. " ~= " .. tostring(b))
    return
  end
  assert(type(a) == type(b), path .. ": " .. type(a) .. " ~= " .. type(b))
  if type(a) ~= "table" then
    assert(a == b, path .. ": " .. tostring(a) .. " ~= " .. tostring(b))
    return
  end
  for k, v in pairs(a) do same_value(v, b[k], path .. "." .. tostring(k)) end
  for k in pairs(b) do assert(a[k] ~= nil, path .. ": extra key " .. tostring(k)) end
  if next(a) == nil then
    assert((getmetatable(a) == ARRAY_MT) == (getmetatable(b) == ARRAY_MT),
      path .. ": [] and {} differ")
  end
end

-- The emulator of the describes that talk to one (each starts it anew), and
-- a fresh client of it for each of their tests.
local emu = support.emulator("json-token")
local client
local function use_client(c) client = c end

describe("no in-band markers", function()
  it("keeps a string that looks like a placeholder a string, in the text", function()
    assert.equal('{"name":"\\u0001acrlua:1,\\"admin\\":true\\u0001"}',
      encode{ name = "\1acrlua:1,\"admin\":true\1" })
    assert.equal('["\\u0001acrlua:{}\\u0001"]', encode{ "\1acrlua:{}\1" })
    assert.equal('"\\u0001acrlua:"', encode("\1acrlua:"))
  end)

  it("decodes the server's \\u0001acrlua:123\\u0001 as that string", function()
    local v = decode('{"n":"\\u0001acrlua:123\\u0001","e":"\\u0001acrlua:[]\\u0001"}')
    assert.equal("\1acrlua:123\1", v.n)
    assert.equal("\1acrlua:[]\1", v.e)
    -- raw control bytes as the server sent them, too
    assert.equal("\1acrlua:123\1", decode('"\1acrlua:123\1"'))
  end)

  for i, s in ipairs(INJECTIONS) do
    it("round-trips injection string " .. i .. " as a value, a key, nested and deep", function()
      local value = {
        [s] = s,
        list = { s, { [s] = { s } }, acrcloud.array() },
        nested = { inner = { [s] = s, deeper = { s, s } } },
      }
      local text = encode(value)
      same_value(value, assert(decode(text)))
      -- exactly the keys given at the top: nothing spliced in
      local keys = {}
      for k in pairs(assert(decode(text))) do keys[#keys + 1] = k end
      table.sort(keys)
      local expected = { s, "list", "nested" }
      table.sort(expected)
      assert.same(expected, keys)
      assert.equal(encode(s), '"' .. s:gsub("\1", "\\u0001"):gsub('"', '\\"') .. '"')
    end)
  end
end)

describe("injection strings in request bodies", function()
  emu.hook(_ENV, use_client)

  for i, s in ipairs(INJECTIONS) do
    it("reach the emulator as the strings they are (" .. i .. ")", function()
      local body = assert(client:create_base_project{ name = s, region = "eu-west-1",
        type = "AVR", buckets = { 8881 } })
      assert.equal(s, body.data.name)
      local sent = support.wire_body(emu.last_request())
      same_value({ name = s, region = "eu-west-1", type = "AVR", buckets = { 8881 } }, sent)
      -- keys and nested values through client:request
      local doc = { [s] = { s, { [s] = s } }, plain = s }
      client:request("POST", "/base-projects", { body = doc })
      same_value(doc, support.wire_body(emu.last_request()))
      -- what the emulator stored comes back the same
      local got = assert(client:get_base_project{ id = body.data.id })
      assert.equal(s, got.data.name)
    end)
  end
end)

describe("injection strings in answers", function()
  emu.hook(_ENV, use_client)

  it("decode as the strings the server sent", function()
    emu.fault{ operation = "get_base_project", status = 200,
      body = '{"data":{"id":15,"name":"\\u0001acrlua:123\\u0001",'
        .. '"\\u0001acrlua:{}\\u0001":["\\u0001acrlua:[]\\u0001","\1acrlua:\1"]}}' }
    local body = assert(client:get_base_project{ id = 15 })
    assert.equal("\1acrlua:123\1", body.data.name)
    assert.same({ "\1acrlua:[]\1", "\1acrlua:\1" }, body.data["\1acrlua:{}\1"])
    assert.equal(15, body.data.id)
  end)
end)

describe("numbers", function()
  local INTEGERS = {
    ["9007199254740991"] = 9007199254740991,   -- 2^53 - 1
    ["9007199254740992"] = 9007199254740992,   -- 2^53
    ["9007199254740993"] = 9007199254740993,   -- 2^53 + 1
    ["-9007199254740993"] = -9007199254740993,
    ["9223372036854775807"] = math.maxinteger,  -- 2^63 - 1
    ["-9223372036854775808"] = math.mininteger, -- -2^63
    ["1e2"] = 100, ["1E2"] = 100, ["1e+2"] = 100,
    ["1.0"] = 1, ["1.000"] = 1, ["-0"] = 0, ["0"] = 0, ["-0.0"] = 0, ["0e5"] = 0,
    ["1.5e1"] = 15, ["100e-2"] = 1, ["12300e-2"] = 123, ["0.5e1"] = 5,
    ["9.223372036854775807e18"] = math.maxinteger,
    ["-9.223372036854775808e18"] = math.mininteger,
    ["1e18"] = 1000000000000000000,
    ["123456789012345678"] = 123456789012345678,
  }

  for text, want in pairs(INTEGERS) do
    it("decodes " .. text .. " as the integer " .. want, function()
      local v = decode(text)
      assert.equal("integer", math.type(v))
      assert.equal(want, v)
      assert.equal(want, decode("[" .. text .. "]")[1])
    end)
  end

  local FLOATS = {
    ["9223372036854775808"] = 2.0 ^ 63,
    ["-9223372036854775809"] = -(2.0 ^ 63),
    ["9.223372036854775808e18"] = 2.0 ^ 63,
    ["12345678901234567890"] = 12345678901234567890.0,
    ["1e19"] = 1e19, ["0.5"] = 0.5, ["-2.5"] = -2.5, ["1e-2"] = 0.01, ["1.25e1"] = 12.5,
    ["0.1"] = 0.1, ["1e400"] = math.huge, ["-1e400"] = -math.huge,
  }

  for text, want in pairs(FLOATS) do
    it("decodes " .. text .. " as a float", function()
      local v = decode(text)
      assert.equal("float", math.type(v))
      assert.equal(want, v)
    end)
  end

  it("encodes integers exactly", function()
    assert.equal("[9223372036854775807,-9223372036854775808,9007199254740993,0,-1]",
      encode{ math.maxinteger, math.mininteger, 9007199254740993, 0, -1 })
  end)

  it("round-trips integers of every size", function()
    math.randomseed(7)
    for _ = 1, 2000 do
      local n = math.random(math.mininteger, math.maxinteger) >> math.random(0, 63)
      if math.random(2) == 1 then n = -n end
      local back = decode(encode(n))
      assert.equal("integer", math.type(back))
      assert.equal(n, back)
    end
  end)

  it("encodes floats in their shortest form, with a float look", function()
    assert.equal("[0.1,2.0,-0.0,1e+300,0.30000000000000004,-1.5,4.94065645841247e-324]",
      encode{ 0.1, 2.0, -0.0, 1e300, 0.1 + 0.2, -1.5, 5e-324 })
    assert.equal("123456789.0", encode(123456789.0))
    assert.equal("9.223372036854776e+18", encode(2.0 ^ 63))
  end)

  -- Whole numbers in the integer range decode exactly, as integers: a whole
  -- float from 2^53 up goes out with its exact digits, since %.17g's
  -- rounded ones would read back as another integer.
  it("encodes whole floats from 2^53 to 2^63 with their exact digits", function()
    assert.equal("9007199254740994.0", encode(2.0 ^ 53 + 2))
    assert.equal("5000000000000169984.0", encode(5000000000000169984.0))
    assert.equal("-9223372036854775808.0", encode(-(2.0 ^ 63)))
    assert.equal("9e+18", encode(9e18))
    assert.equal("1.2e+18", encode(1.2e18))
    for _, d in ipairs{ 2.0 ^ 53 + 2, 5000000000000169984.0, -(2.0 ^ 63), 9e18, 2.0 ^ 62 } do
      local back = decode(encode(d))
      assert.equal("integer", math.type(back))
      assert.equal(d, back)
    end
  end)

  -- %.17g's text with the float look the encoder gives a whole value.
  local function seventeen(d)
    local s = string.format("%.17g", d)
    if not s:find("[.e]") then s = s .. ".0" end
    return s
  end

  -- The length the text may have: %.17g's, or the exact digits of a whole
  -- value in the integer range (with ".0").
  local function allowed_length(d)
    if d == math.floor(d) and d >= -(2.0 ^ 63) and d < 2.0 ^ 63 then
      return math.max(#seventeen(d), #string.format("%d", math.tointeger(d)) + 2)
    end
    return #seventeen(d)
  end

  it("round-trips random doubles, in no more text than %.17g", function()
    math.randomseed(20240601)
    local done = 0
    while done < 20000 do
      local bits = string.pack("<i8", math.random(math.mininteger, math.maxinteger))
      local d = string.unpack("<d", bits)
      if d == d and d ~= math.huge and d ~= -math.huge then
        local text = encode(d)
        local back = decode(text)
        assert(back == d, string.format("%s read back as %s", seventeen(d), tostring(back)))
        assert(#text <= allowed_length(d), text .. " is longer than " .. seventeen(d))
        done = done + 1
      end
    end
  end)

  it("round-trips doubles of every magnitude", function()
    math.randomseed(99)
    for e = -1074, 1023, 3 do
      local d = math.random() * 2.0 ^ e
      if d ~= 0 then assert.equal(d, decode(encode(d))) end
      assert.equal(-d, decode(encode(-d)))
    end
  end)
end)

describe("strings", function()
  it("round-trips every ASCII byte, control characters included", function()
    local bytes = {}
    for b = 0, 127 do bytes[#bytes + 1] = string.char(b) end
    local s = table.concat(bytes)
    local text = encode(s)
    assert.is_nil(text:sub(2, -2):find("[%z\1-\31]"), "control bytes are escaped")
    assert.equal(s, decode(text))
  end)

  it("uses the short escapes and \\u00XX for the other control bytes", function()
    assert.equal([["\"\\\b\f\n\r\t\u0000\u001f/"]], encode("\"\\\b\f\n\r\t\0\31/"))
  end)

  it("round-trips UTF-8 at the edges of each length", function()
    for _, cp in ipairs{ 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000,
      0x10ffff } do
      local s = "a" .. utf8.char(cp) .. "z"
      assert.equal('"' .. s .. '"', encode(s))
      assert.equal(s, decode(encode(s)))
    end
  end)

  it("decodes an escape at the start of the first string of a fresh state", function()
    -- found by tests/fuzz (UBSan: memcpy from an empty scratch): a new
    -- process, so that nothing was decoded before
    support.check_run(support.run_command(string.format("%q -e %q",
      assert(os.getenv("ACRLUA")), [[io.write(require("acrcloud").decode('"\\u00e9x"'))]])),
      { code = 0, out = "éx", err = "" })
  end)

  it("decodes \\u escapes and surrogate pairs to UTF-8", function()
    assert.equal("é€😀", decode([["\u00e9\u20AC\ud83d\ude00"]]))
    assert.equal("a/b", decode([["a\/b"]]))
  end)

  it("decodes a lone surrogate as U+FFFD", function()
    assert.equal("\u{FFFD}x", decode([["\ud800x"]]))
    assert.equal("\u{FFFD}", decode([["\udc00"]]))
    assert.equal("\u{FFFD}\u{FFFD}", decode([["\ud800\ud800"]]))
    assert.equal("\u{FFFD}A", decode([["\ud800\u0041"]]))
  end)

  it("keeps the server's bytes: raw control bytes and invalid UTF-8", function()
    assert.equal("\255\1\t", decode('"\255\1\t"'))
    assert.same({ ["\192\128"] = "\237\160\128" }, decode('{"\192\128":"\237\160\128"}'))
  end)

  it("skips a leading UTF-8 byte order mark", function()
    assert.same({ a = 1 }, decode("\239\187\191{\"a\":1}"))
    assert.is_nil(decode("{\"a\":1}\239\187\191"))
  end)
end)

describe("null and empty arrays", function()
  it("decode as acrcloud.null and marked empty tables, and go back out the same", function()
    local v = decode('{"a":[],"o":{},"n":null,"l":[1,null,3]}')
    assert.equal(ARRAY_MT, getmetatable(v.a))
    assert.is_nil(next(v.a))
    assert.is_nil(getmetatable(v.o))
    assert.is_nil(next(v.o))
    assert.equal(null, v.n)
    assert.equal(null, v.l[2])
    assert.is_nil(getmetatable(v.l), "a non-empty array is a plain sequence")
    assert.equal('{"a":[],"l":[1,null,3],"n":null,"o":{}}', encode(v, { sort_keys = true }))
  end)

  it("encode nil and acrcloud.null as null, and marked tables as arrays", function()
    assert.equal("null", encode(nil))
    assert.equal("null", encode(null))
    assert.equal("[]", encode(acrcloud.array()))
    assert.equal("[1,2]", encode(acrcloud.array{ 1, 2 }))
    assert.equal("{}", encode({}))
  end)

  it("acrcloud.null is a light userdata NULL, as cjson's null", function()
    assert.equal("userdata", type(null))
    assert.equal(null, decode("null"))
  end)
end)

describe("ordered objects and sort_keys", function()
  it("puts the listed keys first, in order, then the rest sorted", function()
    local t = acrcloud.object({ b = 1, a = 2, z = 3, y = 4, m = 5 }, { "z", "b", "q" })
    assert.equal('{"z":3,"b":1,"a":2,"m":5,"y":4}', encode(t))
  end)

  it("sorts every key of acrcloud.object(t) without an order", function()
    assert.equal('{"a":1,"b":2,"c":3}', encode(acrcloud.object{ c = 3, a = 1, b = 2 }))
    assert.equal("{}", encode(acrcloud.object()))
  end)

  it("shares one metatable per order list", function()
    local order = { "x" }
    assert.equal(getmetatable(acrcloud.object({}, order)),
      getmetatable(acrcloud.object({}, order)))
    assert.equal(order, getmetatable(acrcloud.object({}, order)).__jsonorder)
  end)

  it("keeps the order of any metatable's __jsonorder", function()
    local t = setmetatable({ one = 1, two = 2 }, { __jsonorder = { "two", "one" } })
    assert.equal('{"two":2,"one":1}', encode(t))
  end)

  it("sort_keys sorts plain objects at every depth, byte-wise", function()
    local v = { b = { d = 1, c = { z = 1, a = 2 } }, a = { 1, { y = 1, x = 2 } }, B = true }
    assert.equal('{"B":true,"a":[1,{"x":2,"y":1}],"b":{"c":{"a":2,"z":1},"d":1}}',
      encode(v, { sort_keys = true }))
    assert.equal('{"B":true,"a":[1,{"x":2,"y":1}],"b":{"c":{"a":2,"z":1},"d":1}}',
      encode(decode(encode(v)), { sort_keys = true }))
  end)

  it("rejects unknown options and bad values", function()
    assert.matches("unknown option indent", raised(encode, {}, { indent = 2 }))
    assert.matches("sort_keys must be a boolean", raised(encode, {}, { sort_keys = 1 }))
    assert.matches("must list strings", raised(acrcloud.object, {}, { "a", 1 }))
  end)
end)

describe("encoding errors name the path", function()
  local CASES = {
    { { data = { 1, 2, { title = 0 / 0 } } }, "cannot encode NaN at data%[3%]%.title" },
    { { data = { 1, 2, { title = 1 / 0 } } }, "cannot encode inf at data%[3%]%.title" },
    { { x = { -1 / 0 } }, "cannot encode %-inf at x%[1%]" },
    { 0 / 0, "cannot encode NaN at the top level" },
    { { f = { print } }, "cannot encode a function at f%[1%]" },
    { { co = coroutine.create(print) }, "cannot encode a thread at co" },
    { { file = io.stdout }, "cannot encode a userdata at file" },
    { { a = { 1, 2, x = 3 } }, "both integer and string keys at a" },
    { { a = { [1] = 1, [3] = 3 } }, "sparse array %(no value at index 2, one at 3%) at a" },
    { { [2] = "x" }, "sparse array" },
    { { [2] = "x", y = 1 }, "both integer and string keys at the top level" },
    { { a = { [true] = 1 } }, "a boolean key at a" },
    { { a = { [1.5] = 1 } }, "a float key at a" },
    { { a = acrcloud.array{ x = 1 } }, "an array %(acrcloud.array%) with a key at a" },
    { { ["odd key"] = { "\192\128" } }, 'not valid UTF%-8 %(byte 1%) at %["odd key"%]%[1%]' },
    { { s = "ok\237\160\128" }, "not valid UTF%-8 %(byte 3%) at s" },
    { { s = "\244\144\128\128" }, "not valid UTF%-8 %(byte 1%) at s" },
    { { s = "\128" }, "not valid UTF%-8 %(byte 1%) at s" },
    { { s = "ab\226\130" }, "not valid UTF%-8 %(byte 3%) at s" },
    { { s = "\255" }, "not valid UTF%-8 %(byte 1%) at s" },
    { { o = { ["k\255"] = 1 } }, "a key that is not valid UTF%-8 %(byte 2%) at o" },
  }

  for i, case in ipairs(CASES) do
    it("case " .. i .. ": " .. case[2], function()
      assert.matches(case[2], raised(encode, case[1]))
    end)
  end

  it("a cycle, where it closes", function()
    local t = { a = { b = {} } }
    t.a.b.back = t.a
    assert.matches("cannot encode a cycle %(the table at a again%) at a%.b%.back",
      raised(encode, t))
    local self = {}
    self[1] = self
    assert.matches("the table at the top level again%) at %[1%]", raised(encode, self))
  end)

  it("a value shared twice is no cycle", function()
    local shared = { 1 }
    assert.equal('{"a":[1],"b":[1]}', encode({ a = shared, b = shared }, { sort_keys = true }))
  end)

  local function nested(depth)
    local top = {}
    local t = top
    for _ = 2, depth do
      t[1] = {}
      t = t[1]
    end
    return top
  end

  it("nesting: 128 levels go out, 129 are an error of their own", function()
    assert.equal(string.rep("[", 127) .. "{}" .. string.rep("]", 127), encode(nested(128)))
    assert.matches("cannot encode a value nested deeper than 128 at %[1%]",
      raised(encode, nested(129)))
  end)
end)

describe("encoding errors from the client", function()
  emu.hook(_ENV, use_client)

  it("name the operation and the path, and nothing is sent", function()
    local before = emu.request_count()
    assert.matches("^add_stream_user_reports: cannot encode NaN at data%[3%]%.title$",
      raised(client.add_stream_user_reports, client, { pid = 17913, stream_id = "s-XXXXXX",
        data = { { title = "a" }, { title = "b" }, { title = 0 / 0 } } }))
    assert.matches("^create_base_project: cannot encode a string that is not valid UTF%-8 "
      .. "%(byte 2%) at name$", raised(client.create_base_project, client, { name = "x\255",
        region = "eu-west-1", type = "AVR", buckets = { 8881 } }))
    assert.matches("^request: cannot encode inf at body%.a%[1%]$",
      raised(client.request, client, "POST", "/base-projects", { body = { a = { 1 / 0 } } }))
    -- only the count request itself since
    assert.equal(before + 1, emu.request_count())
  end)
end)

describe("decoding errors", function()
  local CASES = {
    { "", "expected a value but found the end of the text at byte 1" },
    { "   ", "expected a value but found the end of the text at byte 4" },
    { "[1,]", "expected a value but found ']' at byte 4" },
    { '{"a" 1}', "expected ':' but found '1' at byte 6" },
    { '{"a":1,}', "expected a string %(a key%) but found '}' at byte 8" },
    { '{"a":1 "b":2}', "expected ',' or '}' but found '\"' at byte 8" },
    { "[1 2]", "expected ',' or ']' but found '2' at byte 4" },
    { '"abc', "unterminated string starting at byte 1" },
    { '["a\\', "unterminated string starting at byte 2" },
    { '"a\\qb"', "invalid escape at byte 3" },
    { '"\\u12x4"', "invalid \\u escape at byte 2" },
    { "01", "expected the end of the text but found '1' at byte 2" },
    { "1.", "expected a digit but found the end of the text at byte 3" },
    { "1.e5", "expected a digit but found 'e' at byte 3" },
    { "1e", "expected a digit but found the end of the text at byte 3" },
    { "-", "expected a digit but found the end of the text at byte 2" },
    { "+1", "expected a value but found '%+' at byte 1" },
    { ".5", "expected a value but found '.' at byte 1" },
    { "nul", "expected a value but found 'n' at byte 1" },
    { "True", "expected a value but found 'T' at byte 1" },
    { "NaN", "expected a value but found 'N' at byte 1" },
    { "[1] x", "expected the end of the text but found 'x' at byte 5" },
    { "{} {}", "expected the end of the text but found '{' at byte 4" },
    { "\0", "expected a value but found byte 0x00 at byte 1" },
    { "[\1]", "expected a value but found byte 0x01 at byte 2" },
    { "{1:2}", "expected a string %(a key%) but found '1' at byte 2" },
  }

  for i, case in ipairs(CASES) do
    it("case " .. i .. ": " .. case[2], function()
      local v, err = decode(case[1])
      assert.is_nil(v)
      assert.matches("^" .. case[2] .. "$", err)
    end)
  end

  it("nesting: 128 levels decode, 129 are an error", function()
    assert.is_table(decode(string.rep("[", 128) .. string.rep("]", 128)))
    assert.is_table(decode(string.rep('{"a":', 127) .. "{}" .. string.rep("}", 127)))
    local v, err = decode(string.rep("[", 129) .. string.rep("]", 129))
    assert.is_nil(v)
    assert.equal("nesting deeper than 128 at byte 129", err)
    -- far deeper: still an error, not a C stack overflow
    v, err = decode(string.rep("[", 100000))
    assert.is_nil(v)
    assert.equal("nesting deeper than 128 at byte 129", err)
  end)

  it("never raises on garbage or on mangled JSON", function()
    math.randomseed(31337)
    local valid = encode({ a = { 1, 2.5, "x\"y", { b = null, c = true } }, d = "é" },
      { sort_keys = true })
    for _ = 1, 3000 do
      local s
      if math.random(2) == 1 then
        local bytes = {}
        for j = 1, math.random(0, 40) do bytes[j] = string.char(math.random(0, 255)) end
        s = table.concat(bytes)
      else
        local at = math.random(1, #valid)
        s = valid:sub(1, at - 1) .. string.char(math.random(0, 255)) .. valid:sub(at + 1)
        if math.random(3) == 1 then s = s:sub(1, math.random(0, #s)) end
      end
      local ok, v, err = pcall(decode, s)
      assert(ok, "raised on " .. string.format("%q", s))
      assert(v ~= nil or type(err) == "string")
    end
  end)

  it("rejects a non-string argument", function()
    assert.matches("string expected", raised(decode, {}))
  end)
end)

describe("random nested values", function()
  local WORDS = { "", "a", "é", "€", "😀", '"', "\\", "\n", "\0", "\1acrlua:{}\1", "key" }

  local function random_string()
    local parts = {}
    for i = 1, math.random(0, 4) do
      local r = math.random(4)
      if r == 1 then
        parts[i] = WORDS[math.random(#WORDS)]
      elseif r == 2 then
        parts[i] = string.char(math.random(0, 127))
      elseif r == 3 then
        parts[i] = utf8.char(math.random(0x80, 0xd7ff))
      else
        parts[i] = utf8.char(math.random(0x10000, 0x10ffff))
      end
    end
    return table.concat(parts)
  end

  local function random_value(depth)
    local r = math.random(depth > 5 and 6 or 9)
    if r == 1 then return random_string()
    elseif r == 2 then return math.random(math.mininteger, math.maxinteger) >> math.random(0, 63)
    elseif r == 3 then return (math.random() - 0.5) * 10.0 ^ math.random(-300, 300)
    elseif r == 4 then return math.random(2) == 1
    elseif r == 5 then return null
    elseif r == 6 then return math.random(-1000, 1000)
    elseif r == 7 then
      local t = {}
      for i = 1, math.random(0, 5) do t[i] = random_value(depth + 1) end
      return #t == 0 and acrcloud.array() or t
    else
      local t = {}
      for _ = 1, math.random(0, 5) do t[random_string()] = random_value(depth + 1) end
      return t
    end
  end

  it("encode then decode gives the original back", function()
    math.randomseed(1234)
    for _ = 1, 500 do
      local v = random_value(0)
      local text = encode(v)
      local back = decode(text)
      same_value(v, back)
      -- the text of what was decoded decodes to the same text again (whole
      -- floats came back integers, so it may differ from the first one)
      local again = encode(back, { sort_keys = true })
      assert.equal(again, encode(decode(again), { sort_keys = true }))
    end
  end)
end)

-- The sequences of keys of each object of a JSON text, by path (the first
-- object met at each path; arrays' elements share "[]"). Read from the
-- text, since decoded tables keep no order.
local function key_orders(text)
  local orders, stack = {}, {}
  local i = 1
  while i <= #text do
    local c = text:sub(i, i)
    if c == '"' then
      local j = i + 1
      while true do
        local stop = assert(text:find('["\\]', j))
        if text:sub(stop, stop) == "\\" then
          j = stop + 2
        else
          j = stop
          break
        end
      end
      local top = stack[#stack]
      local after = text:find("%S", j + 1)
      if top and top.object and after and text:sub(after, after) == ":" then
        top.key = text:sub(i + 1, j - 1)
        top.keys[#top.keys + 1] = top.key
        j = after
      end
      i = j + 1
    elseif c == "{" or c == "[" then
      local top = stack[#stack]
      local path = ""
      if top then path = top.object and (top.path .. "." .. top.key) or (top.path .. "[]") end
      stack[#stack + 1] = { object = c == "{", path = path, keys = {} }
      i = i + 1
    elseif c == "}" or c == "]" then
      local t = table.remove(stack)
      if t.object and not orders[t.path] then orders[t.path] = t.keys end
      i = i + 1
    else
      i = i + 1
    end
  end
  return orders
end

describe("the emulator's answers", function()
  emu.hook(_ENV, use_client)

  local temp = support.temp_files()
  after_each(temp.remove_all)

  -- The answer's bytes, as sent (the client decodes what it receives).
  local function raw(method, path, body)
    local o = { headers = { Authorization = "Bearer " .. emu.token, Accept = "application/json" } }
    if body then
      o.file = temp.file(encode(body))
      o.headers["Content-Type"] = "application/json"
    end
    local status, text = support.curl(method, emu.url .. path, o)
    assert(status >= 200 and status < 300, text)
    return text
  end

  local function example(name)
    local dir = support.ROOT .. "/tests/fixtures/json/spec/"
    return assert(support.read_file(dir .. name .. ".json"))
  end

  -- Every object of the example is in the answer (at the same path), with
  -- its keys in the example's order.
  local function assert_key_order(example_text, answer_text)
    local want, got = key_orders(example_text), key_orders(answer_text)
    assert(next(want), "the example has objects")
    for path, keys in pairs(want) do
      local at = path == "" and "the top" or path
      assert(got[path], "no object at " .. at)
      assert.same(keys, got[path], "keys at " .. at)
    end
  end

  local function new_bd_project()
    return assert(client:create_bd_project{ name = "radio", region = "eu-west-1",
      buckets = { 23 } }).data.id
  end

  local CASES = {
    create_base_project = function()
      return raw("POST", "/base-projects", { name = "test", region = "eu-west-1",
        type = "AVR", buckets = { 8881, 8883 }, audio_type = "linein",
        external_ids = { "spotify", "isrc", "deezer" } })
    end,
    get_base_project = function() return raw("GET", "/base-projects/15") end,
    update_base_project = function()
      return raw("PUT", "/base-projects/15", { name = "test2", buckets = { 8881 } })
    end,
    list_base_projects = function() return raw("GET", "/base-projects") end,
    create_bd_project = function()
      return raw("POST", "/bm-bd-projects", { name = "test", region = "eu-west-1",
        buckets = { 23 } })
    end,
    update_bd_project = function()
      return raw("PUT", "/bm-bd-projects/" .. new_bd_project(), { name = "test2" })
    end,
    list_bd_projects = function() return raw("GET", "/bm-bd-projects") end,
    set_bd_project_result_callback = function()
      return raw("POST", "/bm-bd-projects/" .. new_bd_project() .. "/result-callback",
        { result_callback_url = "http://example.com/cb", result_callback_send_noresult = 1,
          result_callback_result_type = 1 })
    end,
    set_bd_project_state_notification = function()
      return raw("POST", "/bm-bd-projects/" .. new_bd_project() .. "/state-notification",
        { state_callback_url = "http://example.com/state" })
    end,
    add_stream_user_reports = function()
      return raw("POST", "/bm-cs-projects/17913/streams/s-XXXXXX/user-reports",
        { data = { { title = "xxx", from = "api", timeoffset = "0",
          start_timestamp = "2021-05-25 11:55:49", end_timestamp = "2021-05-25 11:56:37",
          user_defined = { artists = "xxx", album = "xxx" } } } })
    end,
  }

  for name, answer in pairs(CASES) do
    it(name .. " has the keys of the spec's example, in its order", function()
      assert_key_order(example(name), answer())
    end)
  end

  it("the key-order check fails on another order", function()
    local text = raw("GET", "/base-projects/15")
    local swapped = text:gsub('"uid":1,', "", 1):gsub('"state":', '"uid":1,"state":', 1)
    assert.is_false(pcall(assert_key_order, example("get_base_project"), swapped))
  end)
end)
