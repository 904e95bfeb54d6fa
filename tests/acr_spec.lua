-- acr, the command line: output formats against the library's own answers,
-- --all with bounded memory, --dry-run, exit codes by kind, profiles,
-- workflows, help, completion, configure.
--
-- Most tests run acrcloud.shell.main in this process, with its stdout,
-- stderr, stdin and environment our own; the ones that need a process of
-- their own (workflows exit through os.exit, ^C) run build/acr.
local acrcloud = require "acrcloud"
local shell = require "acrcloud.shell"
local output = require "acrcloud.shell.output"
local csv = require "acrcloud.csv"

local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")
local q, read_file, write_file = support.q, support.read_file, support.write_file
local check_run = support.check_run

local TOKEN = "acr-spec-token-7f3a"
local emu = support.emulator(TOKEN)
local temp = support.temp_files()

-- The directory acr is in (build/acr beside build/acrlua).
local ACRLUA = assert(os.getenv("ACRLUA"), "ACRLUA is not set")
local ACR = ACRLUA:gsub("acrlua$", "acr")

local function temp_dir() return temp.track(support.tmpdir()) end

-- An empty home, so that no profile of this machine's user is read.
local EMPTY_HOME

-- Runs acr in this process. o.env: the environment (default: the
-- emulator's token and URL and an empty home); o.tty: stdout is a
-- terminal; o.stdin: text; o.stdout: a writer of our own.
local function acr(argv, o)
  o = o or {}
  local env = o.env or { ACRCLOUD_ACCESS_TOKEN = TOKEN, ACRCLOUD_BASE_URL = emu.url }
  env.HOME = env.HOME or EMPTY_HOME
  return support.run_shell(argv, { env = env, tty = o.tty, stdin = o.stdin, stdout = o.stdout })
end

-- Runs build/acr in a process of its own: words, env (a table; the
-- emulator's by default), and `prefix` words for the shell (timeout ...).
local function acr_process(args, env, prefix)
  env = env or { ACRCLOUD_ACCESS_TOKEN = TOKEN, ACRCLOUD_BASE_URL = emu.url }
  env.HOME = env.HOME or EMPTY_HOME
  local words = { "env", "-u", "ACRCLOUD_ACCESS_TOKEN", "-u", "ACRCLOUD_BASE_URL", "-u",
    "ACRCLOUD_PROFILE", "-u", "XDG_CONFIG_HOME" }
  for k, v in pairs(env) do words[#words + 1] = k .. "=" .. v end
  words[#words + 1] = ACR
  for _, a in ipairs(args) do words[#words + 1] = a end
  for i, w in ipairs(words) do words[i] = q(w) end
  return support.run_command((prefix or "timeout 60") .. " " .. table.concat(words, " ")
    .. " </dev/null")
end

local function client() return emu.new_client() end

setup(function()
  emu.start()
  EMPTY_HOME = temp_dir()
end)
teardown(function()
  emu.stop()
  temp.remove_all()
end)
before_each(emu.reset)

describe("acr output formats", function()
  -- What `acr list_base_projects` (with options) prints, exiting 0; and
  -- the list the library gets.
  local function base_projects_as(options)
    local r = acr { "list_base_projects", table.unpack(options) }
    assert.equal(0, r.code, r.err)
    return r.out, assert(client():list_base_projects {}).data
  end

  local function csv_rows(text)
    local rows = {}
    for rec in csv.from_string(text, "out"):records() do rows[#rows + 1] = rec.fields end
    return rows
  end

  it("json prints the body as the API sent it", function()
    local r = acr { "get_base_project", "--id", "15", "-o", "json" }
    assert.equal(0, r.code, r.err)
    local bytes = assert(client():get_base_project({ id = 15 }, { raw = true }))
    assert.equal(bytes .. (bytes:sub(-1) == "\n" and "" or "\n"), r.out)
    assert.same(assert(client():get_base_project { id = 15 }), acrcloud.decode(r.out))
  end)

  it("raw prints the server's bytes untouched", function()
    local r = acr { "list_buckets", "-o", "raw" }
    assert.equal(0, r.code, r.err)
    assert.equal(assert(client():list_buckets({}, { raw = true })), r.out)
  end)

  it("jsonl prints one item a line", function()
    local out, want = base_projects_as { "-o", "jsonl" }
    local lines = {}
    for line in out:gmatch("[^\n]+") do lines[#lines + 1] = acrcloud.decode(line) end
    assert.equal(#want, #lines)
    assert.same(want, lines)
  end)

  it("csv has a header of the default columns and one row an item", function()
    local out, want = base_projects_as { "-o", "csv" }
    local records = csv_rows(out)
    local header = table.remove(records, 1)
    assert.same(output.default_columns(want), header)
    assert.equal("id", header[1])
    assert.equal("name", header[2])
    assert.equal(#want, #records)
    for i, item in ipairs(want) do
      for j, col in ipairs(header) do
        assert.equal(output.cell(item[col]), records[i][j], col)
      end
      -- and against the library's values directly, for a few columns
      assert.equal(tostring(item.id), records[i][1])
      assert.equal(item.name, records[i][2])
    end
  end)

  it("csv takes --fields, with dots into objects and lists", function()
    local out, want = base_projects_as { "-o", "csv", "--fields", "id,region,buckets.id" }
    local records = csv_rows(out)
    assert.same({ "id", "region", "buckets.id" }, records[1])
    for i, item in ipairs(want) do
      local ids = {}
      for k, b in ipairs(item.buckets) do ids[k] = tostring(b.id) end
      assert.same({ tostring(item.id), item.region, table.concat(ids, ",") }, records[i + 1])
    end
  end)

  it("table aligns the chosen columns, numbers to the right", function()
    local out, want = base_projects_as { "-o", "table", "--fields", "id,name,region" }
    local lines = {}
    for line in out:gmatch("[^\n]+") do lines[#lines + 1] = line end
    assert.equal(#want + 1, #lines)
    assert.matches("^id%s+name%s+region$", lines[1])
    local name_at = lines[1]:find("name", 1, true)
    for i, item in ipairs(want) do
      local id, name, region = lines[i + 1]:match("^%s*(%d+)  +(%S+)  +(%S+)$")
      assert.equal(tostring(item.id), id)
      assert.equal(item.name, name)
      assert.equal(item.region, region)
      assert.equal(name_at, lines[i + 1]:find(item.name, 1, true))
    end
    -- the id column is right-aligned: every id ends where the header's does
    for i = 2, #lines do assert.equal(2, #lines[i]:match("^(%s*%d+)")) end
  end)

  it("table shows one object as FIELD VALUE lines", function()
    local r = acr { "get_base_project", "--id", "15", "-o", "table" }
    assert.equal(0, r.code, r.err)
    local want = assert(client():get_base_project { id = 15 }).data
    local seen = {}
    for line in r.out:gmatch("[^\n]+") do
      local k, v = line:match("^(%S+)%s*(.*)$")
      seen[k] = v
    end
    for k, v in pairs(want) do
      if type(v) ~= "table" then assert.equal(output.cell(v), seen[k], k) end
    end
    assert.equal("spotify,isrc,deezer", seen.external_ids)
  end)

  it("is table on a terminal and json otherwise, unless -o or the profile says", function()
    assert.matches("^%s*id%s+name", acr({ "list_buckets" }, { tty = true }).out)
    local r = acr { "list_buckets" }
    assert.same(assert(client():list_buckets {}), acrcloud.decode(r.out))
    assert.matches("^{", acr({ "list_buckets", "-o", "json" }, { tty = true }).out)
    -- --fields alone means a table
    assert.matches("^%s*id%s+name\n", acr({ "list_buckets", "--fields", "id,name" }).out)
  end)

  it("takes global options before or after the operation", function()
    local a = acr { "-o", "csv", "--fields", "id", "list_buckets" }
    local b = acr { "list_buckets", "--fields=id", "-o", "csv" }
    assert.equal(0, a.code, a.err)
    assert.equal(a.out, b.out)
    assert.matches("^id\n14663\n", a.out)
  end)

  it("accepts '-' for '_' in operation names and flags", function()
    local a = acr { "list-audio-files", "--bucket-id", "8881", "--per-page", "3", "-o", "raw" }
    local b = acr { "list_audio_files", "--bucket_id", "8881", "--per_page", "3", "-o", "raw" }
    assert.equal(0, a.code, a.err)
    assert.equal(b.out, a.out)
    assert.equal(3, #acrcloud.decode(a.out).data)
  end)

  it("writes raw answers (recordings) as bytes, or to --output-file", function()
    local stamp = support.utc_stamp(os.time() - 1800) -- one instant: the same bytes
    local params = { "--pid", "17913", "--stream-id", "s-XXXXXX", "--timestamp-utc",
      stamp, "--played-duration", "10" }
    local r = acr { "get_stream_recording", table.unpack(params) }
    assert.equal(0, r.code, r.err)
    local want = assert(client():get_stream_recording {
      pid = 17913, stream_id = "s-XXXXXX", timestamp_utc = stamp,
      played_duration = 10 })
    assert.equal(#want, #r.out)
    local path = temp.name()
    params[#params + 1] = "--output-file"
    params[#params + 1] = path
    r = acr { "get_stream_recording", table.unpack(params) }
    assert.equal(0, r.code, r.err)
    assert.equal("", r.out)
    assert.equal(#want, #read_file(path))
  end)
end)

describe("acr --all", function()
  it("streams every item of every page as one json array", function()
    local r = acr { "list_audio_files", "--bucket-id", "8881", "--per-page", "7", "--all",
      "-o", "json" }
    assert.equal(0, r.code, r.err)
    local want = {}
    for item in client():each("list_audio_files", { bucket_id = 8881, per_page = 7 }) do
      want[#want + 1] = item
    end
    assert.equal(120, #want)
    assert.same(want, acrcloud.decode(r.out))
    -- one request a page
    local pages = 0
    for _, req in ipairs(emu.requests()) do
      if req.operation == "list_audio_files" then pages = pages + 1 end
    end
    assert.equal(2 * 18, pages) -- 18 pages of 7, for acr and for the library
  end)

  it("writes table and csv rows in the columns of the first items", function()
    local r = acr { "list_audio_files", "--bucket-id", "8881", "--all", "-o", "csv",
      "--fields", "id,title" }
    assert.equal(0, r.code, r.err)
    local n = 0
    for rec in csv.from_string(r.out, "out"):records() do
      n = n + 1
      if n > 1 then assert.equal(tostring(380000 + n - 1), rec.fields[1]) end
    end
    assert.equal(121, n)
    r = acr { "list_audio_files", "--bucket-id", "8881", "--all", "-o", "table" }
    local lines = select(2, r.out:gsub("\n", ""))
    assert.equal(121, lines)
  end)

  it("prints [] for an empty list and refuses operations that are not lists", function()
    local r = acr { "list_dedup_files", "--bucket-id", "14663", "--all", "-o", "json" }
    assert.equal(0, r.code, r.err)
    assert.equal("[]\n", r.out)
    r = acr { "get_bucket", "--id", "23", "--all" }
    assert.equal(2, r.code)
    assert.matches("get_bucket is not a paginated list", r.err)
    assert.equal(2, acr({ "list_buckets", "--all", "-o", "raw" }).code)
  end)

  it("holds one page in memory, however many pages there are", function()
    local pages, per_page, size = 150, 100, 1000
    local p = assert(io.popen("exec " .. q(ACRLUA) .. " "
      .. q(support.ROOT .. "/tests/fixtures/pager.lua") .. " " .. pages .. " " .. per_page .. " "
      .. size))
    local url, pid = p:read("l"):match("^(%S+) (%d+)$")
    local function stop()
      require("acrcloud.process").kill(math.tointeger(tonumber(pid)), "TERM")
      p:close()
    end
    collectgarbage()
    collectgarbage()
    local base = collectgarbage("count")
    local peak, written, lines = base, 0, 0
    local sink = { write = function(self, ...)
      for i = 1, select("#", ...) do
        local s = select(i, ...)
        written = written + #s
        lines = lines + select(2, s:gsub("\n", ""))
      end
      local now = collectgarbage("count")
      if now > peak then peak = now end
      return self
    end, flush = function() end }
    local ok, r = pcall(acr, { "list_buckets", "--all", "-o", "jsonl" },
      { env = { ACRCLOUD_ACCESS_TOKEN = "t", ACRCLOUD_BASE_URL = url }, stdout = sink })
    stop()
    assert(ok, r)
    assert.equal(0, r.code, r.err)
    assert.equal(pages * per_page, lines)
    assert.is_true(written > pages * per_page * size)
    -- Holding every page would take more than `written` bytes (15 MB); one
    -- page is 100 KB of text and its decoded items.
    local grew_kb = peak - base
    assert.is_true(grew_kb < 4 * 1024, string.format("the heap grew by %.0f KB while %d bytes "
      .. "were written", grew_kb, written))
  end)
end)

describe("acr --dry-run", function()
  -- Runs the printed curl command with the token in the environment.
  local function run_curl(text)
    local script = temp.file(text)
    local out = temp.name()
    local ok = os.execute("ACRCLOUD_ACCESS_TOKEN=" .. q(TOKEN) .. " sh " .. q(script) .. " >"
      .. q(out) .. " 2>&1")
    return ok, read_file(out)
  end

  it("sends nothing and shows $ACRCLOUD_ACCESS_TOKEN, never the token", function()
    local before = emu.request_count()
    local r = acr { "create_base_project", "--name", "dry", "--region", "eu-west-1", "--type",
      "AVR", "--buckets", "8881,8883", "--external-ids", "isrc", "--dry-run" }
    assert.equal(0, r.code, r.err)
    assert.equal(before + 1, emu.request_count()) -- only our own question just now
    assert.not_matches(TOKEN, r.out, 1, true)
    assert.not_matches(TOKEN, r.err, 1, true)
    assert.matches('-H "Authorization: Bearer $ACRCLOUD_ACCESS_TOKEN"', r.out, 1, true)
    assert.matches("^curl %-sS %-X POST '" .. emu.url:gsub("%p", "%%%0") .. "/base%-projects'",
      r.out)
  end)

  it("prints a command that sends the same request", function()
    local cases = {
      { "create_base_project", "--name", "via-curl", "--region", "eu-west-1", "--type", "AVR",
        "--buckets", "8881", "--external-ids", "isrc,upc" },
      { "list_audio_files", "--bucket-id", "8881", "--per-page", "5", "--search", "o 1" },
      { "update_audio_file", "--bucket-id", "8881", "--id", "380001", "--user-defined",
        '{"a":"it\'s"}' },
      { "upload_audio_file", "--bucket-id", "8881", "--data-type", "audio", "--file",
        temp.file("\1\2audio bytes"), "--title", "T;itle=x" },
    }
    for _, argv in ipairs(cases) do
      -- acr itself
      assert.equal(0, acr(argv).code)
      local direct = emu.last_request()
      emu.reset()
      local dry = acr { "--dry-run", table.unpack(argv) }
      assert.equal(0, dry.code, dry.err)
      local ok, out = run_curl(dry.out)
      assert.is_true(ok, out)
      local via = emu.last_request()
      emu.reset()
      assert.equal(direct.operation, via.operation)
      assert.equal(direct.method, via.method)
      assert.equal(direct.path, via.path)
      assert.equal(direct.query, via.query)
      local ctype = direct.headers["content-type"] or ""
      if ctype:find("json") then
        assert.same(acrcloud.decode(direct.body), acrcloud.decode(via.body))
      elseif not ctype:find("multipart") then
        assert.equal("", direct.body)
        assert.equal("", via.body)
      else
        -- multipart: the same parts (boundaries differ)
        for _, part in ipairs({ 'name="title"\r\n\r\nT;itle=x', 'name="data_type"' }) do
          assert.truthy(via.body:find(part, 1, true), part)
        end
        assert.truthy(via.body:find("\1\2audio bytes", 1, true))
      end
    end
  end)

  it("asks for the region rather than asking the API for it", function()
    local r = acr({ "list_fs_files", "--container-id", "10005", "--dry-run" }, { env = {} })
    assert.equal(2, r.code)
    assert.matches("give %-%-region", r.err)
    r = acr({ "list_fs_files", "--container-id", "10005", "--region", "us-west-2", "--dry-run" },
      { env = {} })
    assert.equal(0, r.code, r.err)
    assert.matches("'https://api%-us%-west%-2%.acrcloud%.com/api/fs%-containers/10005/files'",
      r.out)
    -- against another base URL (the emulator), there is nothing to look up
    local before = emu.request_count()
    r = acr { "list_fs_files", "--container-id", "10005", "--dry-run" }
    assert.equal(0, r.code, r.err)
    assert.equal(before + 1, emu.request_count())
  end)

  it("needs no token", function()
    local r = acr({ "get_bucket", "--id", "23", "--dry-run" }, { env = {} })
    assert.equal(0, r.code, r.err)
    assert.matches("https://api%-v2%.acrcloud%.com/api/buckets/23", r.out)
  end)
end)

describe("acr errors", function()
  it("exit 2 for bad usage, naming what was wrong", function()
    local cases = {
      { { "no_such_operation" }, "unknown command 'no_such_operation'" },
      { { "get_bucket", "--nope", "1" }, "unknown option '--nope'" },
      { { "get_bucket" }, "get_bucket: missing --id" },
      { { "list_buckets", "--page", "two" }, '--page: expected an integer, got "two"' },
      { { "update_fs_container", "--id", "1", "--policy", "{bad" },
        "--policy: expected an object" },
      { { "list_buckets", "-o", "xml" }, "argument for option '-o' must be one of" },
      { { "list_buckets", "--page", "1", "--page", "2" }, "--page: given 2 times" },
      { {}, "name an operation" },
    }
    for _, c in ipairs(cases) do
      local r = acr(c[1])
      assert.equal(2, r.code, table.concat(c[1], " "))
      assert.matches(c[2], r.err, 1, true)
      assert.equal("", r.out)
    end
  end)

  it("exit 3 for an HTTP error, with the error's one line", function()
    local r = acr { "get_base_project", "--id", "999" }
    assert.equal(3, r.code)
    assert.matches("^acrcloud: HTTP 404: [^\n]*%[GET [^\n]*/base%-projects/999%]\n$", r.err)
    assert.equal("", r.out)
    -- the same kind, the same status, whatever the operation and format
    emu.fault { operation = "list_buckets", status = 422, body = { message = "bad" }, count = 9 }
    for _, fmt in ipairs({ "json", "raw", "table", "csv", "jsonl" }) do
      assert.equal(3, acr({ "list_buckets", "-o", fmt }).code, fmt)
    end
    assert.equal(3, acr({ "list_buckets", "--all" }).code)
  end)

  it("exit 4 for a network error", function()
    local r = acr({ "list_buckets" }, { env = { ACRCLOUD_ACCESS_TOKEN = "t",
      ACRCLOUD_BASE_URL = "http://127.0.0.1:9/api" } })
    assert.equal(4, r.code, r.err)
    assert.matches("^acrcloud: ", r.err)
  end)

  it("exit 5 for a timeout", function()
    emu.fault { operation = "get_bucket", delay = 3, count = 9 }
    local r = acr { "get_bucket", "--id", "23", "--timeout", "0.5" }
    assert.equal(5, r.code, r.err)
  end)

  it("exit 6 for a success that is not JSON, in every format that reads it", function()
    for _, fmt in ipairs({ "json", "table", "csv", "jsonl" }) do
      emu.fault { operation = "get_bucket", undecodable = true }
      local r = acr { "get_bucket", "--id", "23", "-o", fmt }
      assert.equal(6, r.code, fmt .. ": " .. r.err)
      assert.equal("", r.out)
    end
  end)

  it("exit 7 for a file that cannot be read or written", function()
    local r = acr { "upload_audio_file", "--bucket-id", "8881", "--data-type", "audio",
      "--file", "/nonexistent/song.mp3" }
    assert.equal(7, r.code, r.err)
    r = acr { "download_invoice", "--invoice-id", "67890", "--output-file", "/nonexistent/x.pdf" }
    assert.equal(7, r.code, r.err)
  end)

  it("exit 1 without a token, saying where one comes from", function()
    local r = acr({ "list_buckets" }, { env = { ACRCLOUD_BASE_URL = emu.url } })
    assert.equal(1, r.code)
    assert.matches("no token: set ACRCLOUD_ACCESS_TOKEN", r.err)
  end)

  it("exit 130 when ^C stops a request", function()
    emu.fault { operation = "get_bucket", delay = 10 }
    local t0 = os.time()
    local r = acr_process({ "get_bucket", "--id", "23" }, nil,
      "timeout --preserve-status -s INT 1")
    assert.equal(130, r.code, r.err)
    assert.is_true(os.time() - t0 < 8)
  end)
end)

describe("acr profiles", function()
  local function home_with(profiles_text, mode)
    local home = temp_dir()
    assert(os.execute("mkdir -p " .. q(home .. "/.config/acrcloud")))
    write_file(home .. "/.config/acrcloud/profiles.lua", profiles_text)
    assert(os.execute("chmod " .. (mode or "600") .. " " .. q(home
      .. "/.config/acrcloud/profiles.lua")))
    return home
  end

  it("takes token, base URL, output and region from --profile", function()
    local home = home_with(string.format('return { emu = { token = %q, base_url = %q, '
      .. 'output = "csv", region = "us-west-2" } }', TOKEN, emu.url))
    local r = acr({ "--profile", "emu", "list_buckets", "--fields", "id" },
      { env = { HOME = home, ACRCLOUD_ACCESS_TOKEN = "wrong" } })
    assert.equal(0, r.code, r.err)
    assert.matches("^id\n14663\n", r.out)
    -- the profile's region fills a required region
    r = acr({ "create_bucket", "--name", "b", "--type", "File", "--profile", "emu", "-o", "json" },
      { env = { HOME = home } })
    assert.equal(0, r.code, r.err)
    assert.equal("us-west-2", acrcloud.decode(emu.last_request().body).region)
  end)

  it("puts the environment before the default profile", function()
    local home = home_with('return { default = { token = "nope", base_url = '
      .. '"http://127.0.0.1:9/api" } }')
    local r = acr({ "get_bucket", "--id", "23", "--dry-run" },
      { env = { HOME = home, ACRCLOUD_BASE_URL = emu.url } })
    assert.matches(emu.url .. "/buckets/23", r.out, 1, true)
    r = acr({ "get_bucket", "--id", "23", "--dry-run" }, { env = { HOME = home } })
    assert.matches("http://127.0.0.1:9/api/buckets/23", r.out, 1, true)
    r = acr({ "get_bucket", "--id", "23", "--dry-run", "--base-url", emu.url },
      { env = { HOME = home } })
    assert.matches(emu.url .. "/buckets/23", r.out, 1, true)
  end)

  it("refuses a profile file others can read, exit 1", function()
    local home = home_with('return { default = { token = "t" } }', "644")
    local r = acr({ "list_buckets" }, { env = { HOME = home } })
    assert.equal(1, r.code)
    assert.matches("chmod 600", r.err, 1, true)
  end)

  it("configure writes the token from stdin into a 0600 file, and it works", function()
    local home = temp_dir()
    local r = acr({ "configure", "--profile", "emu", "--base-url", emu.url, "-o", "csv" },
      { env = { HOME = home }, stdin = TOKEN .. "\n" })
    assert.equal(0, r.code, r.err)
    assert.equal("", r.out)
    assert.not_matches(TOKEN, r.err, 1, true)
    local path = home .. "/.config/acrcloud/profiles.lua"
    assert.equal(tonumber("600", 8), require("acrcloud.profiles").file_mode(path))
    r = acr({ "--profile", "emu", "list_buckets", "--fields", "id" }, { env = { HOME = home } })
    assert.equal(0, r.code, r.err)
    assert.matches("^id\n14663\n", r.out)
    -- again without a token: the one there is kept, the region added
    r = acr({ "configure", "--profile", "emu", "--region", "eu-west-1" },
      { env = { HOME = home }, stdin = "" })
    assert.equal(0, r.code, r.err)
    local data = require("acrcloud.profiles").load(path)
    assert.same({ token = TOKEN, base_url = emu.url, output = "csv", region = "eu-west-1" },
      data.emu)
  end)
end)

describe("acr workflows", function()
  it("runs the scripts with the arguments given", function()
    local r = acr_process { "list-projects", "-r", "eu-west-1" }
    assert.equal(0, r.code, r.err)
    assert.matches("KIND%s+ID%s+NAME", r.out)
    assert.not_matches("ap%-southeast%-1", r.out)
    r = acr_process { "stats", "15", "2021-04-09", "2021-04-10", "-o", "csv" }
    assert.equal(0, r.code, r.err)
    assert.matches("^date,", r.out)
  end)

  it("passes --help on to the script", function()
    local r = acr_process { "provision", "--help" }
    assert.equal(0, r.code, r.err)
    assert.matches("^usage: provision%.lua", r.out)
    r = acr_process { "help", "export-results" }
    assert.equal(0, r.code, r.err)
    assert.matches("export%-results%.lua", r.out)
    r = acr_process { "receive-callbacks", "--help" }
    assert.equal(0, r.code, r.err)
    assert.matches("receive%-callbacks%.lua", r.out)
  end)

  it("forwards --profile given before the name", function()
    local home = temp_dir()
    assert(os.execute("mkdir -p " .. q(home .. "/.config/acrcloud")))
    write_file(home .. "/.config/acrcloud/profiles.lua", string.format(
      "return { emu = { token = %q, base_url = %q } }", TOKEN, emu.url))
    assert(os.execute("chmod 600 " .. q(home .. "/.config/acrcloud/profiles.lua")))
    check_run(acr_process({ "--profile", "emu", "list-projects" }, { HOME = home }),
      { code = 0, out_match = "KIND%s+ID" })
    check_run(acr_process({ "--profile", "nope", "list-projects" }, { HOME = home }),
      { code = 1, err_match = 'no profile "nope"' })
  end)

  it("refuses acr's output options before a workflow's name", function()
    check_run(acr { "-o", "csv", "stats", "15", "2021-04-09", "2021-04-10" },
      { code = 2, err_match = "%-%-output before 'stats' is acr's" })
  end)
end)

describe("scripts/demo.sh", function()
  it("prints its help for -h, exit 0, and refuses arguments, exit 2", function()
    local function run(a)
      return support.run_command("bash " .. q(support.ROOT .. "/scripts/demo.sh") .. " " .. a
        .. " </dev/null")
    end
    check_run(run("-h"), { code = 0, out_match = "^The README's demo",
      out_lacks = "Emulator of the ACRCloud", err_lacks = "Emulator of the ACRCloud" })
    check_run(run("--bogus"), { code = 2, err_has = "unexpected argument '--bogus'" })
  end)
end)

describe("acr help, version and completion", function()
  it("lists every operation by area on stdout, exit 0", function()
    for _, argv in ipairs({ { "--help" }, { "help" }, { "-h" } }) do
      local r = acr(argv)
      assert.equal(0, r.code)
      assert.equal("", r.err)
      for _, area in ipairs(shell.areas()) do
        local at = r.out:find("\n" .. area.name .. ":\n", 1, true)
        assert.truthy(at, area.name)
        for _, op in ipairs(area.ops) do
          local op_at = r.out:find("\n   " .. op.name .. "[ \n]", at)
          assert.truthy(op_at, op.name)
        end
      end
      for _, w in ipairs(shell.WORKFLOWS) do assert.matches("\n   " .. w.name, r.out, 1, true) end
      for _, e in ipairs(shell.EXIT_DOC) do assert.matches(e[2], r.out, 1, true) end
    end
  end)

  it("shows an operation's method, path and parameters", function()
    for _, op in ipairs(acrcloud.operations) do
      local r = acr { op.name, "--help" }
      assert.equal(0, r.code, op.name)
      assert.matches("Request: " .. op.method .. " " .. op.path, r.out, 1, true)
      for _, p in ipairs(op.params) do
        assert.matches("--" .. shell.flag_of(p), r.out, 1, true)
      end
      assert.equal(r.out, acr({ "help", op.name }).out)
    end
  end)

  it("--version names acr and the library's version", function()
    local r = acr { "--version" }
    assert.equal(0, r.code)
    assert.matches("^acr %(acrlua%) " .. acrcloud.version:gsub("%p", "%%%0") .. "\n", r.out)
  end)

  it("completes operations and their flags in bash", function()
    local r = acr { "completion", "bash" }
    assert.equal(0, r.code, r.err)
    local script = temp.file(r.out)
    local function complete(words)
      local cmd = string.format("source %s; COMP_WORDS=(%s); COMP_CWORD=%d; _acr; "
        .. "printf '%%s\\n' \"${COMPREPLY[@]}\"", q(script), table.concat(words, " "), #words - 1)
      return (support.output("bash -c " .. q(cmd) .. " 2>&1"))
    end
    local words = {}
    for w in complete({ "acr", "list_b" }):gmatch("%S+") do words[#words + 1] = w end
    table.sort(words)
    assert.same({ "list_base_projects", "list_bd_projects", "list_buckets" }, words)
    local flags = complete { "acr", "get_audio_file", "--" }
    assert.matches("%-%-bucket_id\n", flags)
    assert.matches("%-%-id\n", flags)
    assert.matches("%-%-output\n", flags)
    assert.not_matches("%-%-title", flags)
    assert.equal("csv\n", complete { "acr", "list_buckets", "-o", "cs" })
  end)
end)
