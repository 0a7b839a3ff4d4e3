/*
 * stapling: OCSP stapling of the server's own certificates (SecureStapling,
 * SecureStaplingResponder; RFC 6066 section 8, RFC 6961 for TLS 1.3's
 * per-certificate status as OpenSSL sends it).
 *
 * Where the fetching happens: in the daemon, never in a session.  At
 * startup (and every restart) the daemon asks the responder about each
 * certificate of each server with SecureStapling on, bounded by
 * SecureOCSPTimeout, and keeps the verified answer in its memory; a timer
 * in the daemon refreshes it halfway to its nextUpdate (an answer without
 * one is kept for an hour), and retries a failed fetch every minute.
 * Sessions are forked with the current answer in their memory: stapling
 * costs a session one memcpy, and no session ever waits for a responder.
 * A responder that is down means no staple (soft-fail), with a log line.
 */

#ifndef SECFTP_STAPLING_H
#define SECFTP_STAPLING_H

#include "mod_secftp.h"

/* Fetches the first answers and installs the status callback on the
 * contexts of every server with SecureStapling on (after
 * secftp_servers_build), and starts the refresh timer.  Returns 0
 * (a missing answer is not an error), or -1 after logging why.
 */
int secftp_stapling_setup(void);

/* Frees the answers and stops the timer (restart, shutdown). */
void secftp_stapling_release(void);

/* usage: SecureStaplingResponder http://host[:port]/path */
modret_t *secftp_set_stapling_responder(cmd_rec *cmd);

#endif /* SECFTP_STAPLING_H */
