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

#endif /* SECFTP_DATA_H */
