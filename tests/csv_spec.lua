-- acrcloud.csv: RFC 4180 reading.
local csv = require "acrcloud.csv"

local function all(text)
  local out = {}
  for rec in csv.from_string(text, "t.csv"):records() do out[#out + 1] = rec end
  return out
end

local function fields(text)
  local out = {}
  for _, rec in ipairs(all(text)) do out[#out + 1] = rec.fields or rec.error end
  return out
end

describe("acrcloud.csv", function()
  -- { name, text, the fields of its records }
  local READS = {
    { "splits plain fields", "a,b,c\n1,2,3\n", { { "a", "b", "c" }, { "1", "2", "3" } } },
    { "reads a last line without a line end", "a,b\n1,2", { { "a", "b" }, { "1", "2" } } },
    { "keeps empty fields, leading and trailing", ",b,\n,,\n",
      { { "", "b", "" }, { "", "", "" } } },
    { "handles CRLF line ends", "a,b\r\n1,2\r\n", { { "a", "b" }, { "1", "2" } } },
    { "reads quoted fields with commas", '"Hello, World",x\n', { { "Hello, World", "x" } } },
    { "reads doubled quotes as one quote", '"say ""hi""",""""\n', { { 'say "hi"', '"' } } },
    { "reads an empty quoted field", '"",a,""\n', { { "", "a", "" } } },
    { "reads a quoted field that spans lines, keeping the line break",
      '"line one\nline two",x\ny,z\n', { { "line one\nline two", "x" }, { "y", "z" } } },
    { "keeps CRLF inside a quoted field and strips it at the record end",
      '"a\r\nb",c\r\n', { { "a\r\nb", "c" } } },
    { "handles two multi-line quoted fields in one record",
      '"a\nb","c\nd",e\n', { { "a\nb", "c\nd", "e" } } },
    { "skips blank lines", "a\n\n\r\nb\n\n", { { "a" }, { "b" } } },
    { "drops a UTF-8 byte order mark", "\239\187\191title,start\n", { { "title", "start" } } },
    { "keeps UTF-8 text as it is", "Motörhead,東京\n", { { "Motörhead", "東京" } } },
    { "keeps a quote inside an unquoted field", '5" floppy,x\n', { { '5" floppy', "x" } } },
  }
  for _, case in ipairs(READS) do
    it(case[1], function() assert.same(case[3], fields(case[2])) end)
  end

  it("numbers records by the line they start on", function()
    local recs = all('h1,h2\n"multi\nline",x\n\nlast,row\n')
    assert.equal(1, recs[1].line)
    assert.equal(2, recs[2].line)
    assert.equal(5, recs[3].line)
  end)

  it("reports text after a closing quote as a bad record and goes on", function()
    local recs = all('"ab"c,d\nok,1\n')
    assert.equal(1, recs[1].line)
    assert.matches("after the closing quote", recs[1].error, 1, true)
    assert.same({ "ok", "1" }, recs[2].fields)
  end)

  it("raises for an unterminated quote, naming the line it opened on", function()
    local ok, err = pcall(all, 'a,b\nc,"never closed\nmore\n')
    assert.is_false(ok)
    assert.equal("t.csv:2: unterminated quoted field (the quote opened on line 2 is never closed)",
      err)
  end)

  it("reads a file line by line", function()
    local path = os.tmpname()
    local f = assert(io.open(path, "wb"))
    f:write('title,note\r\n"A, B","x ""y"""\r\n')
    for i = 1, 2000 do f:write("t", i, ",n\r\n") end
    f:close()
    local reader = assert(csv.open(path))
    local n, first, last = 0, nil, nil
    for rec in reader:records() do
      n = n + 1
      first = first or (n == 2 and rec.fields)
      last = rec
    end
    reader:close()
    os.remove(path)
    assert.equal(2002, n)
    assert.same({ "A, B", 'x "y"' }, first)
    assert.equal(2002, last.line)
    assert.same({ "t2000", "n" }, last.fields)
  end)

  it("returns nil and a message for a missing file", function()
    local r, err = csv.open("/nonexistent/x.csv")
    assert.is_nil(r)
    assert.matches("No such file", err, 1, true)
  end)

  it("quotes fields for writing only when needed", function()
    assert.equal('a,"b,c","d ""e""","x\ny"\n', csv.format_row { "a", "b,c", 'd "e"', "x\ny" })
    assert.equal("1,2.5\n", csv.format_row { 1, 2.5 })
  end)

  it("reads back what it writes", function()
    local row = { "plain", "with,comma", 'with "quotes"', "multi\nline", "", " padded " }
    assert.same({ row }, fields(csv.format_row(row)))
  end)
end)
