-- A declarative description of an ACRCloud account, for scripts/provision.lua:
--   acrlua scripts/provision.lua scripts/samples/account.lua          (plan)
--   acrlua scripts/provision.lua --apply scripts/samples/account.lua  (apply)
-- It is data: tables, strings, numbers, booleans. It is loaded in an empty
-- environment, so it cannot call anything. Fields left out of a project are
-- left alone in the account.
return {
  base_projects = {
    -- A new music recognition project. Bucket ids come from the console
    -- (8881 and 8883 exist in the emulator).
    { name = "music-id", region = "eu-west-1", type = "AVR", buckets = { 8881, 8883 },
      audio_type = "recorded", external_ids = { "spotify", "isrc", "deezer" } },
    -- An existing project (the emulator's "test", id 15), brought in line.
    { name = "test", region = "eu-west-1", type = "AVR", buckets = { 8881 },
      audio_type = "linein" },
  },

  bd_projects = {
    -- A Broadcast Database project whose results and channel states are
    -- posted to your own server.
    { name = "radio-monitor", region = "eu-west-1", buckets = { 23 },
      result_callback = { url = "https://example.com/acr/results", send_noresult = false,
                          send_type = 2, result_type = "realtime" },
      state_notification = { url = "https://example.com/acr/state", send_type = 2 } },
  },
}
