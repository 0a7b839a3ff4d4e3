/*
 * vhosts: the TLS context and settings built for each server (the
 * daemon's registry, read by sessions after the fork).
 */

#ifndef SECFTP_VHOSTS_H
#define SECFTP_VHOSTS_H

#include "mod_secftp.h"
#include "secftp/conf.h"

/* Records ctx, built from st, as server s's.  Returns 0, or -1. */
int secftp_vhosts_add(server_rec *s, SSL_CTX *ctx,
  const struct secftp_settings *st);

/* The context and settings built for s, or NULL when s has no engine. */
SSL_CTX *secftp_vhosts_ctx(server_rec *s);
const struct secftp_settings *secftp_vhosts_settings(server_rec *s);

/* The same settings, for the one caller that may change them (a certmap
 * reloaded by ftpdctl, in the daemon).
 */
struct secftp_settings *secftp_vhosts_settings_rw(server_rec *s);

/* Calls fn for every recorded server, in no particular order. */
void secftp_vhosts_each(void (*fn)(server_rec *s, SSL_CTX *ctx,
  const struct secftp_settings *st, void *data), void *data);

/* Frees every context and forgets every server (restart, shutdown). */
void secftp_vhosts_free(void);

/* In a session (sess_init): frees the contexts and private keys of every
 * server a session of here cannot reach (another port), after scrub_ctx
 * wiped what else each holds (ticket keys), and has scrub_secret wipe
 * this process's copy of each fleet secret no kept server uses (issue 13,
 * as mod_tls does at session start).  Returns how many servers' contexts
 * remain.
 */
unsigned int secftp_vhosts_scrub_unreachable(server_rec *here,
  void (*scrub_ctx)(SSL_CTX *ctx),
  void (*scrub_secret)(const struct secftp_fleet_secret *secret));

#endif /* SECFTP_VHOSTS_H */
