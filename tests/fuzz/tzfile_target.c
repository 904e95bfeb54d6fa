/*
 * libFuzzer target for the TZif reader (src/tzfile.c): any bytes parse or
 * are refused with a reason; a parsed zone answers offsets and transitions
 * for instants across its range and past it (the footer's rule). The
 * sanitizers report any read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>

#include "tzfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  acr_tzfile tz;
  char err[ACR_TZFILE_ERR_SIZE] = "";
  if (acr_tzfile_parse(data, size, &tz, err) != 0) {
    if (!err[0]) abort(); /* a refusal says why */
    return 0;
  }
  static const int64_t instants[] = {INT64_MIN / 2, -2208988800, 0,
                                     1616893200,    4102444800,  INT64_MAX / 2};
  for (size_t i = 0; i < sizeof instants / sizeof *instants; i++) {
    (void)acr_tzfile_offset(&tz, instants[i]);
    (void)acr_tzfile_next(&tz, instants[i]);
  }
  acr_tzfile_free(&tz);
  return 0;
}
