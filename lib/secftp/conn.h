/*
 * conn: what every new server-side TLS connection gets before its
 * handshake -- the context of the host SNI or HOST chose (sni.c), and its
 * ticket policy and I/O layer (reuse.c).
 */

#ifndef SECFTP_CONN_H
#define SECFTP_CONN_H

#include "mod_secftp.h"

/* A secftp_tls_prepare_fn for control and data connections alike.
 * Returns 0, or -1 when ssl cannot be moved to the chosen host.
 */
int secftp_conn_prepare(SSL *ssl, int fd);

#endif /* SECFTP_CONN_H */
