-- The benchmarks' clock: the library's monotonic one, acrcloud.process.now
-- (acrcloud.httpd.now in older builds, so that a baseline build can be
-- measured too), or nil when the Lua that runs this has neither (lua5.4).
--
--   local now = dofile(DIR .. "/clock.lua")
for _, name in ipairs{ "acrcloud.process", "acrcloud.httpd" } do
  local ok, m = pcall(require, name)
  if ok and type(m) == "table" and m.now then return m.now end
end
return nil
