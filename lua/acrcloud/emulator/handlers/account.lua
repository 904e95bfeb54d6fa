-- The account: the Metadata API (external-metadata/tracks, docs), billing
-- and prices (official CLI only). The docs give the metadata track fields;
-- the billing and price shapes come from what the CLI reads, the rest is
-- invented (see the README notes).
local area = require "acrcloud.emulator.area"
local common, json, validate = area.common, area.json, area.validate
local catalog = require "acrcloud.emulator.catalog"

local M, H, R = area.new()

-- `uid` parameters naming another account than the token's are refused, as
-- they are for a token without admin rights.
local UID = common.UID

local function check_uid(ctx)
  local uid = ctx.params.uid
  if uid ~= nil and tostring(uid) ~= tostring(UID) then
    common.raise(403, "This action is unauthorized.")
  end
end

local function uid_rule(value, name)
  if not validate.check_type(value, { "integer" }) then
    return "The " .. validate.attribute(name) .. " must be an integer."
  end
end

-- Metadata API ----------------------------------------------------------------------

local DEFAULT_PLATFORMS = { "spotify", "deezer", "youtube", "applemusic" }
local MAX_PLATFORMS = 5

local function split_list(s)
  local out = {}
  for item in tostring(s):gmatch("[^,]+") do
    item = item:match("^%s*(.-)%s*$")
    if item ~= "" then out[#out + 1] = item end
  end
  return out
end

local function platforms_rule(value, name)
  local list = split_list(value)
  if #list > MAX_PLATFORMS then
    return "The " .. name .. " must not have more than " .. MAX_PLATFORMS .. " items."
  end
  local known = {}
  for _, p in ipairs(catalog.PLATFORMS) do known[p] = true end
  for _, p in ipairs(list) do
    if not known[p:lower()] then return "The selected " .. name .. " is invalid." end
  end
end

R.get_track_metadata = {
  platforms = { platforms_rule },
  include_works = { validate.one_of({ 0, 1 }) },
}

local LINKS = {
  spotify = "https://open.spotify.com/track/%s",
  deezer = "https://www.deezer.com/track/%s",
  youtube = "https://www.youtube.com/watch?v=%s",
  applemusic = "https://music.apple.com/us/song/%s",
}

local TRACK = { "name", "isrc", "disc_number", "track_number", "genres", "duration_ms",
  "release_date", "artists", "album", "external_metadata", "type", "works" }
local ALBUM = { "name", "upc", "label", "release_date", "cover", "covers" }

local function track_view(t, platforms, with_works)
  local genres = json.array()
  for i, g in ipairs(t.genres) do genres[i] = g end
  -- Each platform lists the matching tracks it has; the made-up catalog is
  -- on the four default platforms only.
  local external = json.object({}, platforms)
  for _, p in ipairs(platforms) do
    local list = json.array()
    if LINKS[p] then
      list[1] = json.object({ id = t[p], link = string.format(LINKS[p], t[p]) }, { "id", "link" })
    end
    external[p] = list
  end
  local works
  if with_works then
    local contributors = json.array()
    for i, a in ipairs(t.artists) do
      contributors[i] = json.object({ name = a:upper(),
        ipi = 100000000 + catalog.hash(a) % 899999999,
        roles = json.array({ "Composer", "Lyricist" }) }, { "name", "ipi", "roles" })
    end
    works = json.array({ json.object({
      iswc = string.format("T%010d", catalog.hash(t.isrc) % 10000000000),
      name = t.title:upper(), contributors = contributors,
    }, { "iswc", "name", "contributors" }) })
  end
  local cover = "https://covers.example.com/" .. t.upc
  return json.object({
    name = t.title, isrc = t.isrc, disc_number = 1, track_number = 1 + catalog.hash(t.acrid) % 12,
    genres = genres, duration_ms = t.duration_ms, release_date = t.release_date,
    artists = catalog.names(t.artists),
    album = json.object({
      name = t.album, upc = t.upc, label = t.label, release_date = t.release_date,
      cover = cover .. "/600x600.jpg",
      covers = json.object({ small = cover .. "/100x100.jpg", medium = cover .. "/300x300.jpg",
        large = cover .. "/600x600.jpg" }, { "small", "medium", "large" }),
    }, ALBUM),
    external_metadata = external, type = "track", works = works,
  }, TRACK)
end

-- The tracks a request names: by acr_id, isrc, platform URL, or a query
-- ("Artist - Title" text, or {"track", "artists"} JSON with format=json).
local function find_tracks(p)
  if p.acr_id then return { catalog.by_acrid(p.acr_id) } end
  if p.isrc then return { catalog.by_isrc(p.isrc) } end
  if p.source_url then return { catalog.by_url(p.source_url) } end
  if p.format == "json" then
    local q = json.decode(p.query)
    if type(q) ~= "table" or json.is_array(q) or type(q.track) ~= "string" then
      validate.fail("query", 'The query must be a JSON object with a "track" string.')
    end
    local artist = type(q.artists) == "table" and q.artists[1] or nil
    return catalog.search(q.track, type(artist) == "string" and artist or nil)
  end
  local artist, title = p.query:match("^%s*(.-)%s+%-%s+(.-)%s*$")
  if artist then
    local found = catalog.search(title, artist)
    if #found > 0 then return found end
  end
  return catalog.search(p.query:match("^%s*(.-)%s*$"))
end

-- Nothing found: an empty list.
function H.get_track_metadata(ctx)
  local p = ctx.params
  if not (p.source_url or p.isrc or p.acr_id or p.query) then
    validate.fail("query",
      "The query field is required when none of source url / isrc / acr id are present.")
  end
  local platforms = p.platforms and split_list(p.platforms:lower()) or DEFAULT_PLATFORMS
  local with_works = tostring(p.include_works) == "1"
  local out = json.array()
  for _, t in ipairs(find_tracks(p)) do out[#out + 1] = track_view(t, platforms, with_works) end
  return 200, { data = out }
end

-- Billing ---------------------------------------------------------------------------

-- Bills run by calendar month (UTC). The current month's bill is pending;
-- the 14 before it are invoices, paid (one cancelled).
local INVOICES = 14
local FIRST_BILL_ID = 67877

local BILL = { "id", "uid", "charge_type", "amount", "credit", "currency", "bill_begin",
  "bill_end", "state", "payment_method", "created_at", "updated_at" }

-- year, month of the month `k` months after (year, month)
local function add_months(y, m, k)
  local n = y * 12 + (m - 1) + k
  return n // 12, n % 12 + 1
end

local function month_bounds(y, m)
  local first = validate.days_from_civil(y, m, 1)
  local ny, nm = add_months(y, m, 1)
  return first, validate.days_from_civil(ny, nm, 1) - 1
end

local function cents(n) return math.floor(n) / 100 end

-- The bill of month number k (0 = the current month, -1 the one before ...).
local function bill(state, k)
  local y, m = validate.civil_from_days(state:now() // 86400)
  y, m = add_months(y, m, k)
  local first, last = month_bounds(y, m)
  local id = FIRST_BILL_ID + INVOICES + k
  local amount = 9900 + catalog.hash(tostring(id)) % 40000
  local rec = {
    id = id, uid = UID, charge_type = "postpaid", credit = 0, currency = "USD",
    bill_begin = validate.format_date(first), bill_end = validate.format_date(last),
    payment_method = "credit_card",
  }
  if k == 0 then
    -- Accrued so far this month.
    local today = state:now() // 86400
    rec.amount = cents(amount * (today - first + 1) // (last - first + 1))
    rec.state = 0
    rec.created_at = common.sql_time(first * 86400)
    rec.updated_at = common.sql_time(state:now())
  else
    rec.amount = cents(amount)
    rec.state = k == -5 and 2 or 1
    rec.created_at = common.sql_time((last + 1) * 86400)
    rec.updated_at = common.sql_time((last + 3) * 86400 + 36000)
  end
  return rec
end

local function bill_view(b)
  local out = {}
  for k, v in pairs(b) do out[k] = v end
  return json.object(out, BILL)
end

R.get_current_bill = { uid = { uid_rule } }

function H.get_current_bill(ctx)
  check_uid(ctx)
  return 200, { data = bill_view(bill(ctx.state, 0)) }
end

R.get_next_bill_date = { uid = { uid_rule } }

-- Top level, no `data`, as the CLI reads it.
function H.get_next_bill_date(ctx)
  check_uid(ctx)
  local today = ctx.state:now() // 86400
  local y, m = validate.civil_from_days(today)
  local ny, nm = add_months(y, m, 1)
  local next_day = validate.days_from_civil(ny, nm, 1)
  return 200, json.object({ next_bill_date = validate.format_date(next_day),
    left_days = next_day - today }, { "next_bill_date", "left_days" })
end

local FLAT = { "current_page", "data", "first_page_url", "from", "last_page", "last_page_url",
  "links", "next_page_url", "path", "per_page", "prev_page_url", "to", "total" }
local LINK = { "url", "label", "active" }

-- Laravel's paginator returned as it is (not through a resource): its
-- fields at the top level next to `data`, as the CLI reads invoices.
local function flat_page(ctx, records, view)
  local data, at = common.page_slice(ctx, records, view)
  local page, last_page = at.page, at.last_page
  local path = ctx.url_path
  local function url(n)
    if n < 1 or n > last_page then return json.null end
    return path .. "?page=" .. n
  end
  local links = json.array({ json.object({ url = url(page - 1), label = "&laquo; Previous",
    active = false }, LINK) })
  for n = 1, last_page do
    links[#links + 1] = json.object({ url = url(n), label = tostring(n), active = n == page }, LINK)
  end
  links[#links + 1] = json.object({ url = url(page + 1), label = "Next &raquo;", active = false },
    LINK)
  return json.object({
    current_page = page, data = data, first_page_url = url(1), from = at.from,
    last_page = last_page, last_page_url = url(last_page), links = links,
    next_page_url = url(page + 1), path = path, per_page = at.per_page,
    prev_page_url = url(page - 1), to = at.to, total = at.total,
  }, FLAT)
end

-- page and per_page get common.page_rules, as on every paginated operation.
R.list_invoices = { uid = { uid_rule } }

-- Newest first.
function H.list_invoices(ctx)
  check_uid(ctx)
  local records = {}
  for k = 1, INVOICES do records[k] = bill(ctx.state, -k) end
  return 200, flat_page(ctx, records, bill_view)
end

-- A one-page PDF (PDF 1.4, Helvetica) with the given lines; the cross
-- reference table holds the real byte offsets, so readers accept it.
function M.pdf(lines)
  local text = { "BT /F1 12 Tf 72 770 Td 16 TL" }
  for _, line in ipairs(lines) do
    text[#text + 1] = "(" .. line:gsub("[\\()]", "\\%0") .. ") Tj T*"
  end
  text[#text + 1] = "ET"
  local stream = table.concat(text, "\n")
  local objects = {
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " ..
      "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    "<< /Length " .. #stream .. " >>\nstream\n" .. stream .. "\nendstream",
  }
  local out, offsets = { "%PDF-1.4\n%\226\227\207\211\n" }, {}
  local size = #out[1]
  for i, body in ipairs(objects) do
    offsets[i] = size
    local obj = i .. " 0 obj\n" .. body .. "\nendobj\n"
    out[#out + 1] = obj
    size = size + #obj
  end
  local xref = { "xref\n0 " .. (#objects + 1) .. "\n", "0000000000 65535 f \n" }
  for _, off in ipairs(offsets) do xref[#xref + 1] = string.format("%010d 00000 n \n", off) end
  out[#out + 1] = table.concat(xref)
  out[#out + 1] = "trailer\n<< /Size " .. (#objects + 1) .. " /Root 1 0 R >>\nstartxref\n" ..
    size .. "\n%%EOF\n"
  return table.concat(out)
end

-- invoice_id: "{uid}-{bill_id}" as the CLI documents it, or the bill id.
function H.download_invoice(ctx)
  local raw = tostring(ctx.params.invoice_id)
  local uid, id = raw:match("^(%d+)%-(%d+)$")
  if not uid then id = raw:match("^%d+$") end
  local k = id and tonumber(id) - (FIRST_BILL_ID + INVOICES)
  if not id or (uid and tonumber(uid) ~= UID) or k > -1 or k < -INVOICES then
    common.not_found("Bill", raw)
  end
  local b = bill(ctx.state, math.tointeger(k))
  local pdf = M.pdf({
    "ACRCloud invoice " .. UID .. "-" .. b.id,
    "Period: " .. b.bill_begin .. " to " .. b.bill_end,
    string.format("Amount: %.2f %s", b.amount, b.currency),
    "State: " .. (b.state == 1 and "paid" or b.state == 2 and "cancelled" or "pending"),
    "Generated by the acrlua emulator: not a real invoice.",
  })
  return 200, pdf, { ["Content-Type"] = "application/pdf",
    ["Content-Disposition"] = 'attachment; filename="invoice-' .. UID .. "-" .. b.id .. '.pdf"' }
end

-- Prices ------------------------------------------------------------------------------

local PRICE = { "id", "uid", "service_type", "state", "prices" }

-- Standard (list) prices have uid 0; the account's own prices uid 1, one of
-- them replaced (state 0) by a newer one.
local PRICES = {
  { id = 1, uid = 0, service_type = "AVR", state = 1,
    prices = { per_1000_requests = 4, free_requests_per_day = 100 } },
  { id = 2, uid = 0, service_type = "LCD", state = 1,
    prices = { per_1000_requests = 3, per_channel_month = 25 } },
  { id = 3, uid = 0, service_type = "HR", state = 1, prices = { per_1000_requests = 2 } },
  { id = 4, uid = 0, service_type = "BM", state = 1,
    prices = { per_stream_month = 30, per_database_channel_month = 15 } },
  { id = 5, uid = 0, service_type = "FS", state = 1, prices = { per_audio_hour = 1.5 } },
  { id = 6, uid = 0, service_type = "UCF", state = 1, prices = { per_stream_month = 10 } },
  { id = 20, uid = UID, service_type = "AVR", state = 0,
    prices = { per_1000_requests = 3.6, free_requests_per_day = 100 } },
  { id = 21, uid = UID, service_type = "AVR", state = 1,
    prices = { per_1000_requests = 3.2, free_requests_per_day = 200 } },
  { id = 22, uid = UID, service_type = "BM", state = 1,
    prices = { per_stream_month = 27, per_database_channel_month = 12 } },
}

local function price_view(p)
  local prices = {}
  for k, v in pairs(p.prices) do prices[k] = v end
  return json.object({ id = p.id, uid = p.uid, service_type = p.service_type, state = p.state,
    prices = prices }, PRICE)
end

R.list_prices = {
  uid = { uid_rule },
}

-- type: Latest (default) the prices that apply to the account (its own
-- where it has them, else the standard ones); Standard the list prices; All
-- every row. `discount`: percent off per service type.
function H.list_prices(ctx)
  check_uid(ctx)
  local kind = ctx.params.type or "Latest"
  local wanted
  if ctx.params.service_types then
    wanted = {}
    for _, s in ipairs(split_list(ctx.params.service_types)) do wanted[s:upper()] = true end
  end
  local own = {}
  for _, p in ipairs(PRICES) do
    if p.uid == UID and p.state == 1 then own[p.service_type] = true end
  end
  local out = json.array()
  for _, p in ipairs(PRICES) do
    local keep
    if kind == "All" then
      keep = true
    elseif kind == "Standard" then
      keep = p.uid == 0
    else
      keep = p.state == 1 and (p.uid == UID or not own[p.service_type])
    end
    if keep and (not wanted or wanted[p.service_type]) then out[#out + 1] = price_view(p) end
  end
  return 200, { data = out, discount = json.object({ AVR = 10, BM = 5 }, { "AVR", "BM" }) }
end

-- No state of its own: bills follow the calendar, prices are constant.
function M.seed(state) local _ = state end

return M
