/*
 * redisconf: which Redis the node's fleet records live in, and the bounds
 * of every wait on it (doc/fleet.md):
 *
 *   SecureRedisServer host[:port]|/path.sock [[user] password|file:PATH]
 *   SecureRedisTimeouts connect-ms io-ms [back-off]
 *
 * One Redis per node: both directives belong to the server configuration
 * (or <Global>).  Without SecureRedisServer, a RedisServer of mod_redis
 * at server config level is used for its address and credentials, by the
 * module's own client (mod_redis' connection is never used).  A host name
 * is resolved once, at start and restart, so that no session waits for
 * DNS.
 */

#ifndef SECFTP_REDISCONF_H
#define SECFTP_REDISCONF_H

#include "mod_secftp.h"
#include "secftp/redisc.h"

/* The back-off of the circuit breaker (fleet.c): default and bounds. */
#define SECFTP_REDIS_BACKOFF_DEFAULT	2
#define SECFTP_REDIS_BACKOFF_MAX	300

/* The node's Redis, as the daemon resolved it at (re)start. */
struct secftp_redis_node {
  int configured;
  const char *directive;	/* where it came from, for messages */
  struct secftp_redisc_target target;
  long backoff;			/* seconds */
};

/* Directive handlers. */
modret_t *secftp_set_redis_server(cmd_rec *cmd);
modret_t *secftp_set_redis_timeouts(cmd_rec *cmd);

/* Fills node from the server configuration (in the daemon, at every
 * start and restart).  Returns 0 (node->configured FALSE when no Redis is
 * named), or -1 after logging why the configuration cannot work.
 */
int secftp_redisconf_load(struct secftp_redis_node *node);

/* Wipes node (its password). */
void secftp_redisconf_clear(struct secftp_redis_node *node);

#endif /* SECFTP_REDISCONF_H */
