/* placeholder, being written */
typedef int acr_placeholder_json;
