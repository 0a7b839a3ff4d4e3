/*
 * ticketkeys: the session ticket encryption keys and their schedule.
 *
 * Time is cut into epochs of SecureTicketKeyLifetime seconds (Unix time
 * divided by the lifetime, so every node with a synchronised clock agrees
 * on the epoch without talking to the others).  Each epoch has one key:
 * tickets are issued with the key of the current epoch, and a ticket made
 * with the key of the previous epoch still decrypts (and is renewed), so a
 * ticket stays usable for at least one whole lifetime.  Nothing older is
 * accepted: exactly one previous key is valid.
 *
 * A key is either a fleet key (random, created by the first node that
 * needs it and shared through Redis, sealed by the record unit) or a local
 * key (derived from a secret that never leaves the node: SecureSessionCache
 * internal, or Redis unreachable).  The 16-byte key name says which, and
 * for which epoch:
 *   origin ('F' or 'L') | epoch (7 bytes, big-endian) | id (8 bytes)
 *
 * Pure C (OpenSSL and libc only) so that Check can test it.
 */

#ifndef SECFTP_TICKETKEYS_H
#define SECFTP_TICKETKEYS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SECFTP_TICKETKEY_NAME_LEN	16
#define SECFTP_TICKETKEY_AES_LEN	32
#define SECFTP_TICKETKEY_HMAC_LEN	32

/* The size of a packed fleet key (the plaintext of its Redis record). */
#define SECFTP_TICKETKEY_PACKED_LEN	(1 + SECFTP_TICKETKEY_NAME_LEN + \
  SECFTP_TICKETKEY_AES_LEN + SECFTP_TICKETKEY_HMAC_LEN)

#define SECFTP_TICKETKEY_FLEET		'F'
#define SECFTP_TICKETKEY_LOCAL		'L'

/* SecureTicketKeyLifetime default: 12 hours.  The upper bound (7 days)
 * keeps a stolen key's window of recorded sessions sane, and every product
 * of the schedule far from overflowing.
 */
#define SECFTP_DEFAULT_TICKET_KEY_LIFETIME	(12L * 3600L)
#define SECFTP_TICKET_KEY_LIFETIME_MAX		(7L * 24L * 3600L)

struct secftp_ticketkey {
  int64_t epoch;
  unsigned char name[SECFTP_TICKETKEY_NAME_LEN];
  unsigned char aes[SECFTP_TICKETKEY_AES_LEN];
  unsigned char hmac[SECFTP_TICKETKEY_HMAC_LEN];
};

/* The epoch of now for lifetime (> 0) seconds, or -1 with errno EINVAL. */
int64_t secftp_ticketkey_epoch(time_t now, long lifetime);

/* When the key of epoch stops decrypting: the end of the next epoch.
 * Saturates (never overflows) for any epoch and lifetime; 0 when either
 * is negative.
 */
time_t secftp_ticketkey_expires(int64_t epoch, long lifetime);

/* Whether a ticket made with a key of key_epoch may be used in now_epoch:
 * 1 (yes), 2 (yes, but issue a fresh ticket: previous key), 0 (no).  The
 * next epoch is accepted too, for nodes whose clock runs a little ahead.
 * Any pair of values is safe (no overflow at the ends of the range).
 */
int secftp_ticketkey_usable(int64_t key_epoch, int64_t now_epoch);

/* A new random fleet key for epoch.  Returns 0, or -1 (errno). */
int secftp_ticketkey_generate(int64_t epoch, struct secftp_ticketkey *key);

/* The local key of epoch, derived from secret (at least 32 bytes): the
 * same on every call with the same secret.  Returns 0, or -1 (errno).
 */
int secftp_ticketkey_derive_local(const unsigned char *secret,
  size_t secret_len, int64_t epoch, struct secftp_ticketkey *key);

/* Reads the origin and epoch out of a key name.  Returns 0, or -1 with
 * errno EINVAL (NULL) or EBADMSG (an origin this code never writes).
 */
int secftp_ticketkey_parse_name(const unsigned char *name, int *origin,
  int64_t *epoch);

/* Packs a fleet key into buf (SECFTP_TICKETKEY_PACKED_LEN bytes). */
int secftp_ticketkey_pack(const struct secftp_ticketkey *key,
  unsigned char *buf, size_t buf_size);

/* Unpacks a fleet key, checking the length, the format byte and that its
 * name is a fleet name of the expected epoch.  Returns 0, or -1 with errno
 * EINVAL or EBADMSG.
 */
int secftp_ticketkey_unpack(const unsigned char *buf, size_t len,
  int64_t epoch, struct secftp_ticketkey *key);

/* Wipes key. */
void secftp_ticketkey_clear(struct secftp_ticketkey *key);

#endif /* SECFTP_TICKETKEYS_H */
