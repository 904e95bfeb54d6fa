-- The emulator's small music catalog: the tracks that identification,
-- file-scanning results, UCF results and the Metadata API answer with.
--
-- Every track, artist, label and code here is made up (the ISRCs use the
-- "ZZ" country code, which no registrant has): the emulator must not pass
-- off invented data as facts about real recordings.
local json = require "acrcloud.emulator.json"

local M = {}

M.tracks = {
  { acrid = "3f1e8a9c27d54b60a1c4e7d2b98f0a35", title = "Harbour Lights",
    artists = { "The Ninth Tide" }, album = "Salt & Static", label = "Lowfield Records",
    release_date = "2019-03-08", duration_ms = 214000, isrc = "ZZA1R1900101",
    upc = "0190295000011", genres = { "Pop" },
    spotify = "4fZ1Zq7cBvH0pMmY1sGfA2", deezer = "1043278911", youtube = "hL7tq0XbQ2c",
    applemusic = "1452870001" },
  { acrid = "b2f1c43ea2c9e1f6d5d1a8e3c7f90a11", title = "Paper Satellites",
    artists = { "Mira Okafor", "Len Darrow" }, album = "Paper Satellites",
    label = "Northbound Audio", release_date = "2021-06-18", duration_ms = 187500,
    isrc = "ZZB2N2100402", upc = "0602435000022", genres = { "Electronic", "Dance" },
    spotify = "1kQw8dZr5yN6lX2cVb3mJ0", deezer = "1388201452", youtube = "Vq3dM8sPz1k",
    applemusic = "1570112233" },
  { acrid = "0c7d9a3b5e2f4a1c8b6d0e9f7a5c3b1d", title = "Slow River, Fast Boat",
    artists = { "Amalia Reyes" }, album = "Cartografía", label = "Lowfield Records",
    release_date = "2017-10-27", duration_ms = 243120, isrc = "ZZA1R1700733",
    upc = "0190295000035", genres = { "Latin", "Folk" },
    spotify = "7Hc2Lm4nQp9rS1tUv3wXy5", deezer = "412907653", youtube = "c9Rk2Lw0mZs",
    applemusic = "1290338845" },
  { acrid = "e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9", title = "Concrete Garden",
    artists = { "Kestrel Union" }, album = "Overpass", label = "Grey Signal",
    release_date = "2020-01-31", duration_ms = 198840, isrc = "ZZC3G2000015",
    upc = "0840095000048", genres = { "Rock", "Alternative" },
    spotify = "2Bd4Fg6Hj8Kl0Zx1Cv3Bn5", deezer = "852330117", youtube = "Zp4nT7yQe2w",
    applemusic = "1493002561" },
  { acrid = "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d", title = "Morning Edition Theme",
    artists = { "Studio Four Ensemble" }, album = "Broadcast Cues Vol. 2",
    label = "Grey Signal", release_date = "2016-05-13", duration_ms = 61200,
    isrc = "ZZC3G1600208", upc = "0840095000055", genres = { "Soundtrack" },
    spotify = "5Yx7Wv9Ut1Sr3Qp5On7Ml9", deezer = "125004771", youtube = "r5Jw1Kd8aLm",
    applemusic = "1112009876" },
}

M.PLATFORMS = { "spotify", "deezer", "youtube", "applemusic", "tidal", "gaana", "awa",
  "kkbox", "soundcloud" }

-- FNV-1a (32 bits) of a string: a stable way to pick a track for any input.
function M.hash(s)
  local h = 0x811c9dc5
  for i = 1, #s do
    h = ((h ~ s:byte(i)) * 0x01000193) & 0xffffffff
  end
  return h
end

-- The track a piece of input stands for, the same one every time.
function M.pick(s)
  return M.tracks[M.hash(s) % #M.tracks + 1]
end

function M.by_acrid(acrid)
  for _, t in ipairs(M.tracks) do
    if t.acrid == acrid then return t end
  end
end

function M.by_isrc(isrc)
  isrc = isrc:upper():gsub("%-", "")
  for _, t in ipairs(M.tracks) do
    if t.isrc == isrc then return t end
  end
end

-- The track a platform URL points at (its id appears in the URL).
function M.by_url(url)
  for _, t in ipairs(M.tracks) do
    for _, key in ipairs({ "spotify", "deezer", "youtube", "applemusic" }) do
      if url:find(t[key], 1, true) then return t end
    end
  end
end

local function contains(haystack, needle)
  return haystack:lower():find(needle:lower(), 1, true) ~= nil
end

-- Tracks whose title contains `title` and, when given, one of whose artists
-- contains `artist` (case-insensitive).
function M.search(title, artist)
  local out = {}
  for _, t in ipairs(M.tracks) do
    local artist_ok = not artist or artist == ""
    for _, a in ipairs(t.artists) do
      if not artist_ok and contains(a, artist) then artist_ok = true end
    end
    if contains(t.title, title) and artist_ok then out[#out + 1] = t end
  end
  return out
end

local function names(list)
  local out = json.array()
  for i, n in ipairs(list) do out[i] = json.object({ name = n }, { "name" }) end
  return out
end
M.names = names

local MUSIC = { "external_ids", "play_offset_ms", "title", "artists", "release_date", "label",
  "duration_ms", "album", "acrid", "result_from", "score", "genres", "external_metadata",
  "db_begin_time_offset_ms", "db_end_time_offset_ms", "sample_begin_time_offset_ms",
  "sample_end_time_offset_ms" }

-- A music item as the Identification API and the monitoring results show
-- it (docs "Music" metadata page): the sample (sample_ms long) matched the
-- track from offset_ms on.
function M.music_item(t, offset_ms, score, sample_ms)
  offset_ms, sample_ms = offset_ms or 0, sample_ms or 10000
  local genres = json.array()
  for i, g in ipairs(t.genres) do genres[i] = json.object({ name = g }, { "name" }) end
  local function ids(track_id)
    return json.object({ track = json.object({ id = track_id }, { "id" }) }, { "track" })
  end
  return json.object({
    external_ids = json.object({ isrc = t.isrc, upc = t.upc }, { "isrc", "upc" }),
    play_offset_ms = offset_ms + sample_ms,
    title = t.title,
    artists = names(t.artists),
    release_date = t.release_date,
    label = t.label,
    duration_ms = t.duration_ms,
    album = json.object({ name = t.album }, { "name" }),
    acrid = t.acrid,
    result_from = 3,
    score = score or 100,
    genres = genres,
    external_metadata = json.object({
      spotify = ids(t.spotify), deezer = ids(t.deezer),
      youtube = json.object({ vid = t.youtube }, { "vid" }),
    }, { "spotify", "deezer", "youtube" }),
    db_begin_time_offset_ms = offset_ms,
    db_end_time_offset_ms = offset_ms + sample_ms,
    sample_begin_time_offset_ms = 0,
    sample_end_time_offset_ms = sample_ms,
  }, MUSIC)
end

return M
