-- The Identification API against the emulator: signed multipart requests
-- (HMAC-SHA1 with a base project's access key and secret, no Bearer
-- token), the emulator's check of the signature and its answers.
local acrcloud = require "acrcloud"
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

local TOKEN = "identify-spec-token"
-- Base project 15 of the seed data.
local KEY = "e7a84ca942a13773f6d22e9fd6808fce"
local SECRET = "9zlEAx57jaCgeLpDKKQmorv0brrhAYqj076n6FyP"
local emu = support.emulator(TOKEN)
local requests, last_request = emu.requests, emu.last_request
local q = support.q
-- Samples, removed when the spec ends.
local samples = support.temp_files()
local temp_file = samples.file
local client

-- Bytes that are not silence: a sawtooth with some variation.
local function noise(n, seed)
  local out = {}
  for i = 1, n do out[i] = string.char((i * 7 + seed * 13 + (i // 97)) % 256) end
  return table.concat(out)
end

local function identify(o)
  return client:identify{ access_key = o.access_key or KEY,
    access_secret = o.access_secret or SECRET, sample = o.sample, region = "eu-west-1",
    data_type = o.data_type }
end

-- POSTs a form to /v1/identify with curl, signed by hand as the docs
-- describe: answer (decoded) and status.
local function post_signed(fields, sample)
  local parts = {}
  for name, value in pairs(fields) do parts[#parts + 1] = "-F " .. q(name .. "=" .. value) end
  if sample then parts[#parts + 1] = "-F " .. q("sample=@" .. sample) end
  local status, body = support.curl("POST", emu.url .. "/v1/identify", { args = parts })
  return acrcloud.decode(body), status
end

local function signature(secret, data_type, timestamp)
  local text = table.concat({ "POST", "/v1/identify", KEY, data_type, "1", timestamp }, "\n")
  return acrcloud.base64(acrcloud.hmac_sha1(secret, text))
end

emu.hook(_ENV, function(c) client = c end)
teardown(samples.remove_all)

describe("identify", function()
  it("sends a signed multipart request and answers a music result", function()
    -- Small enough for the whole body to be in the log (its first 4 KiB).
    local sample = temp_file(noise(2000, 1))
    local body = assert(identify{ sample = sample })
    local wire = last_request()
    assert.equal("POST", wire.method)
    assert.equal("/api/v1/identify", wire.path)
    assert.equal("identify", wire.operation)
    assert.matches("^multipart/form%-data; boundary=", wire.headers["content-type"])
    assert.truthy(wire.body:find('name="access_key"', 1, true))
    assert.truthy(wire.body:find('name="signature"', 1, true))
    assert.truthy(wire.body:find('name="sample"; filename="', 1, true))
    assert.same({ msg = "Success", code = 0, version = "1.0" }, body.status)
    local music = body.metadata.music[1]
    assert.is_string(music.title)
    assert.is_string(music.acrid)
    assert.equal(100, music.score)
    assert.matches("^%d%d%d%d%-%d%d%-%d%d %d%d:%d%d:%d%d$", body.metadata.timestamp_utc)
  end)

  it("never puts the secret on the wire", function()
    local sample = temp_file(noise(1000, 2))
    assert(identify{ sample = sample })
    local wire = last_request()
    assert.is_true(#wire.body < 4096, "the log holds the whole body")
    assert.is_nil(wire.body:find(SECRET, 1, true))
    assert.is_nil(wire.query:find(SECRET, 1, true))
    for _, value in pairs(wire.headers) do assert.is_nil(value:find(SECRET, 1, true)) end
  end)

  it("answers Invalid Signature for a wrong secret, without the secret", function()
    local sample = temp_file(noise(1000, 3))
    local wrong = "not-the-secret-of-project-15-at-all-0000"
    local body, res = identify{ sample = sample, access_secret = wrong }
    assert.equal(200, res.status)
    assert.same({ msg = "Invalid Signature", code = 3014, version = "1.0" }, body.status)
    assert.is_nil(body.metadata)
    assert.is_nil(last_request().body:find(wrong, 1, true))
  end)

  it("answers Missing/Invalid Access Key for a key no project has", function()
    local sample = temp_file(noise(4000, 4))
    local body = assert(identify{ sample = sample, access_key = "0123456789abcdef" })
    assert.equal(3001, body.status.code)
    assert.equal("Missing/Invalid Access Key", body.status.msg)
  end)

  it("answers No Result for an empty sample", function()
    local body = assert(identify{ sample = temp_file("") })
    assert.same({ msg = "No Result", code = 1001, version = "1.0" }, body.status)
  end)

  it("answers No Result for digital silence", function()
    local body = assert(identify{ sample = temp_file(string.rep("\0", 16000)) })
    assert.equal(1001, body.status.code)
  end)

  it("answers the same track for the same sample", function()
    local sample = temp_file(noise(20000, 5))
    local first = assert(identify{ sample = sample }).metadata.music[1].acrid
    local second = assert(identify{ sample = sample }).metadata.music[1].acrid
    assert.equal(first, second)
  end)

  it("signs fingerprints with their data type", function()
    local body = assert(identify{ sample = temp_file(noise(900, 6)), data_type = "fingerprint" })
    assert.truthy(last_request().body:find("fingerprint", 1, true))
    assert.equal(0, body.status.code)
  end)

  it("reports a missing sample file before sending anything", function()
    local before = #requests()
    local body, err = identify{ sample = "/nonexistent/sample.mp3" }
    assert.is_nil(body)
    assert.equal("file", err.kind)
    assert.equal(before, #requests())
    assert.is_nil(tostring(err):find(SECRET, 1, true))
  end)

  it("accepts a request signed by hand as the docs describe", function()
    local sample = temp_file(noise(8000, 7))
    local timestamp = "1700000000.25"
    local body, status = post_signed({ access_key = KEY, data_type = "audio",
      signature_version = "1", timestamp = timestamp, sample_bytes = "8000",
      signature = signature(SECRET, "audio", timestamp) }, sample)
    assert.equal(200, status)
    assert.equal(0, body.status.code)
  end)

  it("refuses a signature made for another data type", function()
    local sample = temp_file(noise(8000, 8))
    local body = post_signed({ access_key = KEY, data_type = "audio", signature_version = "1",
      timestamp = "1700000000", signature = signature(SECRET, "fingerprint", "1700000000") },
      sample)
    assert.equal(3014, body.status.code)
  end)

  it("answers Invalid arguments when sample_bytes is not the sample's size", function()
    local sample = temp_file(noise(8000, 9))
    local body = post_signed({ access_key = KEY, data_type = "audio", signature_version = "1",
      timestamp = "1700000000", sample_bytes = "7999",
      signature = signature(SECRET, "audio", "1700000000") }, sample)
    assert.same({ msg = "Invalid arguments", code = 3006, version = "1.0" }, body.status)
  end)

  it("answers Invalid arguments, not a 422, for a data_type it does not take", function()
    local sample = temp_file(noise(8000, 10))
    local body, status = post_signed({ access_key = KEY, data_type = "video",
      signature_version = "1", timestamp = "1700000000", sample_bytes = "8000",
      signature = signature(SECRET, "video", "1700000000") }, sample)
    assert.equal(200, status)
    assert.same({ msg = "Invalid arguments", code = 3006, version = "1.0" }, body.status)
  end)

  it("answers 422 when the form has no access_key or no sample", function()
    local body, status = post_signed({ data_type = "audio" })
    assert.equal(422, status)
    assert.is_table(body.errors.access_key)
    assert.is_table(body.errors.sample)
  end)
end)
