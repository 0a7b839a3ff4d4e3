/*
 * redisc: the module's own Redis client (Debian's libhiredis), for the
 * fleet (doc/fleet.md).
 *
 * Every wait is bounded: connecting (TCP or Unix socket) by the connect
 * timeout, AUTH and each command by the I/O timeout.  Nothing here retries
 * or remembers failures: the policy (outages, the circuit breaker shared
 * by the node's processes) is the fleet unit's.
 *
 * Pure C (hiredis and libc only) so that Check can test it.
 */

#ifndef SECFTP_REDISC_H
#define SECFTP_REDISC_H

#include <stddef.h>

#define SECFTP_REDISC_HOST_MAX		255
#define SECFTP_REDISC_PATH_MAX		107	/* sun_path, less its NUL */
#define SECFTP_REDISC_USER_MAX		127
#define SECFTP_REDISC_PASSWORD_MAX	511

/* SecureRedisTimeouts: defaults and the bounds accepted at startup. */
#define SECFTP_REDISC_CONNECT_MS_DEFAULT	300
#define SECFTP_REDISC_IO_MS_DEFAULT		300
#define SECFTP_REDISC_MS_MAX			10000

/* Where Redis is and how to talk to it.  Either host (a numeric address)
 * and port, or path (a Unix socket).  user may be empty (AUTH password
 * alone), password too (no AUTH).
 */
struct secftp_redisc_target {
  char host[SECFTP_REDISC_HOST_MAX + 1];
  int port;
  char path[SECFTP_REDISC_PATH_MAX + 1];
  char user[SECFTP_REDISC_USER_MAX + 1];
  char password[SECFTP_REDISC_PASSWORD_MAX + 1];
  long connect_ms;
  long io_ms;
};

struct secftp_redisc;

/* Parses "host:port", "[v6 address]:port", "host" (port 6379) or
 * "/path.sock" into t's host/port or path.  Returns 0, or -1 with errno
 * EINVAL (malformed) or ENAMETOOLONG.
 */
int secftp_redisc_parse_address(const char *text,
  struct secftp_redisc_target *t);

/* Connects to t and authenticates.  Returns the connection, or NULL with
 * errno ETIMEDOUT (no answer in time), EACCES (AUTH refused) or another
 * errno, and what went wrong in err (always NUL-terminated).
 */
struct secftp_redisc *secftp_redisc_connect(
  const struct secftp_redisc_target *t, char *err, size_t err_len);

/* GET key.  Returns 0 with *value (malloc'd, NUL-terminated; free()) and
 * *len; 1 when there is no such key; -1 with errno EBADMSG (the key holds
 * no string) or, for a broken connection, ETIMEDOUT or another errno, and
 * err filled in.
 */
int secftp_redisc_get(struct secftp_redisc *c, const char *key,
  char **value, size_t *len, char *err, size_t err_len);

/* SET key value NX EX ttl.  Returns 0 (stored), 1 (key exists), or -1 as
 * for get.
 */
int secftp_redisc_add(struct secftp_redisc *c, const char *key,
  const char *value, long ttl, char *err, size_t err_len);

/* DEL key.  Returns 0, or -1 as for get. */
int secftp_redisc_del(struct secftp_redisc *c, const char *key, char *err,
  size_t err_len);

/* FALSE once the connection failed (timed out, closed): drop it. */
int secftp_redisc_usable(const struct secftp_redisc *c);

/* Closes the connection. */
void secftp_redisc_free(struct secftp_redisc *c);

#endif /* SECFTP_REDISC_H */
