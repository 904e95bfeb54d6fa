#!/usr/bin/env acrlua
-- export-results.lua: one day of broadcast-monitoring results, for every
-- channel of a Broadcast Database project, as CSV with times in a zone of
-- the user's choice. Run with -h for the whole story.
local acrcloud = require "acrcloud"
local cli = require "acrcloud.cli"
local by = require("acrcloud.order").by
local progress = require "acrcloud.progress"
local rc = require "acrcloud.results_csv"
local tz = require "acrcloud.tz"

local NAME = "export-results.lua"

local HELP = [[
usage: export-results.lua [options] PROJECT DATE

Exports the music detected on one day by every channel of a Broadcast
Database (broadcast monitoring) project, as CSV: one row per detected track.

PROJECT is the project's id, or its name (which must match exactly one
Broadcast Database project in the account). DATE is YYYY-MM-DD (or
YYYYmmdd): a day in the zone given with --timezone (UTC by default).

The day, and time zones:
  The API serves a channel's results by UTC day, and stamps each result with
  its UTC start time. A day in another zone is a different stretch of time:
  2021-04-09 in Europe/Berlin runs from 2021-04-08 22:00:00 to 2021-04-09
  22:00:00 UTC. So the script works out the UTC instants at which the local
  day begins and ends, fetches every UTC day that stretch touches (two, for
  any zone but UTC), and keeps the results that start within it.
  The boundaries come from the system's time-zone database, so a day on
  which the clocks change is 23 or 25 hours long, as it really was. If the
  clocks skip midnight, the day begins at the first local time that exists.
  Times in the CSV are local to the zone, with the offset in force at that
  moment in their own column, so the hour that happens twice when the clocks
  go back can still be told apart.

Columns (in this order, with a header row):
  channel_id, channel_name  the channel
  local_time                start of the detection, YYYY-mm-dd HH:MM:SS, local
  utc_offset                the zone's offset at that time, +HH:MM
  utc_time                  the same instant in UTC, as the API gives it
  played_duration           seconds played
  match                     music (a track of the music database) or custom
                            (one of your custom files)
  title, artists, album, label, release_date, isrc, upc, acrid, score
                            of the track; several artists or codes are joined
                            with "; "
Rows are ordered by channel id, then time. The file follows RFC 4180: fields
holding a comma, a quote or a line break are quoted (quotes doubled), and
records end with CRLF.

A channel whose results cannot be fetched is reported on stderr and left out
(none of its rows are written, rather than some); the other channels are
exported anyway, and the exit status is 1.

Options:
  -z, --timezone ZONE   the zone of DATE and of the local times: a name such
                        as Europe/Berlin, or a fixed offset such as +05:30 or
                        UTC (default UTC)
  -o, --output FILE     write the CSV to FILE (default: stdout). It is
                        written to FILE.tmp first, then renamed
  -j, --jobs N          fetch up to N channel-days at once (default 8, 1-256);
                        the output order stays the same
      --base-url URL    the API base URL (default: $ACRCLOUD_BASE_URL)
      --profile NAME    the profile that gives the token and base URL
  -h, --help            this help

Progress is shown on stderr when it is a terminal.

Exit status: 0 success; 1 failure (the project or its channels could not be
read, or some channel's results could not); 2 bad usage (bad date or zone).

]]

local SPEC = {
  usage = "export-results.lua [-z ZONE] [-o FILE] [-j N] PROJECT DATE",
  help = HELP,
  options = {
    { "z", "timezone", value = "ZONE" },
    { "o", "output", value = "FILE" },
    { "j", "jobs", value = "N" },
  },
  min_args = 2, max_args = 2,
  connection = true,
}

-- A cell from a JSON value: null as "", lists joined by "; " (a list of
-- objects by their names), anything else as results_csv writes it.
local function text(value)
  if value == acrcloud.null then return "" end
  if type(value) == "table" then
    local parts = {}
    for _, item in ipairs(value) do
      local s = text(rc.name(item))
      if s ~= "" then parts[#parts + 1] = s end
    end
    return table.concat(parts, "; ")
  end
  return rc.text(value)
end

-- An album or a label: a string, or { name = ... }.
local function name_of(value) return text(rc.name(value)) end

local function external_id(item, key)
  local ids = type(item.external_ids) == "table" and item.external_ids or {}
  return text(ids[key] or item[key])
end

-- The rows of one result: one per track matched (music, then custom files).
local function rows_of_result(result, channel, zone)
  local meta = type(result) == "table" and result.metadata
  if type(meta) ~= "table" then return {} end
  local utc = meta.timestamp_utc
  local rows = {}
  local function add(kind, item)
    if type(item) ~= "table" then return end
    rows[#rows + 1] = rc.row(zone, text(channel.id), text(channel.name), utc,
      text(meta.played_duration), kind, {
        title = text(item.title), artists = text(item.artists), album = name_of(item.album),
        label = name_of(item.label), release_date = text(item.release_date),
        isrc = external_id(item, "isrc"), upc = external_id(item, "upc"),
        acrid = text(item.acrid or item.audio_id), score = text(item.score),
      })
  end
  for _, item in ipairs(type(meta.music) == "table" and meta.music or {}) do
    add("music", item)
  end
  for _, item in ipairs(type(meta.custom_files) == "table" and meta.custom_files or {}) do
    add("custom", item)
  end
  return rows
end

-- ------------------------------------------------------------ API

local function list_channels(client, pid)
  local channels = {}
  local ok, err = pcall(function()
    for channel in client:each("list_channels", { pid = pid }) do
      channels[#channels + 1] = channel
    end
  end)
  if not ok then
    cli.die(NAME, string.format("cannot list the channels of project %s: %s", tostring(pid),
      tostring(err)))
  end
  -- By id, numbers in numeric order: the same order run after run.
  table.sort(channels, function(a, b)
    if math.type(a.id) and math.type(b.id) then return a.id < b.id end
    return tostring(a.id) < tostring(b.id)
  end)
  return channels
end

-- The calls that fetch a channel's results for the window: one per UTC day.
local function channel_calls(pid, channel, window)
  local calls = {}
  for i, day in ipairs(window.utc_days) do
    calls[i] = { "get_channel_results", { pid = pid, channel_id = channel.id, type = "day",
      date = (day:gsub("-", "")) } }
  end
  return calls
end

-- The rows of one channel for the window, sorted by time, from the outcomes
-- of its calls ({body, err} per UTC day); or nil and the reason when a UTC
-- day could not be fetched.
local function channel_rows(outcomes, channel, window, zone)
  local results = {}
  for i, day in ipairs(window.utc_days) do
    local body, err = outcomes[i][1], outcomes[i][2]
    if not body then return nil, string.format("results of %s (UTC): %s", day, tostring(err)) end
    local data = type(body) == "table" and body.data
    if type(data) ~= "table" then
      return nil, string.format("results of %s (UTC): the answer holds no \"data\" list", day)
    end
    for _, result in ipairs(data) do results[#results + 1] = result end
  end
  local kept, skipped = {}, 0
  for i, result in ipairs(results) do
    local utc = type(result) == "table" and type(result.metadata) == "table"
      and result.metadata.timestamp_utc
    if type(utc) ~= "string" or not utc:match("^%d%d%d%d%-%d%d%-%d%d %d%d:%d%d:%d%d$") then
      skipped = skipped + 1
    elseif utc >= window.first and utc < window.stop then
      -- Same-format UTC strings compare like the instants they name.
      kept[#kept + 1] = { utc = utc, index = i, result = result }
    end
  end
  table.sort(kept, by("utc", "index"))
  local rows = {}
  for _, k in ipairs(kept) do
    for _, row in ipairs(rows_of_result(k.result, channel, zone)) do rows[#rows + 1] = row end
  end
  return rows, skipped
end

-- Fetches the results of channels[first..last] at once (at most `jobs`
-- requests in flight) and returns, per channel, the outcomes of its calls;
-- calls on_channel() as each channel's calls are all done.
local function fetch_channels(client, pid, channels, first, last, window, jobs, on_channel)
  local calls, owner, left = {}, {}, {}
  for c = first, last do
    for _, call in ipairs(channel_calls(pid, channels[c], window)) do
      calls[#calls + 1] = call
      owner[#calls] = c
    end
    left[c] = #window.utc_days
  end
  local outcomes = {}
  for c = first, last do outcomes[c] = {} end
  local function on_result(i)
    local c = owner[i]
    left[c] = left[c] - 1
    if left[c] == 0 then on_channel() end
  end
  local results = client:batch(calls, { concurrency = jobs, on_result = on_result })
  for i, r in ipairs(results) do
    local list = outcomes[owner[i]]
    list[#list + 1] = r
  end
  return outcomes
end

-- ------------------------------------------------------------ output

local function open_output(path)
  if not path then return io.stdout end
  local f, err = io.open(path .. ".tmp", "wb")
  if not f then cli.die(NAME, string.format("cannot write %s.tmp: %s", path, tostring(err))) end
  return f
end

local function finish_output(out, path)
  if not path then
    out:flush()
    return
  end
  local ok, err = out:close()
  if ok then ok, err = os.rename(path .. ".tmp", path) end
  if not ok then
    os.remove(path .. ".tmp")
    cli.die(NAME, string.format("cannot write %s: %s", path, tostring(err)))
  end
end

local function main(argv)
  local opts, args = cli.parse(SPEC, argv)
  local project, date_arg = args[1], args[2]
  if project == "" then cli.usage_error(SPEC, "PROJECT must not be empty") end
  local date = rc.parse_date(date_arg)
  if not date then
    cli.usage_error(SPEC, string.format("DATE %q is not a date (YYYY-MM-DD)", date_arg))
  end
  local zone, zone_err = tz.check(opts.timezone or "UTC")
  if not zone then cli.usage_error(SPEC, zone_err) end
  if opts.output == "" then cli.usage_error(SPEC, "FILE must not be empty") end
  local window = rc.day_window(zone, date)
  if not window then
    cli.usage_error(SPEC, string.format("%s does not exist in %s (the clocks skipped it)", date,
      zone))
  end

  local jobs = opts.jobs and math.tointeger(tonumber(opts.jobs))
  if opts.jobs and not (jobs and jobs >= 1 and jobs <= 256) then
    cli.usage_error(SPEC, string.format("-j wants a whole number from 1 to 256, got %q",
      opts.jobs))
  end
  jobs = jobs or 8

  local client = cli.connect(NAME, opts)
  local pid = cli.resolve_project(NAME, client, project, "list_bd_projects",
    "Broadcast Database project")
  local channels = list_channels(client, pid)

  if #channels == 0 then
    io.stderr:write(string.format("%s: warning: project %s has no channels\n", NAME,
      tostring(pid)))
  end

  local out = open_output(opts.output)
  out:write(rc.record(rc.COLUMNS))
  local bar = progress.new { label = "channels", total = #channels }
  local done = 0
  local function on_channel()
    done = done + 1
    bar:update(done)
  end
  local failed = 0
  -- Channels go in chunks, so that memory holds a few channels' days at a
  -- time whatever the project's size, and rows come out in channel order.
  local chunk = 4 * jobs
  for first = 1, #channels, chunk do
    local last = math.min(#channels, first + chunk - 1)
    local outcomes = fetch_channels(client, pid, channels, first, last, window, jobs, on_channel)
    for c = first, last do
      local channel = channels[c]
      local label = string.format("channel %s (%s)", text(channel.id), text(channel.name))
      local rows, info = channel_rows(outcomes[c], channel, window, zone)
      if rows then
        for _, row in ipairs(rows) do out:write(rc.record(row)) end
        if info > 0 then
          bar:say(string.format("%s: warning: %s: %d result(s) without a valid timestamp_utc "
            .. "left out", NAME, label, info))
        end
      else
        failed = failed + 1
        bar:say(string.format("%s: %s: %s; its rows are left out", NAME, label, info))
      end
    end
  end
  bar:done()
  client:close()
  finish_output(out, opts.output)
  if failed > 0 then
    io.stderr:write(string.format("%s: %d of %d channel(s) failed\n", NAME, failed, #channels))
    return cli.EXIT_FAILURE
  end
  return 0
end

os.exit(main(arg or {}))
