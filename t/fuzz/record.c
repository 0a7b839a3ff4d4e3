/*
 * libFuzzer target for the Redis record reader of lib/secftp/record.c and
 * the ticket key unpacker of lib/secftp/ticketkeys.c: whatever Redis
 * returns, opening it never crashes, never reads out of bounds, and only
 * a record sealed with our key comes out.
 *
 * The first byte chooses the record type; the rest is the stored text.
 * Inputs are also sealed and opened again (round trip).
 *
 *   make fuzz && build/fuzz/record -max_total_time=60 t/fuzz/corpus/record
 */

#include "record.h"
#include "ticketkeys.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char secret[32] = "mod_secftp fuzzing secret 32 b.";

static unsigned char plain[SECFTP_RECORD_PLAIN_MAX];
static char text[SECFTP_RECORD_TEXT_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static unsigned char key[SECFTP_RECORD_KEY_LEN];
  static int have_key = 0;
  struct secftp_ticketkey tk;
  int type, n;

  if (!have_key) {
    if (secftp_record_derive_key(secret, sizeof(secret), "fuzz", key) < 0) {
      abort();
    }
    have_key = 1;
  }

  if (size == 0) {
    return 0;
  }

  type = 1 + data[0] % 3;
  n = secftp_record_open(key, type, "k", 1000, (const char *) data + 1,
    size - 1, plain, sizeof(plain));
  if (n >= 0) {
    /* Forging a record without the key is the one thing that must not
     * happen: the fuzzer cannot find one, so any success is a bug.
     */
    abort();
  }

  (void) secftp_ticketkey_unpack(data, size, 7, &tk);

  if (size - 1 <= SECFTP_RECORD_PLAIN_MAX) {
    n = secftp_record_seal(key, type, "k", 2000, data + 1, size - 1, text,
      sizeof(text));
    if (n < 0 ||
        secftp_record_open(key, type, "k", 1000, text, (size_t) n, plain,
          sizeof(plain)) != (int) (size - 1) ||
        memcmp(plain, data + 1, size - 1) != 0) {
      abort();
    }
  }

  return 0;
}
