-- Runs the local ACRCloud Console API emulator:
--   build/acrlua scripts/emulator.lua --port 8080 --token demo-token
-- See --help for the options.
os.exit(require("acrcloud.emulator").main(arg), true)
