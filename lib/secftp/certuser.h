/*
 * certuser: the SecureCertMap file of a server, and the user ID that the
 * verified client certificate of this session's control connection maps
 * to, with the facts it publishes (SECFTP_CLIENT_*, SECFTP_CERT_USER).
 */

#ifndef SECFTP_CERTUSER_H
#define SECFTP_CERTUSER_H

#include "mod_secftp.h"
#include "secftp/certmap.h"

/* Reads and parses a SecureCertMap file (at parse time, as root).  Returns
 * NULL and sets *map, or a message naming the file, the line and the
 * problem, allocated from p.
 */
const char *secftp_certuser_load_map(pool *p, const char *path,
  struct secftp_certmap **map);

/* Keeps map until secftp_certuser_free_maps() (restart, shutdown).
 * Returns 0, or -1 with errno ENOMEM.
 */
int secftp_certuser_keep_map(struct secftp_certmap *map);
void secftp_certuser_free_maps(void);

/* Listens for this session's control connection handshakes. */
void secftp_certuser_sess_init(void);

/* TRUE when the current protected control connection presented a
 * verified client certificate.
 */
int secftp_certuser_has_cert(void);

/* The user that certificate maps to, or NULL (no certificate, no rule, or
 * the control connection is no longer the one that presented it, after
 * CCC or REIN).
 */
const char *secftp_certuser_mapped(void);


/* usage: SecureCertMap file|redis:KEY (a file is parsed whole at
 * startup: a bad rule stops it with the map's file and line).
 */
modret_t *secftp_set_certmap(cmd_rec *cmd);

#endif /* SECFTP_CERTUSER_H */
