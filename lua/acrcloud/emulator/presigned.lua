-- URLs that carry their own authority, as S3 presigned URLs do: the
-- file-scanning upload target (PUT) and the UCF record download (GET). They
-- live on the emulator itself, below the admin prefix so that they can never
-- collide with an API route:
--
--   PUT <mount>/_emulator/uploads/<key>?X-Amz-Date=&X-Amz-Expires=&X-Amz-Signature=
--   GET <mount>/_emulator/records/<key>?X-Amz-Date=&X-Amz-Expires=&X-Amz-Signature=
--
-- No Bearer token: the signature in the query is the authority, checked
-- against the one the emulator handed out for that key (a random value, not
-- a real AWS signature), with its expiry. As S3 does, a request that also
-- carries an Authorization header is refused (400), which catches a client
-- that would leak its API token to the storage host.
--
-- The server calls dispatch() before its admin routes:
--   local signed = presigned.dispatch(self, req, rel, entry)
--   if signed then return signed end
-- The requests are kept in the request log (GET /api/_emulator/requests)
-- like API requests, with `operation` "presigned_upload" or "record_download".
local json = require "acrcloud.emulator.json"
local router = require "acrcloud.emulator.router"
local validate = require "acrcloud.emulator.validate"

local M = {}

local function message(status, text, headers)
  return { status = status, body = json.object({ message = text }, { "message" }),
    headers = headers }
end

-- "a/b%20c" -> "a/b c", segment by segment.
local function decode_key(raw)
  local out = {}
  for segment in (raw .. "/"):gmatch("([^/]*)/") do
    out[#out + 1] = router.decode_segment(segment)
  end
  return table.concat(out, "/")
end

-- Query string for a slot: the date it was signed, its lifetime, its
-- signature.
function M.query(now, lifetime, signature)
  return string.format("X-Amz-Date=%s&X-Amz-Expires=%d&X-Amz-Signature=%s",
    os.date("!%Y%m%dT%H%M%SZ", now), lifetime, signature)
end

-- A WAV file of `seconds` of near silence (8 kHz, 8-bit mono): what a record
-- download gives.
function M.wav(seconds)
  local n = math.max(0, math.floor(seconds * 8000))
  local header = string.pack("<c4I4c4c4I4I2I2I4I4I2I2c4I4", "RIFF", 36 + n, "WAVE", "fmt ", 16,
    1, 1, 8000, 8000, 1, 8, "data", n)
  return header .. string.rep("\128", n)
end

local KINDS = {
  uploads = { method = "PUT", operation = "presigned_upload", slots = "fs_uploads" },
  records = { method = "GET", operation = "record_download", slots = "ucf_records" },
}

-- Checks the request against its slot: nil, slot when it may go on, or the
-- answer refusing it.
local function check(server, req, kind, key)
  local spec = KINDS[kind]
  local method = req.method:upper()
  if method ~= spec.method and not (spec.method == "GET" and method == "HEAD") then
    return message(405, "The " .. req.method .. " method is not supported for this URL.",
      { Allow = spec.method })
  end
  if req.headers.authorization then
    return message(400, "Only one auth mechanism allowed: the URL is signed, so the request " ..
      "must not carry an Authorization header.")
  end
  local slot = (server.state[spec.slots] or {})[key]
  if not slot then return message(404, "The specified key does not exist.") end
  local q = validate.parse_query(req.query)
  if q["X-Amz-Signature"] ~= slot.signature then
    return message(403, "The request signature does not match the signature of this URL.")
  end
  if server.state:now() > slot.expires then
    return message(403, "The presigned URL has expired.")
  end
  return nil, slot
end

-- dispatch(server, req, rel, entry) -> answer | nil when the path is not one
-- of these URLs. `rel` is the path below the mount point.
function M.dispatch(server, req, rel, entry)
  local kind, raw_key = rel:match("^/_emulator/(%a+)/(.+)$")
  if not kind or not KINDS[kind] then return nil end
  entry.operation = KINDS[kind].operation
  server:remember(entry)
  local key = decode_key(raw_key)
  local refused, slot = check(server, req, kind, key)
  if refused then return refused end
  if kind == "uploads" then
    slot.data = req.body or ""
    slot.uploaded_content_type = req.headers["content-type"]
    return { status = 200 }
  end
  return { status = 200, raw = slot.bytes or M.wav(slot.seconds or 1),
    headers = { ["Content-Type"] = "audio/wav" } }
end

return M
