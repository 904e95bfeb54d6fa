/*
 * The endpoint table, data only. One entry an operation; adding an endpoint
 * is adding an entry here (and its emulator route, test and docs, which the
 * coverage check asks for).
 *
 * Names are verb_noun in snake_case: create_, list_, get_, update_, delete_,
 * set_, add_ + the object, read as English.
 *
 * The entries follow the order of the inventory (shared/api/endpoints.json);
 * .source names each one's inventory entry, and .note says why the table
 * differs from it, or which choice was made where the sources disagree.
 * Where the inventory and the spec pages (shared/spec/) disagree, the spec
 * wins.
 */
#include <string.h>

#include "endpoints.h"

/* Parameter shorthands: P_PATH(name, types, doc), P_QUERY/P_BODY(name, types,
 * required, doc), P_FILE/P_HOST(name, required, doc), P_SECRET(name, doc),
 * P_OUTPUT(). REQ/OPT say whether the caller must give it. */
#define REQ 1
#define OPT 0
#define P_PATH(n, t, d)                                                        \
  { n, ACR_IN_PATH, t, REQ, NULL, d, NULL, NULL, NULL }
#define P_QUERY(n, t, r, d)                                                    \
  { n, ACR_IN_QUERY, t, r, NULL, d, NULL, NULL, NULL }
#define P_BODY(n, t, r, d)                                                     \
  { n, ACR_IN_BODY, t, r, NULL, d, NULL, NULL, NULL }
/* The same with allowed values v (a VALUES list), or a format f. */
#define P_QUERY_IN(n, t, r, d, v)                                              \
  { n, ACR_IN_QUERY, t, r, NULL, d, v, NULL, NULL }
#define P_BODY_IN(n, t, r, d, v)                                               \
  { n, ACR_IN_BODY, t, r, NULL, d, v, NULL, NULL }
#define P_QUERY_FMT(n, t, r, d, f)                                             \
  { n, ACR_IN_QUERY, t, r, NULL, d, NULL, NULL, f }
/* Values the API is known to exceed: documented, not enforced (why). */
#define P_QUERY_OPEN(n, t, r, d, v, why)                                       \
  { n, ACR_IN_QUERY, t, r, NULL, d, v, why, NULL }
#define P_BODY_OPEN(n, t, r, d, v, why)                                        \
  { n, ACR_IN_BODY, t, r, NULL, d, v, why, NULL }
/* A path on disk: the file goes as a streamed multipart part. */
#define P_FILE(n, r, d)                                                        \
  { n, ACR_IN_FILE, ACR_T_STRING, r, NULL, d, NULL, NULL, NULL }
/* Fills {n} in the endpoint's host. */
#define P_HOST(n, r, d)                                                        \
  { n, ACR_IN_HOST, ACR_T_STRING, r, NULL, d, NULL, NULL, NULL }
#define P_HOST_IN(n, r, d, v)                                                  \
  { n, ACR_IN_HOST, ACR_T_STRING, r, NULL, d, v, NULL, NULL }
/* Signs the request; never sent. */
#define P_SECRET(n, d)                                                         \
  { n, ACR_IN_SECRET, ACR_T_STRING, REQ, NULL, d, NULL, NULL, NULL }
/* Raw responses: where to write the bytes. */
#define P_OUTPUT()                                                             \
  {                                                                            \
    "output", ACR_IN_OUTPUT, ACR_T_STRING, OPT, NULL,                          \
        "Write the bytes to this path instead of returning them", NULL, NULL,  \
        NULL                                                                   \
  }
#define P_END                                                                  \
  { NULL, ACR_IN_PATH, 0, 0, NULL, NULL, NULL, NULL, NULL }
#define PARAMS(...) ((const acr_param[]){__VA_ARGS__, P_END})

#define STR ACR_T_STRING
#define INT ACR_T_INTEGER
#define BOOL ACR_T_BOOLEAN
#define ARR ACR_T_ARRAY
#define OBJ ACR_T_OBJECT
#define ID ACR_T_ID
/* A path parameter holding several ids: one id, or a list joined with
 * commas. */
#define IDS (ACR_T_ID | ACR_T_ARRAY)

/* A NULL-terminated list of allowed values, written as sent. */
#define VALUES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The documented sets (spec/ and api/endpoints.md's "Common enums"). */
#define REGIONS VALUES("eu-west-1", "us-west-2", "ap-southeast-1")
#define BUCKET_TYPES VALUES("File", "Live", "LiveRec", "LiveTimeshift")
#define BUCKET_TYPES_OPEN                                                      \
  "the dedup docs also use DedupFile buckets, a type the list does not name"
#define PROJECT_TYPES VALUES("AVR", "LCD", "HR")
#define CS_PROJECT_TYPES VALUES("BM-ACRC", "BM-LOCAL")
#define AUDIO_TYPES VALUES("linein", "recorded")
/* The create page lists five, the update page adds youtube, and the docs'
 * answers show itunes, musicstory and lyricfind: the union. */
#define EXTERNAL_IDS                                                           \
  VALUES("spotify", "deezer", "youtube", "isrc", "upc", "musicbrainz",         \
         "itunes", "musicstory", "lyricfind")
#define EXTERNAL_IDS_DOC                                                       \
  "Platforms to link: a list, or a string separated by commas"
#define ORDERS VALUES("asc", "desc")
#define ZERO_ONE VALUES("0", "1")
#define ENGINES VALUES("1", "2", "3", "4")
#define STREAM_STATES                                                          \
  VALUES("All", "Running", "Timeout", "Paused", "Invalid URL", "Mute", "Other")
#define RESULT_KINDS VALUES("day", "last")
#define RESULT_TYPES VALUES("music", "custom")
#define DAY "YYYYmmdd"
#define ISO_DAY "YYYY-MM-DD"
#define UCF_TIME "YYYY-MM-DD|YYYY-MM-DD HH:MM:SS"

#define P_REGION_BODY P_BODY_IN("region", STR, REQ, REGION_DOC, REGIONS)
#define P_REGION_QUERY P_QUERY_IN("region", STR, OPT, REGION_DOC, REGIONS)

#define PAGE P_QUERY("page", INT, OPT, "Page number, from 1")
#define PER_PAGE P_QUERY("per_page", INT, OPT, "Items per page")
#define REGION_DOC "eu-west-1, us-west-2 or ap-southeast-1"
#define USER_DEFINED_DOC "Custom metadata: JSON text or a table"
#define TIMEOFFSET_DOC                                                         \
  "Minutes, sign inverted against the UTC offset (UTC+9 -> -540)"
#define USER_REPORTS_DOC                                                       \
  "Results: {from, title, timeoffset, start_timestamp, end_timestamp, "        \
  "user_defined}"

/* File scanning files live on the container's regional host. */
#define FS_HOST "https://api-{region}.acrcloud.com/api"
#define FS_REGION                                                              \
  P_HOST_IN("region", OPT,                                                     \
            "Host region (" REGION_DOC "): overrides the container's",         \
            REGIONS)
#define FS_CONTAINER P_PATH("container_id", ID, "The container id")

/* Parameters and lists of them that several operations share, each written
 * once (a list macro expands to several entries, in the order sent). */
#define PAGING PAGE, PER_PAGE
#define BUCKET_ID P_PATH("bucket_id", ID, "The bucket id")
#define LIVEREC_BUCKET_ID P_PATH("bucket_id", ID, "The LiveRec bucket id")
#define PROJECT_ID P_PATH("id", ID, "The project id")
#define CONTAINER_ID P_PATH("id", ID, "The container id")
#define PID P_PATH("pid", ID, "The project id")
#define P_NAME(r) P_BODY("name", STR, r, "The project name")
#define P_BUCKETS(r) P_BODY("buckets", ARR, r, "Bucket ids")
#define P_EXTERNAL_IDS                                                         \
  P_BODY_IN("external_ids", ARR | STR, OPT, EXTERNAL_IDS_DOC, EXTERNAL_IDS)
#define P_UID P_QUERY("uid", INT, OPT, "Another user's id (admins only)")
#define P_USER_REPORTS P_BODY("data", ARR, REQ, USER_REPORTS_DOC)
#define P_USER_DEFINED P_BODY("user_defined", STR | OBJ, OPT, USER_DEFINED_DOC)
#define P_ORDER P_QUERY_IN("order", STR, OPT, "desc (default) or asc", ORDERS)

/* A live channel's fields, the same to create and to update. */
#define LIVE_CHANNEL_FIELDS                                                    \
  P_BODY("title", STR, OPT, "The channel title"),                              \
      P_BODY("url", STR, OPT,                                                  \
             "Channel URL, ingested by your local fingerprinting server"),     \
      P_USER_DEFINED,                                                          \
      P_BODY_IN("timeshift", STR, OPT,                                         \
                "1 ingests timeshift fingerprints, 0 (default) not", ZERO_ONE)

/* A Custom Streams stream and a Broadcast Database channel are monitored
 * alike: their results, state and recordings take the same queries. */
#define CS_STREAM PID, P_PATH("stream_id", ID, "The stream id")
#define STREAM_IDS P_PATH("stream_ids", IDS, "One stream id or a list")
#define BD_CHANNEL PID, P_PATH("channel_id", ID, "The channel id")
#define P_STREAM_STATE                                                         \
  P_QUERY_IN("state", STR, OPT,                                                \
             "All (default), Running, Timeout, Paused, Invalid URL, Mute or "  \
             "Other",                                                          \
             STREAM_STATES)
#define DURATIONS                                                              \
  P_QUERY("min_duration", INT, OPT,                                            \
          "Minimum played duration, seconds (default 0)"),                     \
      P_QUERY("max_duration", INT, OPT,                                        \
              "Maximum played duration, seconds (default 3600)")
#define RESULTS_QUERY                                                          \
  P_QUERY_IN("type", STR, OPT, "day (default) or last", RESULT_KINDS),         \
      P_QUERY_FMT("date", STR, OPT, "The UTC day, YYYYmmdd", DAY), DURATIONS,  \
      P_QUERY("isrc_country", STR, OPT, "ISRC country code filter, e.g. DE"),  \
      P_QUERY_IN("with_false_positive", INT, OPT,                              \
                 "1 includes false positives, 0 (default) not", ZERO_ONE)
#define UNKNOWN_RESULTS_QUERY                                                  \
  P_QUERY_FMT("date", STR, REQ, "The UTC day, YYYYmmdd", DAY), DURATIONS
#define STATE_QUERY                                                            \
  P_QUERY("timeoffset", STR | INT, OPT, TIMEOFFSET_DOC),                       \
      P_QUERY_FMT("start_date", STR, OPT, "First day, YYYYmmdd", DAY),         \
      P_QUERY_FMT("end_date", STR, OPT, "Last day, YYYYmmdd", DAY)
#define RECORDING_QUERY                                                        \
  P_QUERY_FMT("timestamp_utc", STR, REQ, "Start, YYYYmmddHHMMSS (UTC)",        \
              "YYYYmmddHHMMSS"),                                               \
      P_QUERY("played_duration", INT, REQ, "Length, seconds"),                 \
      P_QUERY("record_before", INT, OPT, "Extra seconds before (default 0)"),  \
      P_QUERY("record_after", INT, OPT, "Extra seconds after (default 0)"),    \
      P_OUTPUT()
/* A project's analytics; unit: "stream" or "channel". */
#define ANALYTICS_QUERY(unit)                                                  \
  P_PATH("project_id", ID, "The project id"),                                  \
      P_QUERY_IN("stats_type", STR, REQ,                                       \
                 "date, track, artists, label or " unit                        \
                 " (custom results: date, track or " unit ")",                 \
                 VALUES("date", "track", "artists", "label", unit)),           \
      P_QUERY_IN("result_type", STR, REQ, "music or custom", RESULT_TYPES)

/* A file scanning container's engine and settings, to create (r: REQ) and
 * to update (OPT). */
#define P_ENGINE(r)                                                            \
  P_BODY_IN("engine", INT, r,                                                  \
            "1 fingerprinting, 2 cover songs, 3 both, 4 speech to text",       \
            ENGINES)
#define FS_SETTINGS(r)                                                         \
  P_BODY("policy", OBJ, r,                                                     \
         "{type = \"traverse\", interval, rec_length} or "                     \
         "{type = \"points\", points}"),                                       \
      P_BODY("callback_url", STR, OPT, "Results callback URL"),                \
      P_BODY("deepright", BOOL, OPT, "Detect derivative works"),               \
      P_BODY("music_detection", BOOL, OPT, "Detect music and speech"),         \
      P_BODY("ai_detection", BOOL, OPT, "Detect AI-generated music")
#define FS_FILE_IDS                                                            \
  FS_CONTAINER, P_PATH("file_ids", IDS, "One file id or a list")

/* A UCF project, and one of its results. */
#define UCF_PID P_PATH("pid", ID, "The UCF project id")
#define UCF_RESULT UCF_PID, P_PATH("ucf_id", ID, "The UCF result id")
#define UCF_DATES                                                              \
  P_QUERY_FMT("begin_date", STR, OPT,                                          \
              "From, \"%Y-%m-%d\" or \"%Y-%m-%d %H:%M:%S\"", UCF_TIME),        \
      P_QUERY_FMT("end_date", STR, OPT,                                        \
                  "To, \"%Y-%m-%d\" or \"%Y-%m-%d %H:%M:%S\"", UCF_TIME)
#define UCF_SETTINGS                                                           \
  P_BODY("config", OBJ, OPT, "Settings, e.g. {days, min_ms, max_ms}")

#define CLI_ONLY "From the official CLI only; not in the public docs"
#define DEDUP_HOST_NOTE                                                        \
  "The docs' examples call us-api-v2.acrcloud.com; the inventory's host "      \
  "(api-v2.acrcloud.com) is kept"

static const char buckets[] = "Buckets";
static const char audio_files[] = "Audio files";
static const char live_channels[] = "Live channels";
static const char dedup_files[] = "Dedup files";
static const char base_projects[] = "Base projects";
static const char cs_projects[] = "Custom Streams projects";
static const char cs_streams[] = "Custom Streams streams";
static const char cs_user_reports[] = "Custom Streams user reports";
static const char bd_projects[] = "Broadcast Database projects";
static const char bd_channels[] = "Broadcast Database channels";
static const char file_scanning[] = "File scanning";
static const char ucf_projects[] = "UCF projects";
static const char metadata[] = "Metadata";
static const char billing[] = "Billing";
static const char identification[] = "Identification";

const acr_endpoint acr_endpoints[] = {
    /* Buckets: docs (get, update, delete: the CN docs and the CLI) */
    {"create_bucket", "POST", NULL, "/buckets", buckets, "Create a bucket", 0,
     PARAMS(P_BODY("name", STR, REQ, "The bucket name"), P_REGION_BODY,
            P_BODY_OPEN("type", STR, REQ,
                        "File, Live, LiveRec or LiveTimeshift", BUCKET_TYPES,
                        BUCKET_TYPES_OPEN),
            P_BODY_IN("net_type", INT, OPT,
                      "1 online recognition, 2 offline database, 0 both",
                      VALUES("0", "1", "2")),
            P_BODY("labels", ARR, OPT, "Free labels, e.g. {\"Music\"}"),
            P_BODY("metadata_template", STR, OPT,
                   "Metadata template: JSON text or a comma list")),
     .source = "buckets.create"},
    {"list_buckets", "GET", NULL, "/buckets", buckets, "List buckets", 1,
     PARAMS(PAGING, P_REGION_QUERY,
            P_QUERY_OPEN("type", STR, OPT,
                         "File, Live, LiveRec or LiveTimeshift", BUCKET_TYPES,
                         BUCKET_TYPES_OPEN)),
     .source = "buckets.list"},
    {"get_bucket", "GET", NULL, "/buckets/{id}", buckets, "Get a bucket", 0,
     PARAMS(P_PATH("id", ID, "The bucket id")), .source = "buckets.get"},
    {"update_bucket", "PUT", NULL, "/buckets/{id}", buckets, "Update a bucket",
     0,
     PARAMS(P_PATH("id", ID, "The bucket id"),
            P_BODY("name", STR, OPT, "The new name"),
            P_BODY("labels", ARR, OPT, "Free labels"),
            P_BODY("metadata_template", STR, OPT, "Metadata template")),
     .source = "buckets.update"},
    {"delete_bucket", "DELETE", NULL, "/buckets/{id}", buckets,
     "Delete a bucket", 0, PARAMS(P_PATH("id", ID, "The bucket id")),
     .source = "buckets.delete"},

    /* Audio files: docs (get: partly; dump: the CLI) */
    {"upload_audio_file", "POST", NULL, "/buckets/{bucket_id}/files",
     audio_files, "Upload an audio or fingerprint file, or add one by URL", 0,
     PARAMS(BUCKET_ID,
            P_BODY_IN("data_type", STR, REQ,
                      "audio, fingerprint, audio_url or acrid",
                      VALUES("audio", "fingerprint", "audio_url", "acrid")),
            P_FILE("file", OPT,
                   "Path of the audio or fingerprint file (for data_type "
                   "audio or fingerprint)"),
            P_BODY("title", STR, OPT, "The file's title"), P_USER_DEFINED,
            P_BODY("url", STR, OPT, "Download URL, for data_type audio_url"),
            P_BODY("acrid", STR, OPT,
                   "ACRCloud Music acrid, for data_type "
                   "acrid")),
     .body = ACR_BODY_MULTIPART, .source = "files.upload",
     .note = "multipart/form-data when a file is given; without one "
             "(audio_url, acrid) the fields go as JSON, as the docs and the "
             "CLI do"},
    {"list_audio_files", "GET", NULL, "/buckets/{bucket_id}/files", audio_files,
     "List the files of a bucket", 1,
     PARAMS(BUCKET_ID, P_QUERY("search", STR, OPT, "Title filter"),
            P_QUERY_IN("sort", STR, OPT, "id (default) or status",
                       VALUES("id", "status")),
            P_QUERY_IN("order", STR, OPT, "asc (default) or desc", ORDERS),
            PAGING,
            P_QUERY_IN("state", INT, OPT, "0 processing, 1 ready, -1 error",
                       VALUES("0", "1", "-1"))),
     .source = "files.list",
     .note = "The documented search parameter (the CLI sends keyword)"},
    {"get_audio_file", "GET", NULL, "/buckets/{bucket_id}/files/{id}",
     audio_files, "Get a file of a bucket", 0,
     PARAMS(BUCKET_ID, P_PATH("id", ID, "The file id")), .source = "files.get",
     .note = "One id, as the CLI sends (the CN docs show /files/{ids})"},
    {"update_audio_file", "PUT", NULL, "/buckets/{bucket_id}/files/{id}",
     audio_files, "Update a file's title or metadata", 0,
     PARAMS(BUCKET_ID, P_PATH("id", ID, "The file id or its acr_id"),
            P_BODY("title", STR, OPT, "The new title"), P_USER_DEFINED),
     .source = "files.update"},
    {"delete_audio_files", "DELETE", NULL, "/buckets/{bucket_id}/files/{ids}",
     audio_files, "Delete files from a bucket", 0,
     PARAMS(BUCKET_ID, P_PATH("ids", IDS, "One file id (or acr_id) or a list")),
     .source = "files.delete",
     .note = "The documented id-list path; the CLI's DELETE with a JSON body "
             "(files.delete_batch_body) is left out"},
    {"move_audio_files", "PUT", NULL, "/buckets/{bucket_id}/files/{ids}/move",
     audio_files, "Move files into another bucket", 0,
     PARAMS(P_PATH("bucket_id", ID, "The destination bucket id"),
            P_PATH("ids", IDS, "One file id (or acr_id) or a list")),
     .source = "files.move",
     .note = "The documented PUT; the CLI's POST .../files/move "
             "(files.move_cli_variant) is left out"},
    {"dump_audio_files", "GET", NULL, "/buckets/{bucket_id}/files/dump",
     audio_files, "Dump the information of every file in a bucket", 0,
     PARAMS(BUCKET_ID), .source = "files.dump",
     .note = CLI_ONLY "; the CLI says once a day at most"},

    /* Live channels: docs (get: the CLI) */
    {"create_live_channel", "POST", NULL, "/buckets/{bucket_id}/channels",
     live_channels, "Create a live channel", 0,
     PARAMS(BUCKET_ID, LIVE_CHANNEL_FIELDS), .source = "channels.create",
     .note = "The documented fields (the CLI sends name for title, and "
             "record)"},
    {"list_live_channels", "GET", NULL, "/buckets/{bucket_id}/channels",
     live_channels, "List the live channels of a bucket", 1,
     PARAMS(BUCKET_ID, P_QUERY("search", STR, OPT, "Title filter"), PAGING,
            P_ORDER,
            P_QUERY_IN("sort", STR, OPT, "id (default) or status",
                       VALUES("id", "status"))),
     .source = "channels.list"},
    {"get_live_channel", "GET", NULL, "/buckets/{bucket_id}/channels/{id}",
     live_channels, "Get a live channel", 0,
     PARAMS(BUCKET_ID, P_PATH("id", ID, "The channel id")),
     .source = "channels.get", .note = CLI_ONLY},
    {"update_live_channel", "PUT", NULL, "/buckets/{bucket_id}/channels/{id}",
     live_channels, "Update a live channel", 0,
     PARAMS(BUCKET_ID, P_PATH("id", ID, "The channel id"), LIVE_CHANNEL_FIELDS),
     .source = "channels.update"},
    {"delete_live_channels", "DELETE", NULL,
     "/buckets/{bucket_id}/channels/{ids}", live_channels,
     "Delete live channels", 0,
     PARAMS(BUCKET_ID, P_PATH("ids", IDS, "One channel id or a list")),
     .source = "channels.delete"},
    {"import_rec_channels", "POST", NULL, "/buckets/{bucket_id}/rec-channels",
     live_channels, "Import channels into a LiveRec bucket", 0,
     PARAMS(LIVEREC_BUCKET_ID,
            P_BODY("ids", STR, REQ, "Channel ids, separated by commas")),
     .source = "rec_channels.import"},
    {"delete_rec_channels", "DELETE", NULL,
     "/buckets/{bucket_id}/rec-channels/{ids}", live_channels,
     "Remove channels from a LiveRec bucket", 0,
     PARAMS(LIVEREC_BUCKET_ID, P_PATH("ids", IDS, "One channel id or a list")),
     .source = "rec_channels.delete"},

    /* Dedup files: docs */
    {"add_dedup_file", "POST", NULL, "/buckets/{bucket_id}/dedup-files",
     dedup_files, "Look for duplicates of a fingerprint, and add it", 0,
     PARAMS(BUCKET_ID, P_BODY("id", STR, REQ, "Your unique track id"),
            P_FILE("file", REQ, "Path of the fingerprint file"),
            P_BODY_IN("db_if_nodup", INT, OPT,
                      "1 (default) adds the fingerprint when no duplicate is "
                      "found, 0 not",
                      ZERO_ONE)),
     .body = ACR_BODY_MULTIPART, .source = "dedup_files.create",
     .note = DEDUP_HOST_NOTE},
    {"list_dedup_files", "GET", NULL, "/buckets/{bucket_id}/dedup-files",
     dedup_files, "List the files of a dedup bucket", 1,
     PARAMS(BUCKET_ID, PAGING), .source = "dedup_files.list",
     .note = DEDUP_HOST_NOTE},
    {"get_dedup_file", "GET", NULL,
     "/buckets/{bucket_id}/dedup-files/{file_id}", dedup_files,
     "Get a dedup file", 0,
     PARAMS(BUCKET_ID, P_PATH("file_id", ID, "The file id")),
     .source = "dedup_files.get", .note = DEDUP_HOST_NOTE},
    {"delete_dedup_files", "DELETE", NULL,
     "/buckets/{bucket_id}/dedup-files/{acr_ids}", dedup_files,
     "Delete dedup files", 0,
     PARAMS(BUCKET_ID, P_PATH("acr_ids", IDS, "One acr_id or a list")),
     .source = "dedup_files.delete", .note = DEDUP_HOST_NOTE},

    /* Base projects: spec/base-projects.txt */
    {"create_base_project", "POST", NULL, "/base-projects", base_projects,
     "Create a recognition project", 0,
     PARAMS(P_NAME(REQ), P_REGION_BODY,
            P_BODY_IN("type", STR, REQ, "AVR, LCD or HR", PROJECT_TYPES),
            P_BUCKETS(REQ),
            P_BODY_IN("audio_type", STR, OPT, "linein (default) or recorded",
                      AUDIO_TYPES),
            P_EXTERNAL_IDS),
     .source = "base_projects.create"},
    {"list_base_projects", "GET", NULL, "/base-projects", base_projects,
     "List recognition projects", 1,
     PARAMS(P_REGION_QUERY,
            P_QUERY_IN("type", STR, OPT, "AVR, LCD or HR", PROJECT_TYPES),
            PAGING),
     .source = "base_projects.list"},
    {"get_base_project", "GET", NULL, "/base-projects/{id}", base_projects,
     "Get a project", 0, PARAMS(PROJECT_ID), .source = "base_projects.get"},
    {"update_base_project", "PUT", NULL, "/base-projects/{id}", base_projects,
     "Update a project", 0,
     PARAMS(
         PROJECT_ID, P_NAME(OPT), P_BUCKETS(OPT),
         P_BODY_IN("audio_type", STR, OPT, "linein or recorded", AUDIO_TYPES),
         P_EXTERNAL_IDS),
     .source = "base_projects.update",
     .note = "external_ids from the spec page (the inventory's table stops "
             "at audio_type)"},
    {"delete_base_project", "DELETE", NULL, "/base-projects/{id}",
     base_projects, "Delete a project", 0, PARAMS(PROJECT_ID),
     .source = "base_projects.delete"},
    {"get_base_project_buckets_status", "GET",
     "https://us-api-v2.acrcloud.com/api", "/base-projects/{id}/buckets-status",
     base_projects, "Get the status of the project's buckets", 0,
     PARAMS(PROJECT_ID), .source = "base_projects.buckets_status"},
    {"get_base_project_day_stat", "GET", NULL, "/base-projects/{id}/day-stat",
     base_projects, "Get the project's statistics per day", 0,
     PARAMS(PROJECT_ID,
            P_QUERY_FMT("start", STR, OPT, "Start date, YYYY-MM-DD", ISO_DAY),
            P_QUERY_FMT("end", STR, OPT, "End date, YYYY-MM-DD", ISO_DAY)),
     .source = "base_projects.day_stat"},

    /* Custom Streams projects: docs (get: the CLI) */
    {"create_cs_project", "POST", NULL, "/bm-cs-projects", cs_projects,
     "Create a Custom Streams project", 0,
     PARAMS(P_NAME(REQ), P_REGION_BODY, P_BUCKETS(REQ),
            P_BODY_IN("type", STR, REQ,
                      "BM-ACRC (ACRCloud ingests the streams) or BM-LOCAL "
                      "(your Local Monitoring Tool does)",
                      CS_PROJECT_TYPES),
            P_EXTERNAL_IDS,
            P_BODY("metadata_template", STR, OPT,
                   "Stream metadata template, e.g. \"StreamId,City,FM\"")),
     .source = "bm_cs_projects.create"},
    {"list_cs_projects", "GET", NULL, "/bm-cs-projects", cs_projects,
     "List Custom Streams projects", 1,
     PARAMS(PAGING, P_REGION_QUERY,
            P_QUERY_IN("types", STR, OPT, "BM-ACRC or BM-LOCAL",
                       CS_PROJECT_TYPES)),
     .source = "bm_cs_projects.list"},
    {"get_cs_project", "GET", NULL, "/bm-cs-projects/{id}", cs_projects,
     "Get a Custom Streams project", 0, PARAMS(PROJECT_ID),
     .source = "bm_cs_projects.get", .note = CLI_ONLY},
    {"update_cs_project", "PUT", NULL, "/bm-cs-projects/{id}", cs_projects,
     "Update a Custom Streams project", 0,
     PARAMS(PROJECT_ID, P_NAME(OPT), P_BUCKETS(OPT), P_EXTERNAL_IDS,
            P_BODY("metadata_template", STR, OPT, "Stream metadata template")),
     .source = "bm_cs_projects.update"},
    {"delete_cs_project", "DELETE", NULL, "/bm-cs-projects/{id}", cs_projects,
     "Delete a Custom Streams project", 0, PARAMS(PROJECT_ID),
     .source = "bm_cs_projects.delete"},
    {"set_cs_project_result_callback", "POST", NULL,
     "/bm-cs-projects/{id}/result-callback", cs_projects,
     "Set the results callback URL", 0,
     PARAMS(PROJECT_ID, P_BODY("result_callback_url", STR, REQ,
                               "URL that receives the monitoring results")),
     .source = "bm_cs_projects.set_result_callback"},
    {"set_cs_project_state_notification", "POST", NULL,
     "/bm-cs-projects/{id}/state-notification", cs_projects,
     "Set the stream state notifications", 0,
     PARAMS(PROJECT_ID,
            P_BODY("state_notification_email", STR, OPT,
                   "Email address for state alerts"),
            P_BODY_IN("state_notification_email_frequency", INT, OPT,
                      "0 high, 1 low, 2 none", VALUES("0", "1", "2")),
            P_BODY("state_notification_url", STR, OPT,
                   "URL that receives stream state changes")),
     .source = "bm_cs_projects.set_state_notification",
     .note = "The docs' table is cut: the last two fields are named as in the "
             "CLI"},

    /* Custom Streams streams: docs (state: the CLI) */
    {"add_stream", "POST", NULL, "/bm-cs-projects/{pid}/streams", cs_streams,
     "Add a stream to a project", 0,
     PARAMS(PID, P_BODY("stream_urls", ARR, REQ, "Stream URLs"),
            P_BODY("name", STR, REQ, "The stream name"),
            P_BODY("config_id", INT, REQ,
                   "Monitoring config id (the console's custom configs)"),
            P_USER_DEFINED),
     .source = "bm_cs_streams.create"},
    {"list_streams", "GET", NULL, "/bm-cs-projects/{pid}/streams", cs_streams,
     "List a project's streams", 1,
     PARAMS(PID,
            P_QUERY_IN("timemap", INT, OPT, "Timemap filter: 0 or 1", ZERO_ONE),
            P_STREAM_STATE,
            P_QUERY("search_value", STR, OPT,
                    "Matches name, stream id, URL, user_defined or remark"),
            P_QUERY_IN("sort", STR, OPT,
                       "created_at (default), stream_id or name",
                       VALUES("created_at", "stream_id", "name")),
            P_ORDER, PAGING),
     .source = "bm_cs_streams.list",
     .note = "page and per_page are not in the docs' table; the CLI sends "
             "them (50 a page)"},
    {"update_stream", "PUT", NULL, "/bm-cs-projects/{pid}/streams/{stream_id}",
     cs_streams, "Update a stream", 0,
     PARAMS(CS_STREAM, P_BODY("name", STR, OPT, "The stream name"),
            P_BODY("stream_urls", ARR, OPT, "Stream URLs"),
            P_BODY("config_id", INT, OPT, "Monitoring config id"),
            P_BODY("user_defined", OBJ, OPT, "Custom metadata")),
     .source = "bm_cs_streams.update"},
    {"delete_streams", "DELETE", NULL,
     "/bm-cs-projects/{pid}/streams/{stream_ids}", cs_streams, "Delete streams",
     0, PARAMS(PID, STREAM_IDS), .source = "bm_cs_streams.delete"},
    {"pause_streams", "PUT", NULL,
     "/bm-cs-projects/{pid}/streams/{stream_ids}/pause", cs_streams,
     "Pause streams", 0, PARAMS(PID, STREAM_IDS),
     .source = "bm_cs_streams.pause"},
    {"restart_streams", "PUT", NULL,
     "/bm-cs-projects/{pid}/streams/{stream_ids}/restart", cs_streams,
     "Restart streams", 0, PARAMS(PID, STREAM_IDS),
     .source = "bm_cs_streams.restart"},
    {"get_stream_results", "GET", NULL,
     "/bm-cs-projects/{pid}/streams/{stream_id}/results", cs_streams,
     "Get a stream's results for a day, or the last ones", 0,
     PARAMS(CS_STREAM, RESULTS_QUERY), .source = "bm_cs_streams.results"},
    {"get_stream_unknown_results", "GET", NULL,
     "/bm-cs-projects/{pid}/streams/{stream_id}/unknown_results", cs_streams,
     "Get the music a stream played that was not recognised", 0,
     PARAMS(CS_STREAM, UNKNOWN_RESULTS_QUERY),
     .source = "bm_cs_streams.unknown_results"},
    {"get_stream_state", "GET", NULL,
     "/bm-cs-projects/{pid}/streams/{stream_id}/state", cs_streams,
     "Get a stream's state history", 0, PARAMS(CS_STREAM, STATE_QUERY),
     .source = "bm_cs_streams.state",
     .note = "Path from the CLI (the docs page exists but its content was not "
             "available); parameters as for channel states"},
    {"get_stream_recording", "GET", NULL,
     "/bm-cs-projects/{pid}/streams/{stream_id}/recordings", cs_streams,
     "Download a stream's recording (audio)", 0,
     PARAMS(CS_STREAM, RECORDING_QUERY), .response = ACR_RESPONSE_RAW,
     .source = "bm_cs_streams.recording"},
    {"get_cs_project_analytics", "GET", NULL,
     "/bm-cs-projects/{project_id}/analytics/results", cs_projects,
     "Get a project's analytics for the last 7 days", 0,
     PARAMS(ANALYTICS_QUERY("stream")), .source = "bm_cs_projects.analytics"},

    /* Custom Streams user reports: spec/cs-user-reports.md */
    {"add_stream_user_reports", "POST", NULL,
     "/bm-cs-projects/{pid}/streams/{stream_id}/user-reports", cs_user_reports,
     "Insert user results for a stream", 0,
     PARAMS(PID, P_PATH("stream_id", STR, "The stream id"), P_USER_REPORTS),
     .source = "bm_cs_streams.add_user_reports"},

    /* Broadcast Database projects: spec/bd-projects.txt */
    {"create_bd_project", "POST", NULL, "/bm-bd-projects", bd_projects,
     "Create a Broadcast Database project", 0,
     PARAMS(P_REGION_BODY, P_NAME(REQ), P_BUCKETS(REQ)),
     .source = "bm_bd_projects.create"},
    {"list_bd_projects", "GET", NULL, "/bm-bd-projects", bd_projects,
     "List Broadcast Database projects", 1, PARAMS(P_REGION_QUERY, PAGING),
     .source = "bm_bd_projects.list"},
    {"update_bd_project", "PUT", NULL, "/bm-bd-projects/{id}", bd_projects,
     "Update a Broadcast Database project", 0,
     PARAMS(PROJECT_ID, P_NAME(OPT), P_BUCKETS(OPT)),
     .source = "bm_bd_projects.update"},
    {"delete_bd_project", "DELETE", NULL, "/bm-bd-projects/{id}", bd_projects,
     "Delete a Broadcast Database project", 0, PARAMS(PROJECT_ID),
     .source = "bm_bd_projects.delete"},
    {"set_bd_project_result_callback", "POST", NULL,
     "/bm-bd-projects/{id}/result-callback", bd_projects,
     "Set the results callback URL", 0,
     PARAMS(PROJECT_ID,
            {"type", ACR_IN_QUERY, STR, OPT, "diy", "Callback kind (diy)",
             VALUES("diy"), NULL, NULL},
            P_BODY("result_callback_url", STR, REQ, "The callback URL"),
            P_BODY_IN("result_callback_send_noresult", INT | BOOL, OPT,
                      "Also post when nothing was detected: 0 or 1", ZERO_ONE),
            P_BODY("result_callback_send_type", STR | INT, OPT,
                   "Delivery format (2 in the spec's example)"),
            P_BODY_IN("result_callback_result_type", STR | INT, OPT,
                      "0 realtime, 1 delay", ZERO_ONE)),
     .source = "bm_bd_projects.set_result_callback"},
    {"set_bd_project_state_notification", "POST", NULL,
     "/bm-bd-projects/{id}/state-notification", bd_projects,
     "Set the state notification callback URL", 0,
     PARAMS(PROJECT_ID,
            P_BODY("state_callback_url", STR, REQ,
                   "URL that receives channel state changes"),
            P_BODY("state_callback_type", STR | INT, OPT,
                   "Delivery format (2 in the spec's example)")),
     .source = "bm_bd_projects.set_state_notification"},

    /* Broadcast Database channels: docs (add, delete, custom id: the docs'
     * table of contents and the CLI) */
    {"list_channels", "GET", NULL, "/bm-bd-projects/{pid}/channels",
     bd_channels, "List a project's channels", 1,
     PARAMS(
         PID, P_STREAM_STATE,
         P_QUERY_IN("timemap", STR, OPT, "Timemap filter: 0 or 1", ZERO_ONE),
         P_QUERY_IN("search_type", STR, OPT,
                    "channel_id, channel_name, city, custom_id or mytuner_id",
                    VALUES("channel_id", "channel_name", "city", "custom_id",
                           "mytuner_id")),
         P_QUERY("search_value", STR, OPT, "The value searched for"), PAGE),
     .source = "bm_bd_channels.list"},
    {"add_channels", "POST", NULL, "/bm-bd-projects/{pid}/channels",
     bd_channels, "Add Broadcast Database channels to a project", 0,
     PARAMS(PID,
            P_BODY("channels", ARR, REQ, "Broadcast Database channel ids")),
     .source = "bm_bd_channels.add"},
    {"delete_channels", "DELETE", NULL,
     "/bm-bd-projects/{pid}/channels/{channel_ids}", bd_channels,
     "Remove channels from a project", 0,
     PARAMS(PID, P_PATH("channel_ids", IDS, "One channel id or a list")),
     .source = "bm_bd_channels.delete"},
    {"set_channel_custom_id", "POST", NULL,
     "/bm-bd-projects/{pid}/channels/{channel_id}/user-defined", bd_channels,
     "Set your own id for a channel", 0,
     PARAMS(BD_CHANNEL,
            P_QUERY("custom_id", STR, REQ, "Your id for the channel")),
     .source = "bm_bd_channels.set_custom_id",
     .note = "custom_id goes as a query parameter on a POST, as the CLI sends "
             "it (the docs list this page only in their table of contents)"},
    {"get_channel_results", "GET", NULL,
     "/bm-bd-projects/{pid}/channels/{channel_id}/results", bd_channels,
     "Get a channel's results for a day, or the last ones", 0,
     PARAMS(BD_CHANNEL, RESULTS_QUERY), .source = "bm_bd_channels.results"},
    {"get_channel_realtime_results", "GET", NULL,
     "/bm-bd-projects/{pid}/channels/{channel_id}/realtime_results",
     bd_channels, "Get a channel's realtime results", 0, PARAMS(BD_CHANNEL),
     .source = "bm_bd_channels.realtime_results"},
    {"get_channel_unknown_results", "GET", NULL,
     "/bm-bd-projects/{pid}/channels/{channel_id}/unknown_results", bd_channels,
     "Get the music a channel played that was not recognised", 0,
     PARAMS(BD_CHANNEL, UNKNOWN_RESULTS_QUERY),
     .source = "bm_bd_channels.unknown_results"},
    {"get_channel_state", "GET", NULL,
     "/bm-bd-projects/{pid}/channels/{channel_id}/state", bd_channels,
     "Get a channel's state history", 0, PARAMS(BD_CHANNEL, STATE_QUERY),
     .source = "bm_bd_channels.state"},
    {"get_channel_recording", "GET", NULL,
     "/bm-bd-projects/{pid}/channels/{channel_id}/recordings", bd_channels,
     "Download a channel's recording (audio)", 0,
     PARAMS(PID, P_PATH("channel_id", ID, "The channel id (Timemap enabled)"),
            RECORDING_QUERY),
     .response = ACR_RESPONSE_RAW, .source = "bm_bd_channels.recording",
     .note = "Path and parameters from the CLI (the docs page is partial), "
             "as for stream recordings"},
    {"get_bd_project_analytics", "GET", NULL,
     "/bm-bd-projects/{project_id}/analytics/results", bd_projects,
     "Get a project's analytics for the last 7 days", 0,
     PARAMS(ANALYTICS_QUERY("channel")), .source = "bm_bd_projects.analytics"},
    {"add_channel_user_reports", "POST", NULL,
     "/bm-bd-projects/{pid}/channels/{channel_id}/user-reports", bd_channels,
     "Insert user results for a channel", 0, PARAMS(BD_CHANNEL, P_USER_REPORTS),
     .source = "bm_bd_channels.add_user_reports"},

    /* File scanning containers: docs (partly) and the CLI */
    {"create_fs_container", "POST", NULL, "/fs-containers", file_scanning,
     "Create a file scanning container", 0,
     PARAMS(P_BODY("name", STR, REQ, "The container name"), P_REGION_BODY,
            P_BODY_IN("audio_type", STR, REQ, "linein (default) or recorded",
                      AUDIO_TYPES),
            P_BODY("buckets", ARR, REQ,
                   "Bucket ids or names, e.g. {8881, \"ACRCloud Music\"}"),
            P_ENGINE(REQ), FS_SETTINGS(REQ)),
     .source = "fs_containers.create",
     .note = "The docs' table is cut after engine: the later fields are from "
             "the CLI"},
    {"list_fs_containers", "GET", NULL, "/fs-containers", file_scanning,
     "List file scanning containers", 1,
     PARAMS(PAGING, P_REGION_QUERY, P_QUERY("name", STR, OPT, "Name filter")),
     .source = "fs_containers.list", .note = CLI_ONLY},
    {"get_fs_container", "GET", NULL, "/fs-containers/{id}", file_scanning,
     "Get a file scanning container", 0, PARAMS(CONTAINER_ID),
     .source = "fs_containers.get", .note = CLI_ONLY},
    {"update_fs_container", "PUT", NULL, "/fs-containers/{id}", file_scanning,
     "Update a file scanning container", 0,
     PARAMS(
         CONTAINER_ID, P_BODY("name", STR, OPT, "The container name"),
         P_BODY_IN("audio_type", STR, OPT, "linein or recorded", AUDIO_TYPES),
         P_BODY("buckets", ARR, OPT, "Bucket ids or names"), P_ENGINE(OPT),
         FS_SETTINGS(OPT)),
     .source = "fs_containers.update", .note = CLI_ONLY},
    {"delete_fs_container", "DELETE", NULL, "/fs-containers/{id}",
     file_scanning, "Delete a file scanning container", 0, PARAMS(CONTAINER_ID),
     .source = "fs_containers.delete", .note = CLI_ONLY},

    /* File scanning files: docs (partly) and the CLI; on the container's
     * regional host */
    {"list_fs_files", "GET", FS_HOST, "/fs-containers/{container_id}/files",
     file_scanning, "List the files of a container", 1,
     PARAMS(FS_CONTAINER, FS_REGION, PAGING,
            P_QUERY("search", STR, OPT, "Name or URI filter"),
            P_QUERY_IN("with_result", INT, OPT,
                       "1 includes the results, 0 (default) not", ZERO_ONE),
            P_QUERY_IN("state", STR, OPT,
                       "0 processing, 1 ready, -1 no result, -2 or -3 error",
                       VALUES("0", "1", "-1", "-2", "-3"))),
     .region_from = "container_id", .source = "fs_files.list"},
    {"get_fs_file", "GET", FS_HOST,
     "/fs-containers/{container_id}/files/{file_id}", file_scanning,
     "Get a file of a container, with its results", 0,
     PARAMS(FS_CONTAINER, P_PATH("file_id", ID, "The file id"), FS_REGION),
     .region_from = "container_id", .source = "fs_files.get"},
    {"get_fs_upload_url", "GET", FS_HOST,
     "/fs-containers/{container_id}/presigned-upload", file_scanning,
     "Get a presigned URL to upload a file to", 0,
     PARAMS(FS_CONTAINER, FS_REGION,
            P_QUERY("filename", STR, OPT, "The file's name"),
            P_QUERY("content_type", STR, OPT, "The file's MIME type")),
     .region_from = "container_id", .source = "fs_files.presigned_upload",
     .note = CLI_ONLY "; PUT the bytes to the URL, then create_fs_file with "
                      "the key"},
    {"create_fs_file", "POST", FS_HOST, "/fs-containers/{container_id}/files",
     file_scanning, "Add a file to a container, by upload key or URL", 0,
     PARAMS(FS_CONTAINER, FS_REGION,
            P_BODY_IN("data_type", STR, REQ,
                      "audio, fingerprint, audio_url or platforms",
                      VALUES("audio", "fingerprint", "audio_url", "platforms")),
            P_BODY("key", STR, OPT,
                   "Key from get_fs_upload_url (audio, fingerprint)"),
            P_BODY("filename", STR, OPT, "The original file name"),
            P_BODY("name", STR, OPT, "Display name"),
            P_BODY("url", STR, OPT, "URL, for audio_url and platforms")),
     .region_from = "container_id", .source = "fs_files.create",
     .note = CLI_ONLY "; JSON with a presigned upload's key, as the current "
                      "CLI sends (an older one posted the file as multipart)"},
    {"delete_fs_files", "DELETE", FS_HOST,
     "/fs-containers/{container_id}/files/{file_ids}", file_scanning,
     "Delete files from a container", 0, PARAMS(FS_FILE_IDS, FS_REGION),
     .region_from = "container_id", .source = "fs_files.delete",
     .note = CLI_ONLY},
    {"rescan_fs_files", "PUT", FS_HOST,
     "/fs-containers/{container_id}/files/{file_ids}/rescan", file_scanning,
     "Scan files again", 0, PARAMS(FS_FILE_IDS, FS_REGION),
     .region_from = "container_id", .source = "fs_files.rescan",
     .note = CLI_ONLY},

    /* UCF projects: the CLI (streams and results: docs, partly) */
    {"list_ucf_projects", "GET", NULL, "/ucf-projects", ucf_projects,
     "List UCF projects", 0, PARAMS(P_REGION_QUERY),
     .source = "ucf_projects.list", .note = CLI_ONLY},
    {"create_ucf_project", "POST", NULL, "/ucf-projects", ucf_projects,
     "Create a UCF project", 0,
     PARAMS(P_NAME(REQ), P_REGION_BODY,
            P_BODY_IN("type", STR, REQ, "BM or FILES", VALUES("BM", "FILES")),
            UCF_SETTINGS),
     .source = "ucf_projects.create", .note = CLI_ONLY},
    {"update_ucf_project", "PUT", NULL, "/ucf-projects/{id}", ucf_projects,
     "Update a UCF project", 0, PARAMS(PROJECT_ID, P_NAME(OPT), UCF_SETTINGS),
     .source = "ucf_projects.update", .note = CLI_ONLY},
    {"delete_ucf_project", "DELETE", NULL, "/ucf-projects/{id}", ucf_projects,
     "Delete a UCF project", 0, PARAMS(PROJECT_ID),
     .source = "ucf_projects.delete", .note = CLI_ONLY},
    {"import_ucf_streams", "POST", NULL, "/ucf-projects/{pid}/streams",
     ucf_projects, "Import Broadcast Monitoring streams into a UCF project", 0,
     PARAMS(UCF_PID,
            P_BODY("bm_stream_ids", ARR, REQ,
                   "Broadcast Monitoring stream or channel ids"),
            P_BODY_IN("from", STR, REQ, "BM-CUSTOM or BM-DATABASE",
                      VALUES("BM-CUSTOM", "BM-DATABASE")),
            P_BODY("bm_project_id", INT, REQ,
                   "The Broadcast Monitoring project id")),
     .source = "ucf_streams.import"},
    {"list_ucf_streams", "GET", NULL, "/ucf-projects/{pid}/streams",
     ucf_projects, "List a UCF project's streams", 1, PARAMS(UCF_PID, PAGING),
     .source = "ucf_streams.list"},
    {"delete_ucf_streams", "DELETE", NULL, "/ucf-projects/{pid}/streams/{ids}",
     ucf_projects, "Remove streams from a UCF project", 0,
     PARAMS(UCF_PID, P_PATH("ids", IDS, "One stream id or a list")),
     .source = "ucf_streams.delete",
     .note = "The docs print /streams/ids (no colon); the CLI's /streams/{ids} "
             "is used"},
    {"list_ucf_results", "GET", NULL, "/ucf-projects/{pid}/results",
     ucf_projects, "List a UCF project's results", 1,
     PARAMS(
         UCF_PID, PAGING, UCF_DATES,
         P_QUERY_IN("sortby", STR, OPT, "id (default), num or duration_ms",
                    VALUES("id", "num", "duration_ms")),
         P_ORDER,
         P_QUERY_IN("status", STR, OPT,
                    "0 pending, 2 edited, 6 reported, 10 bucketed, 14 reported "
                    "and bucketed, -1 deleted",
                    VALUES("0", "2", "6", "10", "14", "-1")),
         P_QUERY("min", STR, OPT, "Minimum duration, seconds"),
         P_QUERY("max", STR, OPT, "Maximum duration, seconds"),
         P_QUERY("streams", STR, OPT, "Stream ids, separated by commas"),
         P_QUERY("ucf_id", STR, OPT, "A UCF result id"),
         P_QUERY_IN("label", STR, OPT,
                    "0 unknown, 1 music, 2 speech, 3 music and speech, 4 "
                    "advertisement",
                    VALUES("0", "1", "2", "3", "4")),
         P_QUERY("label_value", STR, OPT,
                 "Label value, e.g. an ad's name (from the CLI)")),
     .source = "ucf_results.list"},
    {"get_ucf_result", "GET", NULL, "/ucf-projects/{pid}/results/{ucf_id}",
     ucf_projects, "Get a UCF result", 0, PARAMS(UCF_RESULT),
     .source = "ucf_results.get", .note = CLI_ONLY},
    {"get_ucf_result_details", "GET", NULL,
     "/ucf-projects/{pid}/results/{ucf_id}/details", ucf_projects,
     "List the detections of a UCF result", 1,
     PARAMS(UCF_RESULT, PAGING, UCF_DATES), .source = "ucf_results.details"},
    {"get_ucf_result_record_url", "GET", NULL,
     "/ucf-projects/{pid}/results/{ucf_id}/record", ucf_projects,
     "Get the URL of a UCF result's recording", 0,
     PARAMS(UCF_RESULT,
            P_QUERY("extend", STR | INT, OPT,
                    "Seconds added before and after (the CLI sends 20)")),
     .source = "ucf_results.record_url"},
    {"delete_ucf_result", "DELETE", NULL,
     "/ucf-projects/{pid}/results/{ucf_id}", ucf_projects,
     "Delete a UCF result", 0,
     PARAMS(UCF_RESULT,
            P_QUERY_IN("reserved", INT, OPT,
                       "1 keeps it as reserved (ignored), 0 deletes it",
                       ZERO_ONE)),
     .source = "ucf_results.delete", .note = CLI_ONLY},
    {"set_ucf_result_pending", "POST", NULL,
     "/ucf-projects/{pid}/results/{ucf_id}/pending", ucf_projects,
     "Set a UCF result back to pending", 0, PARAMS(UCF_RESULT),
     .source = "ucf_results.set_pending", .note = CLI_ONLY},

    /* Metadata: docs */
    {"get_track_metadata", "GET", "https://eu-api-v2.acrcloud.com/api",
     "/external-metadata/tracks", metadata,
     "Get a track's metadata and its links on streaming platforms", 0,
     PARAMS(P_QUERY("source_url", STR, OPT,
                    "The track's URL on a platform (YouTube, Spotify, ...)"),
            P_QUERY("isrc", STR, OPT, "The track's ISRC"),
            P_QUERY("acr_id", STR, OPT, "ACRCloud music id"),
            P_QUERY("platforms", STR, OPT,
                    "Up to 5, separated by commas (default spotify,deezer,"
                    "youtube,applemusic)"),
            P_QUERY("query", STR, OPT,
                    "\"Artist - Title\", or JSON text {track, artists} with "
                    "format json"),
            P_QUERY("include_works", INT, OPT, "1 adds works and contributors"),
            P_QUERY_IN("format", STR, OPT,
                       "How query is written: text (default) or json",
                       VALUES("text", "json"))),
     .source = "metadata.tracks"},

    /* Billing: the CLI only */
    {"get_current_bill", "GET", NULL, "/billing/current-bill", billing,
     "Get the current bill", 0, PARAMS(P_UID), .source = "billing.current_bill",
     .note = CLI_ONLY},
    {"get_next_bill_date", "GET", NULL, "/billing/next-bill-date", billing,
     "Get the next billing date", 0, PARAMS(P_UID),
     .source = "billing.next_bill_date", .note = CLI_ONLY},
    {"list_invoices", "GET", NULL, "/billing/invoices", billing,
     "List invoices", 1, PARAMS(P_UID, PER_PAGE, PAGE),
     .source = "billing.invoices",
     .note = CLI_ONLY "; a flat paginator (current_page and last_page next to "
                      "data); page is not in the inventory, added so that "
                      "client:each can walk the pages"},
    {"download_invoice", "GET", NULL, "/billing/invoices/{invoice_id}/download",
     billing, "Download an invoice (PDF)", 0,
     PARAMS(P_PATH("invoice_id", ID, "The invoice id"), P_OUTPUT()),
     .response = ACR_RESPONSE_RAW, .source = "billing.download_invoice",
     .note = CLI_ONLY},
    {"list_prices", "GET", NULL, "/prices", billing, "List prices", 0,
     PARAMS(P_UID,
            P_QUERY_IN("type", STR, OPT, "Latest (default), Standard or All",
                       VALUES("Latest", "Standard", "All")),
            P_QUERY("service_types", STR, OPT,
                    "Service types, separated by commas, e.g. AVR,LCD,BM")),
     .source = "prices.list", .note = CLI_ONLY},

    /* Identification: docs; signed with the project's key, not the token */
    {"identify", "POST", "https://identify-{region}.acrcloud.com",
     "/v1/identify", identification, "Identify an audio or fingerprint sample",
     0,
     PARAMS(P_HOST("region", OPT,
                   "The project's host region, e.g. eu-west-1 "
                   "(identify-<region>.acrcloud.com); needed with the default "
                   "base URL"),
            P_BODY("access_key", STR, REQ, "The project's access key"),
            P_SECRET("access_secret",
                     "The project's access secret: signs the request; never "
                     "sent"),
            P_FILE("sample", REQ,
                   "Path of the audio or fingerprint sample (under 5 MB, "
                   "15 s at most advised)"),
            {"data_type", ACR_IN_BODY, STR, OPT, "audio",
             "audio or fingerprint", VALUES("audio", "fingerprint"), NULL,
             NULL}),
     .body = ACR_BODY_MULTIPART, .auth = ACR_AUTH_SIGNED, .source = "identify",
     .note = "sample_bytes, timestamp, signature and signature_version are "
             "computed by the client, not parameters; data_type defaults to "
             "audio; the host is the project's, as the console shows it"},
};

const size_t acr_endpoint_count =
    sizeof acr_endpoints / sizeof acr_endpoints[0];

const acr_omission acr_omissions[] = {
    {"files.delete_batch_body",
     "CLI-only DELETE /buckets/{bucket_id}/files with a JSON body {ids}; the "
     "documented DELETE /buckets/{bucket_id}/files/{ids} (delete_audio_files) "
     "does the same"},
    {"files.move_cli_variant",
     "CLI-only POST /buckets/{bucket_id}/files/move with {target_bucket_id, "
     "ids}; conflicts with the documented PUT "
     "/buckets/{bucket_id}/files/{ids}/move (move_audio_files)"},
};

const size_t acr_omission_count =
    sizeof acr_omissions / sizeof acr_omissions[0];

const acr_endpoint *acr_endpoint_find(const char *name) {
  for (size_t i = 0; i < acr_endpoint_count; i++)
    if (strcmp(acr_endpoints[i].name, name) == 0) return &acr_endpoints[i];
  return NULL;
}

const char *acr_location_name(acr_location in) {
  switch (in) {
  case ACR_IN_PATH: return "path";
  case ACR_IN_QUERY: return "query";
  case ACR_IN_BODY: return "body";
  case ACR_IN_FILE: return "file";
  case ACR_IN_HOST: return "host";
  case ACR_IN_SECRET: return "secret";
  case ACR_IN_OUTPUT: return "output";
  }
  return "?";
}
