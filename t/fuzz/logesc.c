/*
 * libFuzzer target for lib/secftp/logesc.c: the input is any client text.
 * The escaped text must carry no control byte, no DEL, no byte that is
 * not valid UTF-8 and no Unicode format control; its length must be the
 * one announced; with a short buffer, the result must be a prefix of the
 * whole escaped text (no escape cut in half, SPEC 6.1).
 *
 * fuzz-sources: lib/secftp/logesc.c
 *   t/fuzz/run.sh logesc
 */

#include "logesc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_clean(const char *s, size_t len) {
  size_t pos = 0;

  while (pos < len) {
    uint32_t cp;
    size_t n = secftp_logesc_utf8((const unsigned char *) s + pos,
      len - pos, &cp);

    if (n == 0 ||
        secftp_logesc_is_control(cp)) {
      abort();
    }
    pos += n;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int flags = size > 0 ? data[0] & SECFTP_LOGESC_BACKSLASH : 0;
  size_t need, small;
  char *out, *part;

  need = secftp_logesc(NULL, 0, (const char *) data, size, flags);
  out = malloc(need + 1);
  if (secftp_logesc(out, need + 1, (const char *) data, size, flags) !=
      need ||
      strlen(out) != need) {
    abort();
  }
  check_clean(out, need);

  small = size > 1 ? data[1] % (need + 1) : 0;
  part = malloc(small + 1);
  (void) secftp_logesc(part, small + 1, (const char *) data, size, flags);
  if (strncmp(part, out, strlen(part)) != 0) {
    abort();
  }
  check_clean(part, strlen(part));

  free(part);
  free(out);
  return 0;
}
