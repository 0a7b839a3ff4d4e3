/*
 * fleetmap: SecureCertMap redis:KEY, one certificate map for a fleet.
 *
 * The Redis string KEY holds the same text as a map file.  A session that
 * needs the map reads KEY (one GET), so a change applies on every node at
 * the next login.  The text is parsed whole by the certmap unit; a text
 * that does not parse is refused whole (logged once per node and text)
 * and the last valid map stays in force.  A key that is missing or empty
 * is an empty map: no certificate maps to anyone (fail closed, logged),
 * and that empty map is from then on the last valid one.  The last valid
 * text is kept in a page shared by the node's processes (mapped in the
 * daemon before any session forks), so it survives the session that read
 * it, and serves while Redis is unavailable (the circuit breaker of the
 * fleet unit is open).  Until a valid map has been read, the map is empty
 * (fail closed).
 *
 * Whoever may write KEY decides which certificate logs in as whom: give
 * the nodes a Redis account that can only read it (doc/fleet.md).
 */

#ifndef SECFTP_FLEETMAP_H
#define SECFTP_FLEETMAP_H

#include "mod_secftp.h"
#include "secftp/certmap.h"

/* TRUE when a SecureCertMap value names a Redis key ("redis:KEY"). */
int secftp_fleetmap_is_redis(const char *source);

/* Checks a "redis:KEY" value at parse time.  Returns NULL, or the problem
 * (allocated from p).
 */
const char *secftp_fleetmap_check(pool *p, const char *source);

/* Reserves, in the daemon, the shared memory of source's map.  Returns 0,
 * or -1 after logging.
 */
int secftp_fleetmap_setup(server_rec *s, const char *source);

/* The map to use now: for a "redis:KEY" source the current map of the
 * fleet, otherwise (or when none was ever read) fallback.
 */
const struct secftp_certmap *secftp_fleetmap_current(const char *source,
  const struct secftp_certmap *fallback);

#endif /* SECFTP_FLEETMAP_H */
