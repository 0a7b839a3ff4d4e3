/*
 * netio: ProFTPD NetIO callbacks that route a stream through TLS once an
 * SSL connection is attached to it, and through the plain socket before.
 */

#ifndef SECFTP_NETIO_H
#define SECFTP_NETIO_H

#include "mod_secftp.h"

/* The stream note under which a stream's SSL connection is kept. */
#define SECFTP_NETIO_NOTE	"mod_secftp.SSL"

/* Registers the module's NetIO for the given stream types
 * (PR_NETIO_STRM_CTRL and/or PR_NETIO_STRM_DATA).  Returns 0 or -1.
 */
int secftp_netio_install(int strm_types);

/* What the data streams do under TLS, supplied by data.c so that this
 * unit does not depend on it.  Must be set before
 * secftp_netio_install(), which otherwise refuses (fail closed).
 */
struct secftp_netio_data_ops {
  int (*postopen)(pr_netio_stream_t *nstrm);
  void (*finish)(pr_netio_stream_t *nstrm);
  int (*read)(pr_netio_stream_t *nstrm, char *buf, size_t len);
};

void secftp_netio_set_data_ops(const struct secftp_netio_data_ops *ops);

/* Attaches ssl to a stream, so that its I/O goes through TLS. */
int secftp_netio_attach(pr_netio_stream_t *nstrm, SSL *ssl);

/* Detaches the stream's SSL connection (not freed).  Returns it, or NULL. */
SSL *secftp_netio_detach(pr_netio_stream_t *nstrm);

/* The SSL connection attached to a stream, or NULL. */
SSL *secftp_netio_get_ssl(pr_netio_stream_t *nstrm);

/* Discards whatever a stream has buffered but not yet handed out: bytes a
 * client sent in plaintext before a handshake must never be executed as if
 * they had been protected.
 */
void secftp_netio_discard_buffered(pr_netio_stream_t *nstrm);

#endif /* SECFTP_NETIO_H */
