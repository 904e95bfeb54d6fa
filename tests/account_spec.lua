-- The account against the emulator: the Metadata API, billing (with the
-- flat-paginated invoice list and the PDF download) and prices, through the
-- client; what went on the wire and what came back.
local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
local support = dofile(here .. "support.lua")
local validate = require "acrcloud.emulator.validate"

local ISRC = "ZZA1R1900101" -- "Harbour Lights", in the emulator's made-up catalog
local client
local emu = support.spec_emulator(_ENV, "account-spec-token", function(c) client = c end)
local requests, last_request = emu.requests, emu.last_request
local keys, unchecked = support.sorted_keys, support.unchecked
local failed, refused = support.failed, support.refused

describe("the Metadata API", function()
  it("finds a track by ISRC, with its links on the default platforms", function()
    local body = assert(client:get_track_metadata{ isrc = ISRC })
    local wire = last_request()
    assert.equal("GET", wire.method)
    assert.equal("/api/external-metadata/tracks", wire.path)
    assert.equal("isrc=" .. ISRC, wire.query)
    assert.equal(1, #body.data)
    local track = body.data[1]
    assert.equal("Harbour Lights", track.name)
    assert.equal("The Ninth Tide", track.artists[1].name)
    assert.same({ "applemusic", "deezer", "spotify", "youtube" }, keys(track.external_metadata))
    assert.matches("^https://open%.spotify%.com/track/", track.external_metadata.spotify[1].link)
    assert.is_nil(track.works)
  end)

  it("finds a track by an \"Artist - Title\" query", function()
    local body = assert(client:get_track_metadata{ query = "mira okafor - paper satellites" })
    assert.truthy(last_request().query:find("query=mira%20okafor%20-%20paper%20satellites", 1,
      true))
    assert.equal("Paper Satellites", body.data[1].name)
  end)

  it("reads a JSON query with format json", function()
    local body = assert(client:get_track_metadata{ format = "json",
      query = '{"track":"Concrete Garden","artists":["Kestrel Union"]}' })
    assert.equal("ZZC3G2000015", body.data[1].isrc)
  end)

  it("finds a track by its URL on a platform", function()
    local body = assert(client:get_track_metadata{
      source_url = "https://www.youtube.com/watch?v=c9Rk2Lw0mZs" })
    assert.equal("Slow River, Fast Boat", body.data[1].name)
  end)

  it("answers the platforms asked for, and works with include_works", function()
    local body = assert(client:get_track_metadata{ isrc = ISRC, platforms = "deezer,tidal",
      include_works = 1 })
    local track = body.data[1]
    assert.same({ "deezer", "tidal" }, keys(track.external_metadata))
    assert.same({}, track.external_metadata.tidal)
    assert.is_string(track.works[1].iswc)
    assert.same({ "Composer", "Lyricist" }, track.works[1].contributors[1].roles)
  end)

  it("answers an empty list for a track it does not know", function()
    local body = assert(client:get_track_metadata{ isrc = "ZZX0X0000000" })
    assert.same({}, body.data)
  end)

  it("answers 422 when nothing names a track", function()
    local _, err = client:get_track_metadata{ platforms = "spotify" }
    assert.equal(422, err.status)
    assert.is_table(err.errors.query)
  end)

  it("answers 422 for more than five platforms", function()
    assert.same({ 422, { "The platforms must not have more than 5 items." } },
      refused("platforms", client:get_track_metadata{ isrc = ISRC,
        platforms = "spotify,deezer,youtube,applemusic,tidal,kkbox" }))
  end)
end)

describe("billing", function()
  it("the current bill covers this month and is pending", function()
    local body = assert(client:get_current_bill{})
    assert.equal("/api/billing/current-bill", last_request().path)
    local bill = body.data
    assert.equal(os.date("!%Y-%m-01"), bill.bill_begin)
    assert.equal(0, bill.state)
    assert.is_number(bill.amount)
    assert.equal(1, bill.uid)
  end)

  it("refuses another account's uid with 403", function()
    assert.same({ 403, "This action is unauthorized." },
      failed(client:get_current_bill{ uid = 12345 }))
    assert.equal("uid=12345", last_request().query)
  end)

  it("the next bill date is the first of next month, at the top level", function()
    local body = assert(client:get_next_bill_date{})
    assert.equal("/api/billing/next-bill-date", last_request().path)
    assert.is_nil(body.data)
    local y, m = os.date("!%Y") + 0, os.date("!%m") + 0
    if m == 12 then y, m = y + 1, 1 else m = m + 1 end
    assert.equal(string.format("%04d-%02d-01", y, m), body.next_bill_date)
    local today = validate.parse_date(os.date("!%Y-%m-%d"))
    assert.equal(validate.parse_date(body.next_bill_date) - today, body.left_days)
  end)

  it("invoices come as a flat paginator", function()
    local body = assert(client:list_invoices{ per_page = 5, page = 2 })
    local wire = last_request()
    assert.equal("/api/billing/invoices", wire.path)
    assert.truthy(wire.query:find("per_page=5", 1, true))
    assert.truthy(wire.query:find("page=2", 1, true))
    assert.is_nil(body.meta)
    assert.same({ 14, 2, 3, 5 }, { body.total, body.current_page, body.last_page,
      body.per_page })
    assert.equal(5, #body.data)
    assert.matches("page=3$", body.next_page_url)
    assert.is_number(body.data[1].amount)
  end)

  it("each walks every page of the invoices", function()
    local seen = {}
    for invoice in client:each("list_invoices", { per_page = 5 }) do
      seen[#seen + 1] = invoice.id
    end
    assert.equal(14, #seen)
    assert.equal(67890, seen[1])
    assert.equal(67877, seen[14])
    local pages = 0
    for _, r in ipairs(requests()) do
      if r.path == "/api/billing/invoices" then pages = pages + 1 end
    end
    assert.equal(3, pages)
  end)

  it("download_invoice gives the PDF's bytes", function()
    local bytes, res = assert(client:download_invoice{ invoice_id = "1-67890" })
    local wire = last_request()
    assert.equal("/api/billing/invoices/1-67890/download", wire.path)
    assert.equal("%PDF", bytes:sub(1, 4))
    assert.matches("%%%%EOF\n$", bytes)
    assert.equal(200, res.status)
  end)

  it("download_invoice writes the PDF to the output file", function()
    local path = os.tmpname()
    assert.is_true(client:download_invoice{ invoice_id = 67885, output = path })
    local f = assert(io.open(path, "rb"))
    local bytes = f:read("a")
    f:close()
    os.remove(path)
    assert.equal("%PDF", bytes:sub(1, 4))
    assert.truthy(bytes:find("ACRCloud invoice 1-67885", 1, true))
  end)

  it("download_invoice of an unknown invoice is a 404", function()
    assert.same({ 404, "No query results for model [Bill] 1-12" },
      failed(client:download_invoice{ invoice_id = "1-12" }))
  end)
end)

describe("prices", function()
  it("lists the prices that apply to the account, and its discount", function()
    local body = assert(client:list_prices{})
    assert.equal("/api/prices", last_request().path)
    local by_service = {}
    for _, p in ipairs(body.data) do by_service[p.service_type] = p end
    assert.equal(1, by_service.AVR.uid)
    assert.equal(0, by_service.LCD.uid)
    assert.equal(10, body.discount.AVR)
  end)

  it("filters by type and service types", function()
    local body = assert(client:list_prices{ type = "Standard", service_types = "AVR,BM" })
    local wire = last_request()
    assert.truthy(wire.query:find("type=Standard", 1, true))
    assert.truthy(wire.query:find("service_types=AVR%2CBM", 1, true))
    local got = {}
    for i, p in ipairs(body.data) do got[i] = p.service_type .. "/" .. p.uid end
    assert.same({ "AVR/0", "BM/0" }, got)
  end)

  it("answers 422 for an unknown type", function()
    assert.same({ 422, { "The selected type is invalid." } },
      refused("type", unchecked(client, "list_prices", { type = "Cheapest" })))
  end)
end)
