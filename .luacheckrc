std = "lua54"
max_line_length = 100
files["tests/"] = { std = "+busted" }
exclude_files = { "build*/", "lua/acrcloud/doc/" }
