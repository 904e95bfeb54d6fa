-- Writes tests/fixtures/json/base-projects.json: the emulator's answer to
-- GET /base-projects (the bytes it sends) with enough projects for about
-- 7 KB, the body the decode benchmark reads.
--
--   build/acrlua tests/bench/make-base-projects.lua [OUT]
local acrcloud = require "acrcloud"

local out = arg[1] or "tests/fixtures/json/base-projects.json"
local token = "bench-token"
local emu = require("acrcloud.emulator").spawn{ token = token }
local client = acrcloud.new{ token = token, base_url = emu.url }
local seeded = assert(client:list_base_projects{}).meta.total
for i = seeded + 1, 12 do
  assert(client:create_base_project{ name = "bench-project-" .. i, region = "eu-west-1",
    type = "AVR", buckets = { 8881, 8883 } })
end
-- The bytes as sent: curl, since the client decodes what it receives.
local cmd = string.format("curl -sf -H 'Authorization: Bearer %s' '%s/base-projects'", token,
  emu.url)
local pipe = assert(io.popen(cmd))
local body = pipe:read("a")
pipe:close()
emu.stop()
client:close()
assert(acrcloud.decode(body), "the answer is JSON")
local f = assert(io.open(out, "wb"))
f:write(body)
f:close()
print(string.format("%s: %d bytes", out, #body))
