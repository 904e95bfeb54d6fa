-- The Identification API: POST /v1/identify (multipart/form-data), signed
-- with a project's access key and secret instead of the Bearer token
-- (docs "Identification API"; the signing string in endpoints.md §6).
--
-- The projects are the base projects: their access_key/access_secret pairs
-- sign the requests. Answers are always HTTP 200 with an ACRCloud status
-- code, as the real service answers:
--   0    Success                      a track from the emulator's catalog
--   1001 No Result                    an empty sample, or one byte repeated
--                                     (digital silence)
--   3001 Missing/Invalid Access Key   no access_key, or no project has it
--   3006 Invalid arguments            data_type, signature_version,
--                                     timestamp, sample or sample_bytes wrong
--   3014 Invalid Signature            the signature does not match
-- A matching sample gives the same track every time (chosen by a hash of
-- its bytes).
local area = require "acrcloud.emulator.area"
local common, json = area.common, area.json
local catalog = require "acrcloud.emulator.catalog"

local M, H = area.new()

-- The documented limit of a sample.
M.MAX_SAMPLE = 5 * 1024 * 1024

local STATUS = { "msg", "code", "version" }

local function answer(code, msg, extra)
  local body = json.object({ status = json.object({ msg = msg, code = code, version = "1.0" },
    STATUS) }, { "status", "metadata", "result_type", "cost_time" })
  for k, v in pairs(extra or {}) do body[k] = v end
  return 200, body
end

-- base64(HMAC-SHA1(secret, string_to_sign)), through the C module
-- (libcrypto): Lua has no SHA-1 of its own.
local function sign(secret, text)
  local acrcloud = require "acrcloud"
  if type(acrcloud.hmac_sha1) ~= "function" or type(acrcloud.base64) ~= "function" then
    common.raise(500, "The emulator cannot check signatures: acrcloud.hmac_sha1 is missing.")
  end
  return acrcloud.base64(acrcloud.hmac_sha1(secret, text))
end

function M.string_to_sign(access_key, data_type, timestamp)
  return table.concat({ "POST", "/v1/identify", access_key, data_type, "1", timestamp }, "\n")
end

local function project_with_key(state, key)
  if type(key) ~= "string" or key == "" then return nil end
  for _, p in pairs(state.base_projects.items) do
    if p.access_key == key then return p end
  end
end

-- Empty, or one byte value throughout (digital silence).
local function silent(data)
  return data == string.rep(data:sub(1, 1), #data)
end

-- Bytes per second of sample: compressed audio (128 kbit/s), or an ACRCloud
-- fingerprint (far smaller).
local RATES = { audio = 16000, fingerprint = 160 }

function H.identify(ctx)
  local f = ctx.body
  local project = project_with_key(ctx.state, f.access_key)
  if not project then return answer(3001, "Missing/Invalid Access Key") end
  local data_type = f.data_type or "audio"
  if not RATES[data_type] or f.signature_version ~= "1" or type(f.timestamp) ~= "string" or
      not f.timestamp:match("^%d+%.?%d*$") then
    return answer(3006, "Invalid arguments")
  end
  local expected = sign(project.access_secret,
    M.string_to_sign(f.access_key, data_type, f.timestamp))
  if f.signature ~= expected then return answer(3014, "Invalid Signature") end
  local sample = ctx.files.sample
  if not sample or #sample.data > M.MAX_SAMPLE or
      (f.sample_bytes ~= nil and tonumber(f.sample_bytes) ~= #sample.data) then
    return answer(3006, "Invalid arguments")
  end
  if silent(sample.data) then return answer(1001, "No Result") end
  local t = catalog.pick(sample.data)
  local sample_ms = math.min(15000, math.max(1000, #sample.data * 1000 // RATES[data_type]))
  local offset_ms = catalog.hash(sample.data:sub(1, 4096)) % math.max(1, t.duration_ms - sample_ms)
  return answer(0, "Success", {
    metadata = json.object({ timestamp_utc = common.sql_time(ctx.state:now()),
      music = json.array({ catalog.music_item(t, offset_ms, 100, sample_ms) }) },
      { "timestamp_utc", "music" }),
    result_type = 0,
    cost_time = 0.7,
  })
end

-- The base projects hold the credentials: nothing of its own.
function M.seed(state) local _ = state end

return M
