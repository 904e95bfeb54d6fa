-- The client's mechanics beyond JSON calls, against the emulator: multipart
-- uploads streamed from disk, file errors, raw answers to bytes or a file,
-- region hosts resolved from the container and cached, signed requests,
-- flat paginators.
local acrcloud = require "acrcloud"
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

local emu = support.spec_emulator(_ENV, "transport-spec-token")
local new_client, last_request, request_count = emu.new_client, emu.last_request, emu.request_count
local write_file, read_file = support.write_file, support.read_file

describe("multipart uploads", function()
  it("send the file as a part with its base name, and the fields as text", function()
    local path = os.tmpname()
    local bytes = string.rep("\0\1\2audio", 300)
    write_file(path, bytes)
    local body = assert(new_client():upload_audio_file{ bucket_id = 8881, data_type = "audio",
      file = path, title = "Song" })
    os.remove(path)
    local wire = last_request()
    assert.matches("^multipart/form%-data; boundary=", wire.headers["content-type"])
    assert.equal("Song", body.data.title)
    local name = path:match("[^/]+$")
    assert.truthy(wire.body:find('name="file"; filename="' .. name .. '"', 1, true))
    assert.truthy(wire.body:find('name="title"\r\n\r\nSong\r\n', 1, true))
  end)

  it("send JSON when no file is given", function()
    assert(new_client():upload_audio_file{ bucket_id = 8881, data_type = "audio_url",
      url = "http://example.com/a.mp3", title = "Remote" })
    local wire = last_request()
    assert.equal("application/json", wire.headers["content-type"])
    assert.equal("audio_url", acrcloud.decode(wire.body).data_type)
  end)

  it("stop before any request when the file cannot be read", function()
    local before = request_count()
    local body, err = new_client():upload_audio_file{ bucket_id = 8881, data_type = "audio",
      file = "/nonexistent/song.mp3" }
    assert.is_nil(body)
    assert.equal("file", err.kind)
    assert.matches("cannot read '/nonexistent/song.mp3'", err.message)
    assert.equal(before + 1, request_count()) -- only the first count
  end)
end)

describe("raw answers", function()
  -- the emulator keeps 30 days of recordings: an hour ago is inside them.
  -- One instant for every call, so that two calls ask for the same bytes.
  local an_hour_ago = os.date("!%Y%m%d%H%M%S", os.time() - 3600)
  local function recording(client, extra)
    local params = { pid = 17913, stream_id = "s-XXXXXX",
      timestamp_utc = an_hour_ago, played_duration = 10 }
    for k, v in pairs(extra or {}) do params[k] = v end
    return client:get_stream_recording(params)
  end

  it("come back as bytes, not decoded", function()
    local bytes, res = recording(new_client())
    assert.is_string(bytes)
    assert.is_true(#bytes > 44)
    assert.equal(200, res.status)
    assert.equal("*/*", last_request().headers.accept)
  end)

  it("are written to the output file, which then holds the same bytes", function()
    local client = new_client()
    local bytes = recording(client)
    local path = os.tmpname()
    os.remove(path)
    local ok = recording(client, { output = path })
    assert.is_true(ok)
    assert.equal(bytes, read_file(path))
    assert.is_nil(read_file(path .. ".part"))
    os.remove(path)
  end)

  it("leave no file behind when the answer is an error", function()
    local path = os.tmpname()
    os.remove(path)
    local body, err = new_client():get_stream_recording{ pid = 17913, stream_id = "s-nope",
      timestamp_utc = "20210201120000", played_duration = 10, output = path }
    assert.is_nil(body)
    assert.equal(404, err.status)
    assert.is_nil(read_file(path))
    assert.is_nil(read_file(path .. ".part"))
  end)

  it("report an output path that cannot be written as a file error", function()
    local body, err = new_client():download_invoice{ invoice_id = 1,
      output = "/nonexistent-dir/invoice.pdf" }
    assert.is_nil(body)
    assert.equal("file", err.kind)
  end)
end)

describe("raw mode", function()
  it("returns a JSON answer's bytes undecoded, with the response table", function()
    local client = new_client()
    local decoded = assert(client:list_base_projects{})
    local bytes, res = client:list_base_projects({}, { raw = true })
    assert.is_string(bytes)
    assert.equal(200, res.status)
    assert.equal("application/json", last_request().headers.accept)
    assert.same(decoded, require("acrcloud").decode(bytes))
  end)

  it("still decodes an error answer into the error object", function()
    local body, err = new_client():get_base_project({ id = 987654 }, { raw = true })
    assert.is_nil(body)
    assert.equal(404, err.status)
    assert.equal("http", err.kind)
    assert.is_table(err.body)
  end)

  it("works through client:request", function()
    local bytes, res = new_client():request("GET", "/base-projects", { raw = true })
    assert.equal(200, res.status)
    assert.matches('^{"data":', bytes)
  end)

  it("refuses unknown options and options of the wrong type, naming them", function()
    local client = new_client()
    assert.has_error(function() client:list_base_projects({}, { rwa = true }) end,
      "list_base_projects: unknown option 'rwa'")
    assert.has_error(function() client:list_base_projects({}, { raw = 1 }) end,
      "list_base_projects: option 'raw' must be a boolean")
    assert.has_error(function() client:list_base_projects({}, "raw") end,
      "list_base_projects: options must be a table, got string")
  end)
end)

describe("hosts", function()
  local FS_HOST = "https://api-{region}.acrcloud.com/api"

  local function container(client)
    return assert(client:create_fs_container{ name = "c", region = "us-west-2",
      buckets = { 8881 }, audio_type = "linein", engine = 1,
      policy = { type = "traverse", interval = 1, rec_length = 10 } }).data.id
  end

  it("fill a file-scanning host with the container's region, asked once", function()
    local client = new_client{ hosts = { [FS_HOST] = "https://files-{region}.example.test/api" } }
    local id = container(client)
    local before = request_count()
    local url = client:prepare("list_fs_files", { container_id = id }).url
    assert.equal("https://files-us-west-2.example.test/api/fs-containers/" .. id .. "/files", url)
    client:prepare("get_fs_file", { container_id = id, file_id = "f" })
    -- one get_fs_container, then the cache (plus the count request itself)
    assert.equal(before + 2, request_count())
  end)

  it("take a region given with the call without asking", function()
    local client = new_client{ hosts = { [FS_HOST] = "https://files-{region}.example.test/api" } }
    local before = request_count()
    local url = client:prepare("list_fs_files", { container_id = 5, region = "eu-west-1" }).url
    assert.equal("https://files-eu-west-1.example.test/api/fs-containers/5/files", url)
    assert.equal(before + 1, request_count())
  end)

  it("send everything to a custom base URL", function()
    local client = new_client()
    assert.equal(emu.url .. "/fs-containers/5/files",
      client:prepare("list_fs_files", { container_id = 5 }).url)
    assert.equal(emu.url .. "/external-metadata/tracks?isrc=X",
      client:prepare("get_track_metadata", { isrc = "X" }).url)
    assert.equal(emu.url .. "/v1/identify",
      client:prepare("identify", { access_key = "k", access_secret = "s",
        sample = "x.wav" }).url)
  end)

  it("use each endpoint's own host with the default base URL", function()
    local client = acrcloud.new{ token = "t" }
    assert.equal("https://eu-api-v2.acrcloud.com/api/external-metadata/tracks?isrc=X",
      client:prepare("get_track_metadata", { isrc = "X" }).url)
    assert.equal("https://api-ap-southeast-1.acrcloud.com/api/fs-containers/5/files",
      client:prepare("list_fs_files", { container_id = 5, region = "ap-southeast-1" }).url)
    assert.equal("https://identify-eu-west-1.acrcloud.com/v1/identify",
      client:prepare("identify", { region = "eu-west-1", access_key = "k",
        access_secret = "s", sample = "x.wav" }).url)
  end)

  it("refuse a region that is not a host label", function()
    local client = acrcloud.new{ token = "t" }
    assert.has_error(function()
      client:prepare("identify", { region = "evil.example/x", access_key = "k",
        access_secret = "s", sample = "x.wav" })
    end, "identify: region 'evil.example/x' may hold only letters, digits and dashes")
  end)
end)

describe("the file-scanning upload flow", function()
  it("gets a presigned URL, streams the file there and registers it", function()
    local client = new_client()
    local id = assert(client:create_fs_container{ name = "c", region = "eu-west-1",
      buckets = { 8881 }, audio_type = "linein", engine = 1,
      policy = { type = "traverse", interval = 1, rec_length = 10 } }).data.id
    local path = os.tmpname()
    write_file(path, string.rep("x", 12345))
    local body = assert(client:upload_fs_file{ container_id = id, file = path, name = "Show" })
    os.remove(path)
    assert.equal("Show", body.data.name)
    local listed = assert(client:list_fs_files{ container_id = id }).data
    assert.equal(1, #listed)
  end)

  it("stops before any request when the file cannot be read", function()
    local before = request_count()
    local body, err = new_client():upload_fs_file{ container_id = 1, file = "/nonexistent" }
    assert.is_nil(body)
    assert.equal("file", err.kind)
    assert.equal(before + 1, request_count())
  end)
end)

describe("identification", function()
  it("signs the documented string with the secret and never sends it", function()
    local secret = "9zlEAx57jaCgeLpDKKQmorv0brrhAYqj076n6FyP" -- base project 15
    local key = "e7a84ca942a13773f6d22e9fd6808fce"
    local path = os.tmpname()
    local sample = {}
    for i = 1, 2048 do sample[i] = string.char((i * 37) % 251) end
    write_file(path, table.concat(sample))
    local client = new_client{ token = "unused" }
    local body = assert(client:identify{ access_key = key, access_secret = secret, sample = path })
    os.remove(path)
    assert.equal(0, body.status.code)
    local wire = last_request()
    assert.is_nil(wire.headers.authorization)
    assert.is_nil(wire.body:find(secret, 1, true))
    local function field(name)
      return wire.body:match('name="' .. name .. '"\r\n\r\n([^\r]*)\r\n')
    end
    local expected = acrcloud.base64(acrcloud.hmac_sha1(secret,
      "POST\n/v1/identify\n" .. key .. "\naudio\n1\n" .. field("timestamp")))
    assert.equal(expected, field("signature"))
    assert.equal("2048", field("sample_bytes"))
    assert.equal("1", field("signature_version"))
  end)

  it("gets the emulator's refusal with a wrong secret", function()
    local path = os.tmpname()
    write_file(path, "sample")
    local body = new_client():identify{ access_key = "e7a84ca942a13773f6d22e9fd6808fce",
      access_secret = "wrong", sample = path }
    os.remove(path)
    assert.is_table(body)
    assert.is_not.equal(0, body.status.code)
  end)
end)

describe("pagination", function()
  it("walks a flat paginator", function()
    local client = new_client()
    local n = 0
    for invoice in client:each("list_invoices", { per_page = 1 }) do
      assert.is_not_nil(invoice.id)
      n = n + 1
    end
    local first = assert(client:list_invoices{ per_page = 1 })
    assert.equal(first.total, n)
    assert.is_true(n > 1)
  end)

  it("sends a list of ids comma-joined in one segment", function()
    local client = new_client()
    client:delete_audio_files{ bucket_id = 8881, ids = { 1, 2, 3 } }
    assert.equal("/api/buckets/8881/files/1,2,3", last_request().path)
  end)
end)

describe("an interrupt", function()
  it("stops a request under way instead of waiting for its answer", function()
    emu.fault{ operation = "list_base_projects", delay = 20 }
    local script = os.tmpname()
    -- The script sends itself SIGINT (as ^C would) a second after its
    -- handler is in place, whatever the time the interpreter took to start.
    write_file(script, string.format([[
local client = require("acrcloud").new{ token = %q, base_url = %q, timeout = 60 }
os.execute("(sleep 1; kill -INT " .. require("acrcloud.process").getpid() .. ") &")
local body, err = client:list_base_projects{}
io.stderr:write("returned: ", tostring(err and err.kind), "\n")
]], emu.token, emu.url))
    local errfile = os.tmpname()
    local started = os.time()
    local ok, _, code = os.execute(string.format("%q %q 2>%q", os.getenv("ACRLUA"), script,
      errfile))
    local elapsed = os.time() - started
    local stderr = read_file(errfile)
    os.remove(script)
    os.remove(errfile)
    assert.is_nil(ok)
    assert.equal(1, code)
    assert.matches("interrupted!", stderr)
    -- the answer would have come after 20 s
    assert.is_true(elapsed < 15, "took " .. elapsed .. " s")
  end)
end)
