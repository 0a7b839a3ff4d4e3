/*
 * ticketkeys: ticket key schedule, names and packing.
 */

#include "ticketkeys.h"
#include "record.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

/* Version byte of a packed fleet key. */
#define PACKED_FORMAT	1

/* Epochs are written in 7 bytes of the name. */
#define EPOCH_MAX	((int64_t) 0x00ffffffffffffffLL)

int64_t secftp_ticketkey_epoch(time_t now, long lifetime) {
  if (lifetime <= 0 ||
      now < 0) {
    errno = EINVAL;
    return -1;
  }

  return (int64_t) now / lifetime;
}

/* time_t is a signed 64-bit type on every platform ProFTPD 1.3.8 and
 * OpenSSL 3 support here (Debian 12: all 64-bit, and time64 on 32-bit).
 */
#define TIME_MAX	((time_t) INT64_MAX)

time_t secftp_ticketkey_expires(int64_t epoch, long lifetime) {
  int64_t end;

  if (epoch < 0 ||
      lifetime < 0) {
    return 0;
  }

  /* (epoch + 2) * lifetime, saturating: a huge lifetime or a forged epoch
   * means "not before the end of time", never a wrapped, past date.
   */
  if (epoch > INT64_MAX - 2 ||
      __builtin_mul_overflow(epoch + 2, (int64_t) lifetime, &end)) {
    return TIME_MAX;
  }

  return (time_t) end;
}

int secftp_ticketkey_usable(int64_t key_epoch, int64_t now_epoch) {
  /* Compared by difference, with the ends of the range handled first:
   * key_epoch comes from a ticket the client sent.
   */
  int64_t diff;

  if (__builtin_sub_overflow(key_epoch, now_epoch, &diff)) {
    return 0;
  }

  if (diff == 0 ||
      diff == 1) {
    return 1;
  }

  return diff == -1 ? 2 : 0;
}

static int make_name(unsigned char *name, int origin, int64_t epoch) {
  int i;

  if (epoch < 0 ||
      epoch > EPOCH_MAX) {
    errno = ERANGE;
    return -1;
  }

  name[0] = (unsigned char) origin;
  for (i = 7; i >= 1; i--) {
    name[i] = (unsigned char) (epoch & 0xff);
    epoch >>= 8;
  }

  return 0;
}

int secftp_ticketkey_generate(int64_t epoch, struct secftp_ticketkey *key) {
  if (key == NULL) {
    errno = EINVAL;
    return -1;
  }

  if (make_name(key->name, SECFTP_TICKETKEY_FLEET, epoch) < 0) {
    return -1;
  }

  key->epoch = epoch;
  if (RAND_bytes(key->name + 8, 8) != 1 ||
      RAND_bytes(key->aes, sizeof(key->aes)) != 1 ||
      RAND_bytes(key->hmac, sizeof(key->hmac)) != 1) {
    secftp_ticketkey_clear(key);
    errno = EIO;
    return -1;
  }

  return 0;
}

int secftp_ticketkey_derive_local(const unsigned char *secret,
    size_t secret_len, int64_t epoch, struct secftp_ticketkey *key) {
  char purpose[64];
  unsigned char id[SECFTP_RECORD_KEY_LEN];

  if (secret == NULL ||
      key == NULL) {
    errno = EINVAL;
    return -1;
  }

  if (make_name(key->name, SECFTP_TICKETKEY_LOCAL, epoch) < 0) {
    return -1;
  }

  key->epoch = epoch;

  /* One derivation per part, each with its own purpose label. */
  snprintf(purpose, sizeof(purpose), "local ticket id %lld",
    (long long) epoch);
  if (secftp_record_derive_key(secret, secret_len, purpose, id) < 0) {
    return -1;
  }
  memcpy(key->name + 8, id, 8);
  OPENSSL_cleanse(id, sizeof(id));

  snprintf(purpose, sizeof(purpose), "local ticket aes %lld",
    (long long) epoch);
  if (secftp_record_derive_key(secret, secret_len, purpose, key->aes) < 0) {
    return -1;
  }

  snprintf(purpose, sizeof(purpose), "local ticket hmac %lld",
    (long long) epoch);
  return secftp_record_derive_key(secret, secret_len, purpose, key->hmac);
}

int secftp_ticketkey_parse_name(const unsigned char *name, int *origin,
    int64_t *epoch) {
  int64_t e = 0;
  int i;

  if (name == NULL ||
      origin == NULL ||
      epoch == NULL) {
    errno = EINVAL;
    return -1;
  }

  if (name[0] != SECFTP_TICKETKEY_FLEET &&
      name[0] != SECFTP_TICKETKEY_LOCAL) {
    errno = EBADMSG;
    return -1;
  }

  for (i = 1; i <= 7; i++) {
    e = (e << 8) | name[i];
  }

  *origin = name[0];
  *epoch = e;
  return 0;
}

int secftp_ticketkey_pack(const struct secftp_ticketkey *key,
    unsigned char *buf, size_t buf_size) {
  if (key == NULL ||
      buf == NULL ||
      buf_size < SECFTP_TICKETKEY_PACKED_LEN) {
    errno = EINVAL;
    return -1;
  }

  buf[0] = PACKED_FORMAT;
  memcpy(buf + 1, key->name, SECFTP_TICKETKEY_NAME_LEN);
  memcpy(buf + 1 + SECFTP_TICKETKEY_NAME_LEN, key->aes,
    SECFTP_TICKETKEY_AES_LEN);
  memcpy(buf + 1 + SECFTP_TICKETKEY_NAME_LEN + SECFTP_TICKETKEY_AES_LEN,
    key->hmac, SECFTP_TICKETKEY_HMAC_LEN);
  return 0;
}

int secftp_ticketkey_unpack(const unsigned char *buf, size_t len,
    int64_t epoch, struct secftp_ticketkey *key) {
  int origin;
  int64_t name_epoch;

  if (buf == NULL ||
      key == NULL) {
    errno = EINVAL;
    return -1;
  }

  if (len != SECFTP_TICKETKEY_PACKED_LEN ||
      buf[0] != PACKED_FORMAT ||
      secftp_ticketkey_parse_name(buf + 1, &origin, &name_epoch) < 0 ||
      origin != SECFTP_TICKETKEY_FLEET ||
      name_epoch != epoch) {
    errno = EBADMSG;
    return -1;
  }

  key->epoch = epoch;
  memcpy(key->name, buf + 1, SECFTP_TICKETKEY_NAME_LEN);
  memcpy(key->aes, buf + 1 + SECFTP_TICKETKEY_NAME_LEN,
    SECFTP_TICKETKEY_AES_LEN);
  memcpy(key->hmac, buf + 1 + SECFTP_TICKETKEY_NAME_LEN +
    SECFTP_TICKETKEY_AES_LEN, SECFTP_TICKETKEY_HMAC_LEN);
  return 0;
}

void secftp_ticketkey_clear(struct secftp_ticketkey *key) {
  if (key != NULL) {
    OPENSSL_cleanse(key, sizeof(*key));
  }
}
