-- The emulator's multipart parser: any content type and body give fields
-- and files, or nil and a message; it never raises. The first line of the
-- input is the Content-Type, the rest the body.
local multipart = require "acrcloud.emulator.multipart"

return function(input)
  local content_type, body = input:match("^([^\n]*)\n(.*)$")
  if not content_type then content_type, body = input, "" end
  local fields, files = multipart.parse_request(content_type, body)
  if fields == nil then
    assert(type(files) == "string", "nil without a message")
  else
    assert(type(fields) == "table" and type(files) == "table", "not two tables")
  end
end
