-- The emulator's one random generator: xorshift32, for ids, keys and
-- secrets that look random but repeat run after run (the same seed, the
-- same numbers).
--
--   local random = require "acrcloud.emulator.random"
--   state.fs_random = 0x6A09E667
--   local x = random.advance(state, "fs_random") -- the next number
local M = {}

-- The number after x (a nonzero 32-bit integer) in the sequence.
function M.step(x)
  x = x ~ ((x << 13) & 0xffffffff)
  x = x ~ (x >> 17)
  x = x ~ ((x << 5) & 0xffffffff)
  return x
end

-- Advances the generator kept in t[key]; returns its new value.
function M.advance(t, key)
  local x = M.step(t[key])
  t[key] = x
  return x
end

return M
