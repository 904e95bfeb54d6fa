-- What a Broadcast Database channel and a Custom Streams stream share: their
-- results, unknown results, state and recordings, which answer alike under
-- each product's paths, ids and model names. bd_channels_spec.lua and
-- streams_spec.lua run these for their product, beside the tests of what
-- only theirs does:
--
--   dofile(here .. "monitoring_cases.lua")(_ENV, product)
--
-- product (the seeded project and the item it monitors, which records):
--   product     "Broadcast Database" or "Custom Streams"
--   title       the item describes' prefix: "Broadcast Database channel", "stream"
--   noun        "channel" or "stream": the operations are get_<noun>_results...
--   calls       the item's typed methods, written out (the coverage check
--               finds an operation's tests by its method's name): { results =
--               function(client, args) return client:get_channel_results(args) end,
--               unknown_results =, state =, recording = }
--   id_key      the item's parameter: "channel_id" or "stream_id"
--   pid, id     the project and the item
--   path        the item's API path, "/api/bm-bd-projects/12345/channels/100251"
--   project_path  the project's, "/api/bm-bd-projects/12345"; project_model: its
--               model in a 404's message, "BmBdProject"
--   analytics   the project's analytics operation's name, "get_bd_project_analytics"
--   foreign_stats  a stats_type of the other product's, which this one refuses
--   absent      an id the project does not have; absent_message: its 404 message
--   not_recording(client) -> the id of an item of the project that does not record
--   music_only  the project's only bucket is ACRCloud Music: every result is music
--   client()    the client of the test running
--   last_request()  the emulator's newest API request
-- Busted's functions are the spec's: taken from env (the spec's _ENV).
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
local support = dofile(here .. "support.lua")
local query_has, utc_stamp, read_file = support.query_has, support.utc_stamp, support.read_file
local failed, refused, unchecked = support.failed, support.refused, support.unchecked

return function(env, p)
  local describe, it, assert = env.describe, env.it, env.assert
  local last_request = p.last_request

  -- The product's operation `what` ("results", "state"...) for the item (or
  -- args' own id), through the client or, with how = "unchecked", without
  -- its checks.
  local function call(what, args, how)
    args.pid = p.pid
    args[p.id_key] = args[p.id_key] or p.id
    if how == "unchecked" then
      return unchecked(p.client(), "get_" .. p.noun .. "_" .. what, args)
    end
    return p.calls[what](p.client(), args)
  end

  describe(p.title .. " results", function()
    it("a day's results come in the identification shape, in the day asked for", function()
      local body = assert(call("results", { date = "20210201" }))
      local wire = last_request()
      assert.equal(p.path .. "/results", wire.path)
      assert.is_true(query_has(wire, "date=20210201"))
      assert.is_true(#body.data > 50)
      local music = 0
      for _, r in ipairs(body.data) do
        assert.same({ 0, "Success", "delay" }, { r.status.code, r.status.msg, r.metadata.type })
        assert.matches("^2021%-02%-01 %d%d:%d%d:%d%d$", r.metadata.timestamp_utc)
        assert.equal(r.metadata.timestamp_utc:gsub("[- :]", ""), r.metadata.record_timestamp)
        if r.metadata.music then
          music = music + 1
          local m = r.metadata.music[1]
          assert.matches("^%x+$", m.acrid)
          assert.is_string(m.title)
          assert.is_string(m.artists[1].name)
        end
        if p.music_only then
          assert.is_table(r.metadata.music)
          assert.is_nil(r.metadata.custom_files)
        end
      end
      assert.is_true(music > 0)
    end)

    it("the same day gives the same results", function()
      local a = assert(call("results", { date = "20210201" }))
      local b = assert(call("results", { date = "20210201" }))
      assert.same(a, b)
    end)

    it("type=last gives the day's last result", function()
      local day = assert(call("results", { date = "20210201" })).data
      local body = assert(call("results", { date = "20210201", type = "last" }))
      assert.is_true(query_has(last_request(), "type=last"))
      assert.same({ day[#day] }, body.data)
    end)

    it("min_duration keeps the longer plays only", function()
      local all = assert(call("results", { date = "20210201" })).data
      local body = assert(call("results", { date = "20210201", min_duration = 200 }))
      assert.is_true(#body.data > 0 and #body.data < #all)
      for _, r in ipairs(body.data) do assert.is_true(r.metadata.played_duration >= 200) end
    end)

    it("isrc_country keeps the music from that country", function()
      local all = assert(call("results", { date = "20210201" })).data
      local country
      for _, r in ipairs(all) do
        if r.metadata.music then country = r.metadata.music[1].external_ids.isrc[1]:sub(1, 2) end
      end
      local body = assert(call("results", { date = "20210201", isrc_country = country }))
      assert.is_true(#body.data > 0)
      for _, r in ipairs(body.data) do
        assert.equal(country, r.metadata.music[1].external_ids.isrc[1]:sub(1, 2))
      end
    end)

    it("with_false_positive=1 adds the weak matches", function()
      local plain = assert(call("results", { date = "20210201" })).data
      local body = assert(call("results", { date = "20210201", with_false_positive = 1 }))
      assert.is_true(query_has(last_request(), "with_false_positive=1"))
      local weak = 0
      for _, r in ipairs(body.data) do
        if r.metadata.music and r.metadata.music[1].score < 70 then weak = weak + 1 end
      end
      assert.is_true(weak > 0)
      assert.equal(#plain + weak, #body.data)
    end)

    it("refuses a type other than day or last (422)", function()
      assert.same({ 422, { "The selected type is invalid." } },
        refused("type", call("results", { type = "week" }, "unchecked")))
    end)

    it("a date not in YYYYmmdd is a 422", function()
      assert.same({ 422, { "The date does not match the format Ymd." } },
        refused("date", call("results", { date = "2021-02-01" }, "unchecked")))
    end)

    it("a " .. p.noun .. " the project does not have is a 404", function()
      assert.same({ 404, p.absent_message },
        failed(call("results", { [p.id_key] = p.absent, date = "20210201" })))
    end)

    it("unknown results list music heard but not recognised", function()
      local bounds = {
        { "min_duration=60", { min_duration = 60 }, function(d) return d >= 60 end },
        { "max_duration=100", { max_duration = 100 }, function(d) return d <= 100 end },
      }
      for _, case in ipairs(bounds) do
        local query, args, within = table.unpack(case)
        args.date = "20210201"
        local body = assert(call("unknown_results", args))
        local wire = last_request()
        assert.equal(p.path .. "/unknown_results", wire.path)
        assert.is_true(query_has(wire, query))
        assert.is_true(#body.data > 0)
        for _, r in ipairs(body.data) do
          assert.same({ 1001, "No result", nil }, { r.status.code, r.status.msg, r.metadata.music })
          assert.is_true(within(r.metadata.played_duration), query)
        end
      end
    end)

    it("unknown results refuse a date not in YYYYmmdd or impossible (422)", function()
      for _, date in ipairs{ "1.2.2021", "20210231" } do
        assert.same({ 422, { "The date does not match the format Ymd." } },
          refused("date", call("unknown_results", { date = date }, "unchecked")), date)
      end
      -- the client lets an impossible date of the right form through
      assert.same({ 422, { "The date does not match the format Ymd." } },
        refused("date", call("unknown_results", { date = "20210231" })))
    end)
  end)

  describe(p.title .. " state", function()
    it("lists the states of the local days asked for, with their totals", function()
      local body = assert(call("state", { start_date = "20210201", end_date = "20210202",
        timeoffset = -480 }))
      local wire = last_request()
      assert.equal(p.path .. "/state", wire.path)
      assert.is_true(query_has(wire, "timeoffset=-480"))
      assert.is_true(query_has(wire, "start_date=20210201"))
      assert.is_true(query_has(wire, "end_date=20210202"))
      local d = body.data
      assert.same({ -480, 172800 }, { d.timeoffset, d.total_time })
      assert.is_true(d.valid_time > 0 and d.valid_time <= d.total_time)
      local list = d.state_list
      assert.same({ "2021-02-01 00:00:00", "2021-02-03 00:00:00" }, { list[1].start,
        list[#list]["end"] })
      local sum, valid = 0, 0
      for _, s in ipairs(list) do
        sum = sum + s.duration
        if s.code == 0 then valid = valid + s.duration end
      end
      assert.same({ d.total_time, d.valid_time }, { sum, valid })
    end)

    it("refuses an end before the start (422)", function()
      assert.same({ 422, { "The end date must be a date after or equal to start date." } },
        refused("end_date", call("state", { start_date = "20210205", end_date = "20210201" })))
    end)

    it("refuses a time offset beyond UTC-12..UTC+14 (422)", function()
      assert.same({ 422, { "The timeoffset must be an integer between -840 and 720." } },
        refused("timeoffset", call("state", { timeoffset = 900 })))
    end)
  end)

  describe(p.title .. " recordings", function()
    local hour_ago = utc_stamp(os.time() - 3600)

    it("come back as the bytes of a WAV file of the length asked for, before and after added",
      function()
        local bytes, res = call("recording", { timestamp_utc = hour_ago, played_duration = 3,
          record_before = 1, record_after = 1 })
        assert.is_string(bytes)
        local wire = last_request()
        assert.same({ p.path .. "/recordings", {} }, support.sent(wire, {
          "timestamp_utc=" .. hour_ago, "played_duration=3", "record_before=1", "record_after=1" }))
        assert.equal("*/*", wire.headers.accept)
        assert.same({ 200, "audio/wav" }, { res.status, res.headers["content-type"] })
        assert.same({ "RIFF", "WAVE" }, { bytes:sub(1, 4), bytes:sub(9, 12) })
        assert.equal(44 + 5 * 8000, #bytes)
      end)

    it("are written to the file given as output, byte for byte", function()
      local served = assert(call("recording", { timestamp_utc = hour_ago, played_duration = 2 }))
      local path = os.tmpname()
      local ok = call("recording", { timestamp_utc = hour_ago, played_duration = 2,
        output = path })
      local written = read_file(path)
      os.remove(path)
      assert.is_true(ok)
      assert.equal(served, written)
    end)

    local unavailable = {
      { "for a " .. p.noun .. " that does not record", hour_ago, p.not_recording },
      { "after 30 days", "20210201120000" },
      { "for a time still to come", utc_stamp(os.time() + 3600) },
    }
    for _, case in ipairs(unavailable) do
      local name, timestamp, item = table.unpack(case)
      it("are not available " .. name .. " (404)", function()
        local id = item and item(p.client())
        assert.same({ 404, "The recording is not available." },
          failed(call("recording", { [p.id_key] = id, timestamp_utc = timestamp,
            played_duration = 2 })))
      end)
    end

    it("refuse a played_duration below 1 (422)", function()
      assert.same({ 422, { "The played duration must be at least 1." } },
        refused("played_duration", call("recording", { timestamp_utc = hour_ago,
          played_duration = 0 })))
    end)

    it("refuse a timestamp that is not YYYYmmddHHMMSS (422)", function()
      assert.same({ 422, { "The timestamp utc does not match the format YmdHis." } },
        refused("timestamp_utc", call("recording", { timestamp_utc = "2021-02-01 10:00:00",
          played_duration = 2 }, "unchecked")))
    end)
  end)

  describe(p.product .. " analytics", function()
    local function analytics(args)
      args.project_id = args.project_id or p.pid
      args.result_type = args.result_type or "music"
      local client = p.client()
      return client[p.analytics](client, args)
    end

    it("by date: the last 7 full UTC days, in order", function()
      local body = assert(analytics{ stats_type = "date" })
      local wire = last_request()
      assert.equal(p.project_path .. "/analytics/results", wire.path)
      assert.is_true(query_has(wire, "stats_type=date"))
      assert.is_true(query_has(wire, "result_type=music"))
      local d = body.data
      local yesterday = os.date("!%Y-%m-%d", os.time() - 86400)
      assert.same({ p.pid, "date", "music", 7 }, { d.project_id, d.stats_type, d.result_type,
        #d.results })
      assert.equal(yesterday, d.results[7].date)
      assert.equal(yesterday .. " 23:59:59", d.end_timestamp_utc)
      assert.matches("^%x+$", d.id)
      for i, row in ipairs(d.results) do
        assert.equal(i, row.rank)
        assert.is_true(row.plays > 0 and row.play_time > row.plays)
      end
    end)

    -- stats_type, and the fields each row names it by
    local ranked = { { "track", { "title", "acrid" } }, { "label", { "label" } } }
    for _, case in ipairs(ranked) do
      local stats_type, names = table.unpack(case)
      it("by " .. stats_type .. ": ranked by plays, most first", function()
        local rows = assert(analytics{ stats_type = stats_type }).data.results
        assert.is_true(#rows > 1)
        for i, row in ipairs(rows) do
          assert.equal(i, row.rank)
          for _, name in ipairs(names) do assert.is_string(row[name], name) end
          if i > 1 then assert.is_true(rows[i - 1].plays >= row.plays) end
        end
      end)
    end

    it("refuses a stats_type it does not know (422)", function()
      assert.same({ 422, { "The selected stats type is invalid." } },
        refused("stats_type", unchecked(p.client(), p.analytics, { project_id = p.pid,
          stats_type = p.foreign_stats, result_type = "music" })))
    end)

    it("custom results have no artists statistics (422)", function()
      assert.same({ 422, { "The selected stats type is invalid." } },
        refused("stats_type", analytics{ stats_type = "artists", result_type = "custom" }))
    end)

    it("of a project that does not exist is a 404", function()
      assert.same({ 404, "No query results for model [" .. p.project_model .. "] 99999" },
        failed(analytics{ project_id = 99999, stats_type = "date" }))
    end)
  end)
end
