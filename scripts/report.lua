#!/usr/bin/env acrlua
-- report.lua: push user reports for a Custom Streams stream from a CSV file,
-- resumably. Run with -h for the whole story.
local cli = require "acrcloud.cli"
local csv = require "acrcloud.csv"
local journal_mod = require "acrcloud.journal"
local progress = require "acrcloud.progress"
local tz = require "acrcloud.tz"

local NAME = "report.lua"

local HELP = [[
usage: report.lua [options] PID STREAM_ID FILE.csv

Pushes user reports (results you already know about, as in Timemap or UCF)
to one stream of a Custom Streams project, from a CSV file.

The CSV file has a header row. Columns:
  title   the title of the result (required, not empty)
  start   local start time, YYYY-mm-dd HH:MM:SS (also accepted: a T between
          date and time, or no seconds)
  end     local end time, same format, not before start
  ...     any other column goes into the report's user_defined object under
          its header name (e.g. artists, album, isrc); empty cells are left out
Quoted fields, commas and quotes inside quotes, line breaks inside quotes,
CRLF line ends and a UTF-8 byte order mark are all fine.

Times are local to the zone given with --timezone, and each row's timeoffset
is worked out for that row's own start time from the system's time-zone
database, so rows on both sides of a daylight-saving change are right. A
start or end that does not exist (skipped when clocks go forward) makes the
row bad; one that happens twice (clocks go back) takes the first occurrence,
with a warning. When start and end lie on different sides of a change, the
end is sent in the start's offset, so that the duration stays right.

Bad rows are reported on stderr with their line number and skipped; the
others are sent in batches.

Options:
  -z, --timezone ZONE   the CSV's time zone (required): a name such as
                        Europe/Berlin or America/New_York, or a fixed offset
                        such as +08:00, -05:30, UTC
  -b, --batch-size N    rows per request (default 50, at most 1000)
  -j, --journal FILE    the journal (default: FILE.csv.journal, next to it)
  -n, --dry-run         check the file and show what would be sent; send and
                        write nothing
      --resend-unknown  the batch of unknown fate is not on the server: send
                        it again (see below)
      --assume-sent     the batch of unknown fate is on the server: record it
                        as sent, without sending
      --base-url URL    the API base URL (default: $ACRCLOUD_BASE_URL)
      --profile NAME    the profile that gives the token and base URL
  -h, --help            this help

Interruptions, and the journal:
  A run can be stopped at any moment (Ctrl-C, kill, a crash, a network
  failure, a power cut) and simply run again: rows the server accepted are
  not sent again, rows never sent are sent. This works through a journal
  kept next to the CSV (reports.csv.journal), a text file appended to and
  written through to the disk (fsync) record by record:
  - each row is known by a digest of its content (plus a counter for rows
    that are exactly alike), so adding, removing or reordering other rows
    of the CSV is fine; editing a row makes it a new row;
  - before a batch is sent, the journal records the rows in it; when the
    server answers, it records that they were accepted, or rejected; the
    next batch is recorded only after that;
  - a batch recorded as sent with no answer recorded is of UNKNOWN fate:
    the run stopped while the request was under way, and the server may or
    may not have stored it. There is never more than one such batch: while
    there is one, a run sends nothing else, lists its rows, and waits for
    you to say what became of it (below);
  - every journal line carries a checksum; a line cut short by a crash is
    ignored, which can only turn "accepted" into "unknown", never lose a
    row or send one twice;
  - the journal remembers the API URL, project and stream it was made for,
    and refuses to be used for another (give another file with --journal);
  - a run locks its journal: a second run on the same journal is refused
    while the first is running. The lock goes when the first run ends, in
    whatever way (a crash or kill -9 included).
  Delete the journal only to forget everything that was sent.

Deciding about a batch of unknown fate:
  The run lists the batch's rows (line, start time, title). The Console API
  has no call that lists user reports, so look in the ACRCloud console:
  open the Custom Streams project, the stream, and its results for the day
  of those rows; reports pushed by this script are among them (custom
  results "from api-report") with the title and start time of their row.
  Look for the batch's first and last row, then run again with:
  - --assume-sent     if they are there: records the batch as sent;
  - --resend-unknown  if they are not: sends the batch again.
  If only some are there, delete those from the CSV first, then use
  --resend-unknown: rows of the batch no longer in the CSV are forgotten,
  the rest are sent again. Either way the rest of the file is sent after.

Output: a summary on stdout (rows sent, skipped, already sent before, and
any of unknown fate); warnings, bad rows and progress (on a terminal) on
stderr.

Exit status: 0 every good row is on the server (sent now or before);
1 failure (the run stopped: network, authentication, bad file...);
2 bad usage; 3 finished, but some rows were bad, rejected by the server, or
of unknown fate.

]]

local SPEC = {
  help = HELP,
  options = {
    { "z", "timezone", value = "ZONE" },
    { "b", "batch-size", value = "N" },
    { "j", "journal", value = "FILE" },
    { "n", "dry-run" },
    { nil, "resend-unknown" },
    { nil, "assume-sent" },
  },
  min_args = 3, max_args = 3,
  connection = true,
}

local EXIT_PARTIAL = 3
local MAX_BATCH = 1000

-- Test hook: ACRLUA_REPORT_CRASH_AFTER=<stage>:<n> ends the process at a
-- precise point of the n-th batch of this run, as a kill would:
--   decided  (n = 1) after the journal recorded --assume-sent or
--            --resend-unknown, before any batch
--   intent   after the journal recorded the batch, before sending it
--   send     after the server accepted it, before the journal records that
--   outcome  after the journal recorded the answer (between batches)
local crash_stage, crash_batch = (os.getenv("ACRLUA_REPORT_CRASH_AFTER") or "")
  :match("^(%a+):(%d+)$")
crash_batch = tonumber(crash_batch)
local function crash_point(stage, n)
  if stage == crash_stage and n == crash_batch then
    io.stderr:flush()
    os.exit(137)
  end
end

local function warn(msg) io.stderr:write(NAME, ": ", msg, "\n") end

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

-- "YYYY-mm-dd HH:MM:SS" from the accepted spellings, or nil.
local function normalize_time(s)
  s = trim(s)
  local d, t = s:match("^(%d%d%d%d%-%d%d%-%d%d)[ T](%d%d:%d%d:%d%d)$")
  if not d then
    d, t = s:match("^(%d%d%d%d%-%d%d%-%d%d)[ T](%d%d:%d%d)$")
    if t then t = t .. ":00" end
  end
  return d and (d .. " " .. t) or nil
end

local function offset_zone(seconds)
  local sign = seconds < 0 and "-" or "+"
  local a = math.abs(seconds)
  return string.format("%s%02d:%02d", sign, a // 3600, a % 3600 // 60)
end

-- Reads one local time: returns utc, offset, note; or nil, reason.
local function read_time(zone, what, raw)
  local t = normalize_time(raw or "")
  if not t then
    return nil, string.format("%s: expected YYYY-mm-dd HH:MM:SS, got %q", what, raw or "")
  end
  local ok, utc, off, note = pcall(tz.to_utc, zone, t)
  if not ok then return nil, string.format("%s: %q is not a real date and time", what, raw) end
  if not utc then return nil, what .. ": " .. off end
  return utc, off, note, t
end

-- Columns: finds title/start/end in the header. Returns cols or nil, msg.
local function read_header(fields)
  local cols, names, seen = { extra = {} }, {}, {}
  for i, raw in ipairs(fields) do
    local name = trim(raw)
    if name == "" then return nil, "column " .. i .. " of the header has no name" end
    local key = name:lower()
    if seen[key] then
      return nil, string.format("the header names %q twice (columns %d and %d)", name,
        seen[key], i)
    end
    seen[key] = i
    names[i] = name
    if key == "title" or key == "start" or key == "end" then
      cols[key] = i
    else
      cols.extra[#cols.extra + 1] = i
    end
  end
  for _, need in ipairs { "title", "start", "end" } do
    if not cols[need] then
      return nil, "the header has no " .. need .. " column (found: " .. table.concat(names, ", ")
        .. ")"
    end
  end
  cols.names = names
  return cols
end

-- Turns a CSV row into a report item. Returns item, notes; or nil, reason.
local function make_item(fields, cols, zone)
  if #fields ~= #cols.names then
    return nil, string.format("expected %d fields (as in the header), found %d", #cols.names,
      #fields)
  end
  local title = fields[cols.title]
  if trim(title) == "" then return nil, "title is empty" end
  local s_utc, s_off, s_note, s_local = read_time(zone, "start", fields[cols.start])
  if not s_utc then return nil, s_off end
  local e_utc, e_off, e_note, e_local = read_time(zone, "end", fields[cols["end"]])
  if not e_utc then return nil, e_off end
  if e_utc < s_utc then
    return nil, string.format("end (%s) is before start (%s)", e_local, s_local)
  end
  local notes = {}
  if s_note then notes[#notes + 1] = "start " .. s_note end
  if e_note then notes[#notes + 1] = "end " .. e_note end
  if e_off ~= s_off then
    -- One timeoffset per report: say the end in the start's offset.
    local moved = tz.to_local(offset_zone(s_off), e_utc)
    notes[#notes + 1] = string.format("start and end lie on both sides of a clock change; "
      .. "the end %s is sent as %s (in the start's offset)", e_local, moved)
    e_local = moved
  end
  local user_defined
  for _, i in ipairs(cols.extra) do
    if fields[i] ~= "" then
      user_defined = user_defined or {}
      user_defined[cols.names[i]] = fields[i]
    end
  end
  return {
    from = "api",
    title = title,
    -- The API's sign: minutes to add to local time to get UTC.
    timeoffset = math.floor(-s_off / 60 + 0.5),
    start_timestamp = s_local,
    end_timestamp = e_local,
    user_defined = user_defined,
  }, notes
end

-- Server ids from either answer shape: {data={id=..}} or {data={{id=..},..}}.
local function server_ids(body)
  local data = type(body) == "table" and body.data
  if type(data) ~= "table" then return {} end
  if data.id ~= nil then return { data.id } end
  local out = {}
  for _, entry in ipairs(data) do
    if type(entry) == "table" and entry.id ~= nil then out[#out + 1] = entry.id end
  end
  return out
end

-- Field errors keyed "data.<i>.<field>" -> { [i+1] = "message; message" }.
local function errors_by_item(err)
  local out, any = {}, false
  if type(err.errors) ~= "table" then return out, false end
  for key, msgs in pairs(err.errors) do
    local i = tostring(key):match("^data%.(%d+)")
    if i then
      i = tonumber(i) + 1
      local text = type(msgs) == "table" and table.concat(msgs, "; ") or tostring(msgs)
      out[i] = out[i] and (out[i] .. "; " .. text) or text
      any = true
    end
  end
  return out, any
end

-- A whole number written with digits only, or nil.
local function whole_number(s)
  if type(s) ~= "string" or not s:match("^%d+$") or #s > 15 then return nil end
  return math.tointeger(tonumber(s))
end

-- The sender: sends batches, keeps the journal and the counts.
local Sender = {}
Sender.__index = Sender

-- Sends `rows` (each { id, line, item }) as one batch. Returns true to go
-- on, or false and a message to stop the run.
function Sender:send(rows)
  local items = {}
  for i, r in ipairs(rows) do items[i] = r.item end
  local key = self.journal:intend(rows)
  self.batches = self.batches + 1
  crash_point("intent", self.batches)
  -- The library sends this POST on a connection of its own, closed after
  -- it, and sends it again only where that cannot store it twice: after a
  -- 429 (the server refused it), or when it never left the machine.
  local body, err = self.client:add_stream_user_reports {
    pid = self.pid, stream_id = self.stream_id, data = items,
  }
  -- A 2xx answer whose body is not JSON still means "stored".
  if not body and err.kind == "decode" and err.status and err.status < 300 then body = {} end
  if body then
    crash_point("send", self.batches)
    local ids = server_ids(body)
    self.journal:accepted(key, ids)
    crash_point("outcome", self.batches)
    self.sent = self.sent + #rows
    return true
  end
  local status = err.kind == "http" and err.status or nil
  if status == 429 then
    self.journal:rejected(key, tostring(err))
    return false, string.format("the server kept asking to slow down (HTTP 429%s); try again "
      .. "later", err.retry_after and (", retry after " .. err.retry_after .. " s") or "")
  elseif status == 422 or status == 400 then
    -- Nothing of the batch was stored. Set the rows the server named
    -- aside and send the rest again; without names, go row by row.
    self.journal:rejected(key, tostring(err))
    local bad, named = errors_by_item(err)
    if #rows == 1 then
      self:reject(rows[1], named and bad[1] or err.message or tostring(err))
      return true
    end
    if named then
      local rest = {}
      for i, r in ipairs(rows) do
        if bad[i] then self:reject(r, bad[i]) else rest[#rest + 1] = r end
      end
      if #rest == 0 then return true end
      return self:send(rest)
    end
    for _, r in ipairs(rows) do
      local ok, msg = self:send { r }
      if not ok then return false, msg end
    end
    return true
  elseif status and status >= 400 and status < 500 and status ~= 408 then
    -- Wrong token, project or stream: no row can go. Stop.
    self.journal:rejected(key, tostring(err))
    return false, tostring(err)
  elseif err.sent == false then
    -- It never left the machine (no connection, a name that does not
    -- resolve), after the library's own retries.
    self.journal:not_sent(key, tostring(err))
    return false, tostring(err)
  else
    -- Timeout, a dropped connection, a 5xx: the server may have stored
    -- the batch. Leave it unknown and stop; the next run lists it.
    self.unknown_now = self.unknown_now + #rows
    return false, tostring(err) .. "\nThe server may or may not have stored the last "
      .. #rows .. " row(s); run again to see them listed."
  end
end

function Sender:reject(row, reason)
  self.rejected = self.rejected + 1
  self.bar:say(string.format("%s: line %d: rejected by the server: %s", NAME, row.line, reason))
end

local function main(argv)
  local opts, args = cli.parse(SPEC, argv)
  local pid = whole_number(args[1])
  if not pid or pid < 1 then cli.usage_error(SPEC, "PID must be a project id (a number)") end
  local stream_id = args[2]
  if stream_id == "" then cli.usage_error(SPEC, "STREAM_ID must not be empty") end
  local path = args[3]
  if not opts.timezone then cli.usage_error(SPEC, "--timezone is required") end
  local zone, zone_err = tz.check(opts.timezone)
  if not zone then cli.usage_error(SPEC, zone_err) end
  local batch_size = 50
  if opts.batch_size then
    batch_size = whole_number(opts.batch_size)
    if not batch_size or batch_size < 1 or batch_size > MAX_BATCH then
      cli.usage_error(SPEC, "--batch-size must be a number from 1 to " .. MAX_BATCH)
    end
  end
  if opts.resend_unknown and opts.assume_sent then
    cli.usage_error(SPEC, "--resend-unknown and --assume-sent exclude each other")
  end

  local reader, open_err = csv.open(path)
  if not reader then cli.die(NAME, open_err) end

  -- The header first: a file without a good one stops the run here.
  local ok, header_rec = pcall(reader.read, reader)
  if not ok then cli.die(NAME, header_rec) end
  if not header_rec then cli.die(NAME, path .. ": the file is empty (no header row)") end
  if header_rec.error then
    cli.die(NAME, path .. ":" .. header_rec.line .. ": " .. header_rec.error)
  end
  local cols, header_err = read_header(header_rec.fields)
  if not cols then cli.die(NAME, path .. ":" .. header_rec.line .. ": " .. header_err) end

  -- A first pass counts the rows (for the progress line) and finds an
  -- unterminated quote before anything is sent.
  local bar = progress.new { label = "rows" }
  do
    local counter = assert(csv.open(path))
    local n = -1
    local counted, count_err = pcall(function() for _ in counter:records() do n = n + 1 end end)
    counter:close()
    if not counted then cli.die(NAME, tostring(count_err) .. "; nothing was sent") end
    bar.total = math.max(n, 0)
  end

  -- The token and base URL once (--base-url, --profile, the environment, the
  -- profile file), so that every batch goes to the same place.
  local client_options = cli.client_options(NAME, opts)
  local base_url = cli.base_url(client_options)
  local target = string.format("%s pid=%d stream=%s", base_url, pid, stream_id)
  local journal_path = opts.journal or (path .. ".journal")
  -- A real run locks the journal for as long as it runs.
  local journal, jerr = journal_mod.open(journal_path, target, { lock = not opts.dry_run })
  if not journal then cli.die(NAME, jerr) end
  if journal.damaged > 0 then
    warn(string.format("%s: %d damaged line(s) ignored (cut short by an interruption?)",
      journal_path, journal.damaged))
  end

  -- One client for the run (fails early on a missing token, before reading
  -- any row); the library's retries are shown as they happen.
  local client
  if not opts.dry_run then
    client_options.on_retry = function(attempt, err, delay)
      bar:say(string.format("%s: %s; attempt %d again in %.1f s", NAME, tostring(err),
        attempt + 1, delay))
    end
    client = cli.connect(NAME, opts, client_options)
  end

  local sender = setmetatable({
    client = client, journal = journal, pid = pid, stream_id = stream_id, bar = bar,
    batches = 0, sent = 0, rejected = 0, unknown_now = 0,
  }, Sender)

  local counts = { rows = 0, bad = 0, before = 0, marked = 0, would_send = 0 }
  -- The batch of unknown fate an earlier run left (more than one only in a
  -- journal written by an older version). The user's decision is recorded
  -- before anything else is sent; without one, nothing is sent.
  local pending = journal:unknown_batches()
  local pending_ids = {}
  for _, b in ipairs(pending) do
    for _, r in ipairs(b.rows) do pending_ids[#pending_ids + 1] = r.id end
  end
  local decided = opts.assume_sent or opts.resend_unknown
  local hold = #pending > 0 and not decided
  local marked_now = {} -- rows recorded as sent by this run (--assume-sent)
  if #pending > 0 and decided and not opts.dry_run then
    if opts.assume_sent then
      counts.marked = journal:decide_unknown(true)
      for _, id in ipairs(pending_ids) do marked_now[id] = true end
    else
      journal:decide_unknown(false)
    end
    crash_point("decided", 1)
  elseif opts.dry_run and opts.assume_sent then
    counts.marked = #pending_ids
  end

  local unknown_rows = {} -- rows of unknown fate held back: { line, id, title, start }
  local seen_digest = {}
  local seen_ids = {}
  local batch = {}
  local stop_msg

  local function flush_batch()
    if #batch == 0 or stop_msg then return end
    local rows = batch
    batch = {}
    if opts.dry_run or hold then
      counts.would_send = counts.would_send + #rows
      return
    end
    local go_on, msg = sender:send(rows)
    if not go_on then stop_msg = msg end
  end

  local read_ok, read_err = pcall(function()
    for rec in reader:records() do
      if stop_msg then break end
      counts.rows = counts.rows + 1
      bar:update(counts.rows)
      if rec.error then
        counts.bad = counts.bad + 1
        bar:say(string.format("%s: line %d: %s; skipped", NAME, rec.line, rec.error))
      else
        local digest = journal_mod.row_digest(cols.names, rec.fields)
        seen_digest[digest] = (seen_digest[digest] or 0) + 1
        local id = digest .. "-" .. seen_digest[digest]
        seen_ids[id] = true
        local state = journal:state(id)
        local item, why
        if state ~= "accepted" then item, why = make_item(rec.fields, cols, zone) end
        if state == "accepted" then
          -- Checked when it was sent; no need to warn about it again.
          if not marked_now[id] then counts.before = counts.before + 1 end
        elseif not item then
          counts.bad = counts.bad + 1
          bar:say(string.format("%s: line %d: %s; skipped", NAME, rec.line, why))
        elseif state == "unknown" and not opts.resend_unknown then
          -- (Still unknown with --assume-sent only in a dry run, which
          -- counted them as recorded above.)
          if not opts.assume_sent then
            unknown_rows[#unknown_rows + 1] = { line = rec.line, id = id, title = item.title,
              start = item.start_timestamp }
          end
        else
          for _, note in ipairs(why) do
            bar:say(string.format("%s: line %d: warning: %s", NAME, rec.line, note))
          end
          batch[#batch + 1] = { id = id, line = rec.line, item = item }
          if #batch >= batch_size then flush_batch() end
        end
      end
    end
    flush_batch()
  end)
  reader:close()
  bar:done()
  journal:close()

  -- Rows of the undecided batch that are no longer in the CSV as they were
  -- (edited or removed).
  local gone = 0
  if hold then
    for _, id in ipairs(pending_ids) do
      if not seen_ids[id] then gone = gone + 1 end
    end
  end

  local out = io.stdout
  if opts.dry_run then
    out:write(string.format("Dry run: %d row(s) would be sent, %d skipped (bad), "
      .. "%d already sent before, %d of unknown fate.\n", counts.would_send, counts.bad,
      counts.before + counts.marked, #unknown_rows))
  else
    out:write(string.format("Rows sent: %d, skipped: %d, already sent before: %d",
      sender.sent, counts.bad, counts.before))
    if sender.rejected > 0 then
      out:write(string.format(", rejected by the server: %d", sender.rejected))
    end
    if counts.marked > 0 then
      out:write(string.format(", recorded as sent (--assume-sent): %d", counts.marked))
    end
    if #unknown_rows > 0 then
      out:write(string.format(", of unknown fate: %d", #unknown_rows))
    end
    if hold and counts.would_send > 0 then
      out:write(string.format(", waiting to be sent: %d", counts.would_send))
    end
    out:write(".\n")
  end
  if hold then
    out:write(string.format("\n%d row(s) may or may not be on the server: an earlier run sent "
      .. "them as one batch and stopped before the answer came.\n", #unknown_rows + gone))
    for _, r in ipairs(unknown_rows) do
      out:write(string.format("  line %d: %s, %s\n", r.line, r.start, r.title))
    end
    if gone > 0 then
      out:write(string.format("  and %d row(s) no longer in the CSV as they were (edited or "
        .. "removed)\n", gone))
    end
    if #pending > 1 then
      out:write(string.format("(This journal, written by an older version of report.lua, "
        .. "holds %d such batches; the choice below applies to all of them.)\n", #pending))
    end
    out:write("Nothing else is sent until you say what became of them. Look for them in the "
      .. "ACRCloud console (the stream's results for that day; report.lua -h says how), then "
      .. "run again with --assume-sent if they are there, or --resend-unknown if they are "
      .. "not.\n")
  end

  if not read_ok then
    cli.die(NAME, read_err)
  end
  if stop_msg then
    cli.die(NAME, "stopped: " .. stop_msg)
  end
  if counts.bad > 0 or sender.rejected > 0 or hold then return EXIT_PARTIAL end
  return 0
end

os.exit(main(arg or {}))
