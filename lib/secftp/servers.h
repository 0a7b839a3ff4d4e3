/*
 * servers: the daemon builds every server's TLS context once, before any
 * session forks, so that a session pays nothing to set one up and a plain
 * FTP session pays nothing at all.  Each feature puts its callbacks on
 * the context here (certificates, verification, SNI, reuse, tickets,
 * session cache, ALPN).
 */

#ifndef SECFTP_SERVERS_H
#define SECFTP_SERVERS_H

#include "mod_secftp.h"

/* Builds the contexts of every server in server_list whose SecureEngine is
 * on.  Returns 0, or -1 after logging every problem with the directive and
 * the server it concerns.
 */
int secftp_servers_build(void);

/* Frees every server context (daemon restart and shutdown). */
void secftp_servers_free(void);

#endif /* SECFTP_SERVERS_H */
