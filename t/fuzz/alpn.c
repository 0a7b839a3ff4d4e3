/*
 * libFuzzer target for lib/secftp/alpn.c: the input is an ALPN protocol
 * list as a ClientHello carries it.  Checks, against an independent walk
 * of the list, that "ftp" is found exactly when it is a whole entry of a
 * well-formed list.
 *
 *   make fuzz-alpn    (FUZZ_TIME seconds)
 */

#include "alpn.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1: well formed with "ftp", 0: well formed without, -1: malformed. */
static int expected(const uint8_t *data, size_t size) {
  size_t pos = 0;
  int found = 0;

  if (size == 0) {
    return -1;
  }

  while (pos < size) {
    size_t len = data[pos++];

    if (len == 0 || pos + len > size) {
      return -1;
    }

    if (len == 3 && memcmp(data + pos, "ftp", 3) == 0) {
      found = 1;
    }

    pos += len;
  }

  return found;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const unsigned char *entry = NULL;
  unsigned char entry_len = 0;
  uint8_t *copy;
  int res;

  /* An exact-size heap copy, so ASan catches any read past the end. */
  copy = malloc(size > 0 ? size : 1);
  if (copy == NULL) {
    return 0;
  }
  memcpy(copy, data, size);

  res = secftp_alpn_find(copy, size, SECFTP_ALPN_FTP, &entry, &entry_len);
  if (res != expected(copy, size)) {
    abort();
  }

  if (res == 1 &&
      (entry_len != 3 || memcmp(entry, "ftp", 3) != 0 ||
       entry < copy || entry + entry_len > copy + size)) {
    abort();
  }

  free(copy);
  return 0;
}
