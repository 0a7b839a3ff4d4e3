/*
 * record: the sealed records a fleet of nodes keeps in Redis (ticket keys,
 * TLS 1.2 sessions).
 *
 * Redis is shared, so whoever can reach it can read and write it.  Every
 * record is therefore encrypted and authenticated (AES-256-GCM) with a key
 * derived (HKDF-SHA256) from SecureTicketKeyFile, which only the nodes'
 * root can read.  The authenticated header binds the record to its type,
 * its format version, its expiry and the Redis key it is stored under, so
 * that a record cannot be replayed under another name or after its time.
 *
 * Wire form (all integers big-endian):
 *   magic "SFR" | version (1) | type (1) | reserved (3, zero) |
 *   expires (8, Unix seconds) | nonce (12) | ciphertext | tag (16)
 * and, as stored, that byte string in base64 (text survives every Redis
 * client and is readable with redis-cli).
 *
 * Pure C (OpenSSL and libc only) so that Check can test it.
 */

#ifndef SECFTP_RECORD_H
#define SECFTP_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SECFTP_RECORD_VERSION		1

/* The shortest secret SecureTicketKeyFile may hold, and the most we use. */
#define SECFTP_RECORD_SECRET_MIN	32
#define SECFTP_RECORD_SECRET_MAX	1024

#define SECFTP_RECORD_KEY_LEN		32

/* Header, nonce and tag around the ciphertext. */
#define SECFTP_RECORD_OVERHEAD		(16 + 12 + 16)

/* The largest plaintext a record carries (a TLS 1.2 session with a client
 * certificate chain fits); anything larger is refused on both sides.
 */
#define SECFTP_RECORD_PLAIN_MAX		16384
#define SECFTP_RECORD_BIN_MAX	(SECFTP_RECORD_PLAIN_MAX + \
  SECFTP_RECORD_OVERHEAD)
#define SECFTP_RECORD_TEXT_MAX	(((SECFTP_RECORD_BIN_MAX + 2) / 3) * 4 + 1)

enum secftp_record_type {
  SECFTP_RECORD_TICKET_KEY = 1,
  SECFTP_RECORD_SESSION = 2,
  SECFTP_RECORD_CERTMAP = 3
};

/* Derives the key for one purpose ("ticket-keys", "sessions") from the
 * secret.  Returns 0, or -1 with errno EINVAL (NULL, or a secret shorter
 * than SECFTP_RECORD_SECRET_MIN) or EIO (OpenSSL failed).
 */
int secftp_record_derive_key(const unsigned char *secret, size_t secret_len,
  const char *purpose, unsigned char key[SECFTP_RECORD_KEY_LEN]);

/* Seals plain (plain_len bytes, at most SECFTP_RECORD_PLAIN_MAX) as a
 * record of type, valid until expires, bound to name (the Redis key).
 * Writes the base64 text, NUL-terminated, into text (text_size bytes).
 * Returns the text length, or -1 with errno EINVAL or EMSGSIZE (too large
 * for the limit or for text_size) or EIO.
 */
int secftp_record_seal(const unsigned char key[SECFTP_RECORD_KEY_LEN],
  int type, const char *name, time_t expires, const unsigned char *plain,
  size_t plain_len, char *text, size_t text_size);

/* Opens the record text (text_len bytes, not necessarily NUL-terminated)
 * read back under name, checking everything before trusting anything.
 * Writes the plaintext into plain (plain_size bytes).  Returns its length,
 * or -1 with errno:
 *   EINVAL           NULL arguments
 *   EBADMSG          not a record: bad base64, too short or too long, bad
 *                    magic or reserved bytes
 *   EPROTONOSUPPORT  a record version this code does not know
 *   ENOMSG           a record of another type
 *   EACCES           authentication failed (tampered, another key, another
 *                    name)
 *   ESTALE           authentic but expired at now
 *   EMSGSIZE         plain_size too small
 */
int secftp_record_open(const unsigned char key[SECFTP_RECORD_KEY_LEN],
  int type, const char *name, time_t now, const char *text, size_t text_len,
  unsigned char *plain, size_t plain_size);

/* A short description of an errno value set by secftp_record_open(), for
 * log lines.
 */
const char *secftp_record_strerror(int xerrno);

#endif /* SECFTP_RECORD_H */
