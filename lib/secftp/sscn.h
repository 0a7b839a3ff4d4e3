/*
 * sscn: site-to-site transfers over TLS (FXP).  SSCN ON makes this server
 * the TLS client on its protected data connections, so that two servers,
 * each told by the same FTP client to PASV and PORT to the other, can
 * protect the connection between them: one must accept, the other
 * connect.  SSCN and its replies follow the convention of the FTP servers
 * that introduced it (doc/mod_secftp.html, "Site-to-site transfers").
 *
 * Each server with SecureEngine on gets a TLS client context in the
 * daemon, before any session forks, with this server's certificate (shown
 * if the other server asks for one), its SecureProtocol and CipherSuite,
 * and the trust anchors of SecureCACertificate to verify the other server
 * (SecureVerifyServer).
 */

#ifndef SECFTP_SSCN_H
#define SECFTP_SSCN_H

#include "mod_secftp.h"

#define C_SSCN		"SSCN"

/* Builds the client contexts of every server with SecureEngine on (after
 * secftp_servers_build).  Returns 0, or -1 after logging why.
 */
int secftp_sscn_build_clients(void);

/* Frees them (restart, shutdown). */
void secftp_sscn_free_clients(void);

/* sess_init: SSCN in FEAT and HELP. */
void secftp_sscn_sess_init(void);

/* Runs the client side of a data connection's handshake on fd with the
 * session's SSCN context and checks the other server's certificate.
 * Returns the connection, or NULL with *problem set.
 */
SSL *secftp_sscn_connect(int fd, const char **problem);


/* SSCN [ON|OFF] */
modret_t *secftp_cmd_sscn(cmd_rec *cmd);

#endif /* SECFTP_SSCN_H */
