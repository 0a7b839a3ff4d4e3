/*
 * data: the TLS side of data connections.
 */

#include "secftp/data.h"
#include "secftp/log.h"
#include "secftp/netio.h"
#include "secftp/session.h"
#include "secftp/tls.h"

int secftp_data_postopen(pr_netio_stream_t *nstrm) {
  const char *problem = NULL;
  SSL *ssl;

  if (nstrm->strm_type != PR_NETIO_STRM_DATA ||
      secftp_sess.prot != 'P' ||
      session.d == NULL) {
    return 0;
  }

  /* ProFTPD opens a read and a write stream on the one data socket and
   * calls this for both; the handshake belongs to the connection, so it
   * runs once, for whichever stream comes first.
   */
  if (secftp_netio_get_ssl(session.d->instrm) != NULL ||
      secftp_netio_get_ssl(session.d->outstrm) != NULL) {
    return 0;
  }

  ssl = secftp_tls_accept(secftp_sess.ctx, PR_NETIO_FD(nstrm),
    secftp_sess.settings.handshake_timeout, &problem);
  if (ssl == NULL) {
    secftp_log("data connection from %s refused: %s",
      pr_netaddr_get_ipstr(session.d->remote_addr), problem);
    session.d->xerrno = errno = EPERM;
    return -1;
  }

  (void) secftp_netio_attach(session.d->instrm, ssl);
  (void) secftp_netio_attach(session.d->outstrm, ssl);
  pr_trace_msg(SECFTP_TRACE_DATA, 9, "data connection protected: %s, %s%s",
    SSL_get_version(ssl), SSL_get_cipher_name(ssl),
    SSL_session_reused(ssl) ? ", resumed" : "");
  pr_event_generate(SECFTP_EVENT_PREFIX "data-handshake", ssl);
  return 0;
}

/* Detaches ssl from whichever data stream still holds it. */
static void detach_data_streams(SSL *ssl) {
  if (session.d == NULL) {
    return;
  }

  if (secftp_netio_get_ssl(session.d->instrm) == ssl) {
    (void) secftp_netio_detach(session.d->instrm);
  }

  if (secftp_netio_get_ssl(session.d->outstrm) == ssl) {
    (void) secftp_netio_detach(session.d->outstrm);
  }
}

void secftp_data_finish(pr_netio_stream_t *nstrm) {
  SSL *ssl;

  if (nstrm->strm_type != PR_NETIO_STRM_DATA) {
    return;
  }

  ssl = secftp_netio_detach(nstrm);
  if (ssl == NULL) {
    return;
  }

  detach_data_streams(ssl);
  secftp_tls_close(ssl, FALSE, 0);
}
