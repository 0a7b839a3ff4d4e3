/*
 * data: protection of data connections (PROT P).
 */

#ifndef SECFTP_DATA_H
#define SECFTP_DATA_H

#include "mod_secftp.h"

/* Called when ProFTPD has opened a data stream: with PROT P, runs the data
 * handshake (once per connection) and routes both data streams through
 * it.  Returns 0, or -1 with errno set and session.d->xerrno set.
 */
int secftp_data_postopen(pr_netio_stream_t *nstrm);

/* Called when a data stream is closed or shut down for writing: sends
 * close_notify and frees the connection's TLS state, once.
 */
void secftp_data_finish(pr_netio_stream_t *nstrm);

/* Reads from a protected data stream: as much as has arrived, up to len.
 * An upload cut inside a TLS record fails (-1); one that lacks only
 * close_notify is logged and ends normally (0).
 */
int secftp_data_read(pr_netio_stream_t *nstrm, char *buf, size_t len);

/* Hands the three functions above to netio.c (before it is installed). */
void secftp_data_register_netio(void);

/* PRE_CMD: SecureDataConn (dataconn.c: 521 before any 150, 534 for what a
 * clear control connection would show), and the set-up of a protected
 * transfer for the data commands.
 */
modret_t *secftp_data_pre_cmd(cmd_rec *cmd);

/* POST_CMD_ERR for the data commands: a data connection refused by TLS or
 * SecureSessionReuse is answered 522, not ProFTPD's 425.
 */
modret_t *secftp_data_post_err(cmd_rec *cmd);

#endif /* SECFTP_DATA_H */
