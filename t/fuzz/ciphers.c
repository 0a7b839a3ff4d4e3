/*
 * libFuzzer target for lib/secftp/ciphers.c: the input is split into
 * tokens at whitespace and NUL, as a directive line would be, and fed to
 * the CipherSuite and SecureGroups translators and the protocol check.
 *
 * Build and run (from the top of the tree):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilib/secftp \
 *     -o build/fuzz-ciphers t/fuzz/ciphers.c lib/secftp/ciphers.c \
 *     -lssl -lcrypto
 *   mkdir -p build/corpus-ciphers
 *   build/fuzz-ciphers -max_total_time=60 -max_len=512 \
 *     build/corpus-ciphers t/fuzz/corpus/ciphers
 *
 * New inputs go to the first directory, so the seeds stay as committed.
 *
 * (or: make fuzz-ciphers)
 */

#include "ciphers.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS	32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int is_separator(char c) {
  return c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* Small output buffers on purpose, so that ENOSPC paths run too. */
  char tls12[512], tls13[128], groups[64], err[SECFTP_CIPHERS_ERR_MAX];
  const char *tokens[MAX_TOKENS];
  size_t ntokens = 0, i = 0;
  unsigned int protocols;
  char *text;

  if (size == 0) {
    return 0;
  }

  /* The first byte picks the SecureProtocol bits; the rest is the line. */
  protocols = data[0] & 0x0f;
  text = malloc(size);
  if (text == NULL) {
    return 0;
  }

  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';

  while (i < size - 1 && ntokens < MAX_TOKENS) {
    while (i < size - 1 && is_separator(text[i])) {
      text[i++] = '\0';
    }

    if (i < size - 1) {
      tokens[ntokens++] = text + i;
    }

    while (i < size - 1 && !is_separator(text[i])) {
      i++;
    }
  }

  if (ntokens > 0) {
    if (secftp_ciphers_translate(tokens, ntokens, tls12, sizeof(tls12),
        tls13, sizeof(tls13), err, sizeof(err)) == 0) {
      secftp_ciphers_check_protocols(protocols, tls12, tls13, err,
        sizeof(err));
    }

    secftp_groups_translate(tokens, ntokens, groups, sizeof(groups), err,
      sizeof(err));
  }

  /* The protocol check also takes strings it did not make. */
  secftp_ciphers_check_protocols(protocols, text, text, err, sizeof(err));

  free(text);
  return 0;
}
