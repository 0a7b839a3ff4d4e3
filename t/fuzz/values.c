/*
 * libFuzzer target for lib/secftp/values.c: every keyword table lookup,
 * the boolean, seconds, duration and PBSZ parsers, on one NUL-terminated
 * token made of the input.  The first byte picks the limits, so that the
 * range checks run with small and extreme bounds.  Besides not crashing,
 * each parser's promise is checked: a success stays within its bounds,
 * a PBSZ size fits in 32 bits, a looked-up value has a name again.
 *
 * fuzz-sources: lib/secftp/values.c
 *
 * Run with t/fuzz/run.sh values (or make fuzz-run), corpus in
 * t/fuzz/corpus/values/.
 */

#include "values.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct secftp_token *const tables[] = {
  secftp_ftp_tokens, secftp_login_tokens, secftp_password_tokens,
  secftp_dataconn_tokens, secftp_ctrlconn_tokens, secftp_reuse_tokens,
  secftp_rfc_level_tokens, secftp_alpn_tokens, secftp_protocol_tokens,
  secftp_option_tokens
};

static const long bounds[][2] = {
  {0, 0}, {0, 1}, {1, 65535}, {0, LONG_MAX}, {LONG_MIN, LONG_MAX},
  {-10, 10}, {5, 4}, {LONG_MAX, LONG_MAX}
};

static void lookups(const char *token) {
  size_t i;
  int value;

  for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
    if (secftp_token_lookup(tables[i], token, &value) == 0 &&
        secftp_token_name(tables[i], value) == NULL) {
      abort();
    }
  }
}

static void parsers(const char *token, unsigned char pick) {
  const long *b = bounds[pick % (sizeof(bounds) / sizeof(bounds[0]))];
  unsigned long size;
  long n;
  int res;

  res = secftp_parse_bool(token);
  if (res != -1 && res != 0 && res != 1) {
    abort();
  }

  if (secftp_parse_seconds(token, b[0], b[1], &n) == 0 &&
      (n < b[0] || n > b[1])) {
    abort();
  }

  if (secftp_parse_duration(token, b[0] > 0 ? b[0] : 0, &n) == 0 &&
      n < (b[0] > 0 ? b[0] : 0)) {
    abort();
  }

  if (secftp_parse_pbsz(token, &size) == 0 && size > 4294967295UL) {
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *token;

  if (size == 0) {
    return 0;
  }

  token = malloc(size);
  if (token == NULL) {
    return 0;
  }

  /* The token may contain NULs: the parsers see the part before them. */
  memcpy(token, data + 1, size - 1);
  token[size - 1] = '\0';

  lookups(token);
  parsers(token, data[0]);

  free(token);
  return 0;
}
