/*
 * fleet: several ProFTPD nodes behind one load balancer that resume each
 * other's TLS sessions.
 *
 * SecureSessionCache says where sessions and ticket keys live:
 *   internal  ticket keys of this node (rotated every
 *             SecureTicketKeyLifetime), shared by all its sessions;
 *   redis     ticket keys and TLS 1.2 sessions shared by every node through
 *             the module's own Redis client (redisc, SecureRedisServer),
 *             sealed with keys derived from SecureTicketKeyFile;
 *   off       ticket keys of the session process only: data connections
 *             resume their control connection, nothing else resumes.
 *
 * The TLS contexts are built in the daemon, before sessions fork, so the
 * callbacks (ticketcb, sesscache) run in session processes.  Each session
 * process opens its own Redis connection, lazily, the first time it needs
 * one; the daemon never talks to Redis.  What the node's processes share
 * lives in anonymous shared pages mapped in the daemon: the circuit
 * breaker of the node's Redis (this unit: after a failure or a timeout the
 * node skips Redis for a back-off, then one process tries again; logged
 * when it opens and closes), the fleet ticket keys already read (ticketcb)
 * and the last valid certificate map (fleetmap).
 *
 * Fleet records change only by intent (SPEC 6.1): they are added (SET NX)
 * and expire by their TTL; a local cache removal never deletes one.
 */

#ifndef SECFTP_FLEET_H
#define SECFTP_FLEET_H

#include "mod_secftp.h"
#include "secftp/conf.h"
#include "secftp/record.h"

/* What SecureTicketKeyFile gives: only keys derived from it are kept. */
struct secftp_fleet_secret {
  const char *path;
  unsigned char ticket_key[SECFTP_RECORD_KEY_LEN];
  unsigned char session_key[SECFTP_RECORD_KEY_LEN];
};

/* Directive handlers. */
modret_t *secftp_set_ticket_key_file(cmd_rec *cmd);
modret_t *secftp_set_ticket_key_lifetime(cmd_rec *cmd);

/* Reads the node's Redis (SecureRedisServer, SecureRedisTimeouts) from
 * the configuration, in the daemon at every start and restart, before the
 * TLS contexts are built.  Returns 0, or -1 after logging.
 */
int secftp_fleet_load_node(void);

/* Checks, in the daemon at postparse, that the fleet settings of s can
 * work (Redis configured where SecureSessionCache redis or a redis:
 * SecureCertMap, redis_certmap, needs it), and maps the node's shared
 * outage page.  Returns 0, or -1 after logging why.
 */
int secftp_fleet_check(server_rec *s, const struct secftp_settings *st,
  int redis_certmap);

/* Redis, for the session process.  Keys are full Redis keys; values are
 * record text.  Every wait is bounded by SecureRedisTimeouts; a failure
 * or timeout opens the node's circuit breaker (logged once per outage),
 * and while it is open these return at once with EIO.
 *
 * get: the value (allocated from p, NUL-terminated) and its length, or
 *      NULL with errno ENOENT (no such key), EBADMSG (not a string) or
 *      EIO (Redis unavailable).
 * add: stores value under key for ttl seconds unless key exists.  Returns
 *      0, or -1 with errno EEXIST or EIO.
 * del: removes key; returns 0 or -1.
 */
char *secftp_fleet_redis_get(pool *p, const char *key, size_t *len);
int secftp_fleet_redis_add(const char *key, const char *value, long ttl);
int secftp_fleet_redis_del(const char *key);

/* FALSE while the node's breaker is open (or no Redis is configured). */
int secftp_fleet_redis_available(void);

/* Start of the node's current Redis outage (the breaker opened), or 0
 * (for ftpdctl).
 */
time_t secftp_fleet_redis_down_since(void);

/* A lock in memory shared by the node's processes (0 when free; the
 * holder's pid otherwise).  A holder that died (a session killed at the
 * wrong moment) is noticed and its lock taken over; a lock still busy
 * after about 50 ms is given up on.  lock returns 0 when taken, -1 when
 * not (the caller then does without the shared data).
 */
int secftp_fleet_lock(volatile pid_t *lock);
void secftp_fleet_unlock(volatile pid_t *lock);

#endif /* SECFTP_FLEET_H */
