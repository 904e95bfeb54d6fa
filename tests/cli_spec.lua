-- acrcloud.cli: option parsing shared by the scripts.
local cli = require "acrcloud.cli"

local SPEC = {
  name = "t.lua",
  usage = "t.lua [options] A B",
  help = "help\n",
  options = {
    { "o", "output", value = "FORMAT" },
    { "n", "dry-run" },
    { nil, "base-url", value = "URL" },
    { "t", "tag", value = "TAG", many = true },
  },
  min_args = 1, max_args = 2,
}

describe("acrcloud.cli.try_parse", function()
  it("reads flags, values in all spellings, and arguments", function()
    local opts, args = cli.try_parse(SPEC, { "-n", "-o", "csv", "x", "--base-url=http://h/api" })
    assert.same({ dry_run = true, output = "csv", base_url = "http://h/api" }, opts)
    assert.same({ "x" }, args)
    opts = cli.try_parse(SPEC, { "-ojson", "--output", "table", "x" })
    assert.equal("table", opts.output)
  end)

  it("collects repeated options marked many", function()
    local opts = cli.try_parse(SPEC, { "-t", "a", "--tag=b", "x" })
    assert.same({ "a", "b" }, opts.tag)
  end)

  it("takes everything after -- as arguments", function()
    local opts, args = cli.try_parse(SPEC, { "--", "-n", "-x" })
    assert.same({}, opts)
    assert.same({ "-n", "-x" }, args)
  end)

  it("returns help for -h and --help", function()
    assert.equal("help", cli.try_parse(SPEC, { "x", "-h" }))
    assert.equal("help", cli.try_parse(SPEC, { "--help" }))
  end)

  it("names the problem with bad options and argument counts", function()
    local cases = {
      { { "--nope", "x" }, "unknown option --nope" },
      { { "-q", "x" }, "unknown option -q" },
      { { "x", "-o" }, "option -o needs a value (FORMAT)" },
      { { "x", "--output" }, "option --output needs a value (FORMAT)" },
      { { "--dry-run=yes", "x" }, "option --dry-run takes no value" },
      { { "-nx", "x" }, "option -n takes no value (in -nx)" },
      { {}, "missing arguments" },
      { { "a", "b", "c" }, "too many arguments" },
    }
    for _, c in ipairs(cases) do
      local opts, err = cli.try_parse(SPEC, c[1])
      assert.is_nil(opts)
      assert.equal(c[2], err)
    end
  end)
end)
