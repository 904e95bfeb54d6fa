-- Writes tests/bench/base-projects.json, the body the call benchmark serves:
-- the emulator's answer to GET /api/base-projects after enough projects were
-- created to reach about 7 KB, with the emulator's address in `links` and
-- `meta.path` replaced by the real API's. Run from the repository root:
--
--   build/acrlua tests/bench/make-base-projects.lua [OUTPUT]
local acrcloud = require "acrcloud"

local TARGET = 7000
local output = arg[1] or "tests/bench/base-projects.json"

local emu <close> = setmetatable(require("acrcloud.emulator").spawn{ token = "bench" },
  { __close = function(e) e.stop() end })
local client = acrcloud.new{ token = "bench", base_url = emu.url }

local regions = { "eu-west-1", "us-west-2", "ap-southeast-1" }
local body
for i = 1, 50 do
  body = assert(client:list_base_projects({}, { raw = true }))
  if #body >= TARGET then break end
  assert(client:create_base_project{
    name = string.format("bench-project-%02d", i), region = regions[i % 3 + 1],
    type = "AVR", buckets = { 8881, 8883 }, audio_type = "recorded",
    external_ids = { "spotify", "isrc", "deezer" },
  })
end
body = body:gsub(emu.url:gsub("%p", "%%%0"), "https://api-v2.acrcloud.com/api")
assert(acrcloud.decode(body), "not JSON")
local f = assert(io.open(output, "wb"))
f:write(body)
f:close()
print(string.format("%s: %d bytes", output, #body))
