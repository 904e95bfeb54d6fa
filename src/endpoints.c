/*
 * The endpoint table, data only. One entry an operation; adding an endpoint
 * is adding an entry here (and its emulator route, test and docs, which the
 * coverage check asks for).
 *
 * Names are verb_noun in snake_case: create_, list_, get_, update_, delete_,
 * set_, add_ + the object, read as English.
 */
#include <string.h>

#include "endpoints.h"

/* Parameter shorthands: P_PATH(name, types, doc), P_QUERY/P_BODY(name, types,
 * required, doc). REQ/OPT say whether the caller must give it. */
#define REQ 1
#define OPT 0
#define P_PATH(n, t, d)                                                        \
  { n, ACR_IN_PATH, t, REQ, NULL, d }
#define P_QUERY(n, t, r, d)                                                    \
  { n, ACR_IN_QUERY, t, r, NULL, d }
#define P_BODY(n, t, r, d)                                                     \
  { n, ACR_IN_BODY, t, r, NULL, d }
#define P_END                                                                  \
  { NULL, ACR_IN_PATH, 0, 0, NULL, NULL }
#define PARAMS(...) ((const acr_param[]){__VA_ARGS__, P_END})
#define NO_PARAMS ((const acr_param[]){P_END})

#define STR ACR_T_STRING
#define INT ACR_T_INTEGER
#define NUM ACR_T_NUMBER
#define BOOL ACR_T_BOOLEAN
#define ARR ACR_T_ARRAY
#define OBJ ACR_T_OBJECT
#define ID ACR_T_ID

#define PAGE P_QUERY("page", INT, OPT, "Page number, from 1")
#define PER_PAGE P_QUERY("per_page", INT, OPT, "Items per page")
#define REGION_DOC "eu-west-1, us-west-2 or ap-southeast-1"

static const char base_projects[] = "Base projects";
static const char bd_projects[] = "Broadcast Database projects";
static const char cs_user_reports[] = "Custom Streams user reports";

const acr_endpoint acr_endpoints[] = {
    /* spec/base-projects.txt */
    {"create_base_project", "POST", NULL, "/base-projects", base_projects,
     "Create a recognition project", 0,
     PARAMS(P_BODY("name", STR, REQ, "The project name"),
            P_BODY("region", STR, REQ, REGION_DOC),
            P_BODY("type", STR, REQ, "AVR, LCD or HR"),
            P_BODY("buckets", ARR, REQ, "Bucket ids"),
            P_BODY("audio_type", STR, OPT, "linein (default) or recorded"),
            P_BODY("external_ids", ARR | STR, OPT,
                   "spotify, deezer, isrc, upc, musicbrainz"))},
    {"list_base_projects", "GET", NULL, "/base-projects", base_projects,
     "List recognition projects", 1,
     PARAMS(P_QUERY("region", STR, OPT, REGION_DOC),
            P_QUERY("type", STR, OPT, "AVR, LCD or HR"), PAGE, PER_PAGE)},
    {"get_base_project", "GET", NULL, "/base-projects/{id}", base_projects,
     "Get a project", 0, PARAMS(P_PATH("id", ID, "The project id"))},
    {"update_base_project", "PUT", NULL, "/base-projects/{id}", base_projects,
     "Update a project", 0,
     PARAMS(P_PATH("id", ID, "The project id"),
            P_BODY("name", STR, OPT, "The project name"),
            P_BODY("buckets", ARR, OPT, "Bucket ids"),
            P_BODY("audio_type", STR, OPT, "linein or recorded"),
            P_BODY("external_ids", ARR | STR, OPT,
                   "spotify, deezer, youtube, isrc, upc, musicbrainz"))},
    {"delete_base_project", "DELETE", NULL, "/base-projects/{id}",
     base_projects, "Delete a project", 0,
     PARAMS(P_PATH("id", ID, "The project id"))},
    {"get_base_project_buckets_status", "GET",
     "https://us-api-v2.acrcloud.com/api", "/base-projects/{id}/buckets-status",
     base_projects, "Get the status of the project's buckets", 0,
     PARAMS(P_PATH("id", ID, "The project id"))},
    {"get_base_project_day_stat", "GET", NULL, "/base-projects/{id}/day-stat",
     base_projects, "Get the project's statistics per day", 0,
     PARAMS(P_PATH("id", ID, "The project id"),
            P_QUERY("start", STR, OPT, "Start date, YYYY-MM-DD"),
            P_QUERY("end", STR, OPT, "End date, YYYY-MM-DD"))},

    /* spec/bd-projects.txt */
    {"create_bd_project", "POST", NULL, "/bm-bd-projects", bd_projects,
     "Create a Broadcast Database project", 0,
     PARAMS(P_BODY("region", STR, REQ, REGION_DOC),
            P_BODY("name", STR, REQ, "The project name"),
            P_BODY("buckets", ARR, REQ, "Bucket ids"))},
    {"update_bd_project", "PUT", NULL, "/bm-bd-projects/{id}", bd_projects,
     "Update a Broadcast Database project", 0,
     PARAMS(P_PATH("id", ID, "The project id"),
            P_BODY("name", STR, OPT, "The project name"),
            P_BODY("buckets", ARR, OPT, "Bucket ids"))},
    {"delete_bd_project", "DELETE", NULL, "/bm-bd-projects/{id}", bd_projects,
     "Delete a Broadcast Database project", 0,
     PARAMS(P_PATH("id", ID, "The project id"))},
    {"list_bd_projects", "GET", NULL, "/bm-bd-projects", bd_projects,
     "List Broadcast Database projects", 1,
     PARAMS(P_QUERY("region", STR, OPT, REGION_DOC), PAGE, PER_PAGE)},
    {"set_bd_project_result_callback", "POST", NULL,
     "/bm-bd-projects/{id}/result-callback", bd_projects,
     "Set the results callback URL", 0,
     PARAMS(P_PATH("id", ID, "The project id"),
            {"type", ACR_IN_QUERY, STR, OPT, "diy", "Callback kind (diy)"},
            P_BODY("result_callback_url", STR, REQ, "The callback URL"),
            P_BODY("result_callback_send_noresult", INT | BOOL, OPT,
                   "Also post when nothing was detected: 0 or 1"),
            P_BODY("result_callback_send_type", STR | INT, OPT,
                   "Delivery format (2 in the spec's example)"),
            P_BODY("result_callback_result_type", STR | INT, OPT,
                   "0 realtime, 1 delay"))},
    {"set_bd_project_state_notification", "POST", NULL,
     "/bm-bd-projects/{id}/state-notification", bd_projects,
     "Set the state notification callback URL", 0,
     PARAMS(P_PATH("id", ID, "The project id"),
            P_BODY("state_callback_url", STR, REQ,
                   "URL that receives channel state changes"),
            P_BODY("state_callback_type", STR | INT, OPT,
                   "Delivery format (2 in the spec's example)"))},

    /* spec/cs-user-reports.md */
    {"add_stream_user_reports", "POST", NULL,
     "/bm-cs-projects/{pid}/streams/{stream_id}/user-reports", cs_user_reports,
     "Insert user results for a stream", 0,
     PARAMS(P_PATH("pid", ID, "The project id"),
            P_PATH("stream_id", STR, "The stream id"),
            P_BODY("data", ARR, REQ,
                   "Results: {from, title, timeoffset, start_timestamp, "
                   "end_timestamp, user_defined}"))},
};

const size_t acr_endpoint_count =
    sizeof acr_endpoints / sizeof acr_endpoints[0];

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
