-- Callback payloads: any body, as JSON or as a form, gives events or nil, a
-- message and a 4xx status; parsing never raises. The first byte chooses the
-- content type, the rest is the body.
local callbacks = require "acrcloud.callbacks"

local TYPES = { "application/json", "application/x-www-form-urlencoded", "text/plain", "",
  "multipart/form-data; boundary=b" }

return function(input)
  local pick = (input:byte(1) or 0) % #TYPES + 1
  local events, message, status = callbacks.parse{ method = "POST",
    headers = { ["content-type"] = TYPES[pick] }, body = input:sub(2) }
  if events == nil then
    assert(type(message) == "string", "nil without a message")
    assert(math.type(status) == "integer" and status >= 400 and status < 500,
      "a refusal without a 4xx status")
  else
    assert(type(events) == "table", "events are not a list")
    for _, e in ipairs(events) do
      assert(type(e.kind) == "string" and type(e.stream_id) == "string", "a malformed event")
    end
  end
end
