-- Decodes a JSON file N times with one codec: the loop the decode benchmark
-- runs under callgrind (tests/bench/json-decode.sh).
--
--   lua5.4 tests/bench/json_decode.lua acrcloud|cjson N FILE
local codec, n, file = arg[1], math.tointeger(tonumber(arg[2])), arg[3]
assert(n and file, "usage: json_decode.lua acrcloud|cjson N FILE")
local f = assert(io.open(file, "rb"))
local text = f:read("a")
f:close()

local decode
if codec == "cjson" then
  decode = require("cjson").decode
elseif codec == "acrcloud" then
  decode = require("acrcloud").decode
else
  error("unknown codec " .. codec)
end
-- Both load and warm up before the loop: only the decodes differ between
-- a run of N and one of 2N.
assert(decode(text))
for _ = 1, n do decode(text) end
