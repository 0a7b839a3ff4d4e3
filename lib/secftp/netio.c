/*
 * netio: TLS-aware NetIO callbacks.
 *
 * ProFTPD keeps one NetIO per stream type; the last module to register it
 * wins.  These callbacks stand in for the core ones: every stream without
 * an SSL connection attached behaves exactly as a plain socket.
 */

#include "secftp/netio.h"
#include "secftp/bulk.h"
#include "secftp/log.h"
#include "secftp/tls.h"

#include <openssl/err.h>

static pr_netio_t *secftp_netio = NULL;

/* The data streams' TLS side (data.c), registered by it. */
static const struct secftp_netio_data_ops *data_ops = NULL;

void secftp_netio_set_data_ops(const struct secftp_netio_data_ops *ops) {
  data_ops = ops;
}

SSL *secftp_netio_get_ssl(pr_netio_stream_t *nstrm) {
  const void *ssl;

  if (nstrm == NULL ||
      nstrm->notes == NULL) {
    return NULL;
  }

  ssl = pr_table_get(nstrm->notes, SECFTP_NETIO_NOTE, NULL);
  return ssl != NULL ? (SSL *) ssl : NULL;
}

int secftp_netio_attach(pr_netio_stream_t *nstrm, SSL *ssl) {
  if (nstrm == NULL ||
      ssl == NULL) {
    errno = EINVAL;
    return -1;
  }

  (void) pr_table_remove(nstrm->notes, SECFTP_NETIO_NOTE, NULL);
  return pr_table_add(nstrm->notes, pstrdup(nstrm->strm_pool,
    SECFTP_NETIO_NOTE), ssl, sizeof(SSL *));
}

SSL *secftp_netio_detach(pr_netio_stream_t *nstrm) {
  SSL *ssl = secftp_netio_get_ssl(nstrm);

  if (ssl != NULL) {
    (void) pr_table_remove(nstrm->notes, SECFTP_NETIO_NOTE, NULL);
  }

  return ssl;
}

void secftp_netio_discard_buffered(pr_netio_stream_t *nstrm) {
  pr_buffer_t *pbuf;

  if (nstrm == NULL) {
    return;
  }

  pbuf = nstrm->strm_buf;
  if (pbuf != NULL) {
    pbuf->current = pbuf->buf;
    pbuf->remaining = pbuf->buflen;
  }
}

static void netio_abort_cb(pr_netio_stream_t *nstrm) {
  nstrm->strm_flags |= PR_NETIO_SESS_ABORT;
}

/* The session is ending (QUIT, timeout, disconnect): the control
 * connection's close_notify goes out before its socket is closed, so that
 * the client can tell the end from a truncation.  The first of the two
 * control streams to close sends it; nothing is read back, and nothing
 * more is ever done with this TLS connection.
 */
static void ctrl_close_notify(pr_netio_stream_t *nstrm) {
  SSL *ssl;

  if (nstrm->strm_type != PR_NETIO_STRM_CTRL) {
    return;
  }

  ssl = secftp_netio_get_ssl(nstrm);
  if (ssl == NULL ||
      (SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN)) {
    return;
  }

  /* Never wait for a client that stopped reading: the socket is about to
   * be closed anyway.
   */
  (void) fcntl(nstrm->strm_fd, F_SETFL,
    fcntl(nstrm->strm_fd, F_GETFL) | O_NONBLOCK);

  ERR_clear_error();
  (void) SSL_shutdown(ssl);

  /* Done: a later SSL_shutdown() (at exit, once the descriptor is closed
   * and maybe reused) must not write anything, not even a retry.
   */
  SSL_set_quiet_shutdown(ssl, 1);
  SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN|SSL_RECEIVED_SHUTDOWN);
  ERR_clear_error();
}

static int netio_close_cb(pr_netio_stream_t *nstrm) {
  int res = 0;

  ctrl_close_notify(nstrm);
  data_ops->finish(nstrm);

  if (nstrm->strm_fd >= 0) {
    res = close(nstrm->strm_fd);
    nstrm->strm_fd = -1;
  }

  return res;
}

static pr_netio_stream_t *netio_open_cb(pr_netio_stream_t *nstrm, int fd,
    int mode) {
  nstrm->strm_fd = fd;
  nstrm->strm_mode = mode;
  return nstrm;
}

static pr_netio_stream_t *netio_reopen_cb(pr_netio_stream_t *nstrm, int fd,
    int mode) {
  if (nstrm->strm_fd >= 0 &&
      nstrm->strm_fd != fd) {
    (void) close(nstrm->strm_fd);
  }

  nstrm->strm_fd = fd;
  nstrm->strm_mode = mode;
  return nstrm;
}

static int netio_postopen_cb(pr_netio_stream_t *nstrm) {
  return data_ops->postopen(nstrm);
}

/* An ABOR that arrives during a transfer must fail the transfer first (its
 * 426) and only then be executed (its 226), as RFC 959 orders the replies.
 * ProFTPD sees it coming by peeking at the raw control socket, which holds
 * only ciphertext under TLS: so peek at the decrypted control stream here,
 * without blocking, and flag the abort as ProFTPD itself would.
 */
static void note_abor_during_xfer(pr_netio_stream_t *nstrm, SSL *ssl) {
  char buf[5];
  size_t n = 0;
  int flags;

  if (ssl == NULL ||
      nstrm->strm_type != PR_NETIO_STRM_CTRL ||
      nstrm->strm_mode != PR_NETIO_IO_RD ||
      !(session.sf_flags & SF_XFER) ||
      (session.sf_flags & SF_ABORT) ||
      session.d == NULL) {
    return;
  }

  flags = fcntl(nstrm->strm_fd, F_GETFL);
  if (flags < 0) {
    return;
  }

  (void) fcntl(nstrm->strm_fd, F_SETFL, flags|O_NONBLOCK);
  ERR_clear_error();
  if (SSL_peek_ex(ssl, buf, sizeof(buf), &n) != 1) {
    n = 0;
  }
  ERR_clear_error();
  (void) fcntl(nstrm->strm_fd, F_SETFL, flags);

  if (n == sizeof(buf) &&
      strncasecmp(buf, "ABOR", 4) == 0 &&
      (buf[4] == '\r' || buf[4] == '\n')) {
    pr_trace_msg(SECFTP_TRACE_DATA, 5, "ABOR during a transfer: aborting it");
    session.sf_flags |= SF_ABORT;
    pr_netio_abort(session.xfer.direction == PR_NETIO_IO_RD ?
      session.d->instrm : session.d->outstrm);
  }
}

/* Bytes already read (or decrypted) and waiting inside OpenSSL leave the
 * socket quiet, and so does a close_notify already read; report the stream
 * readable at once so no command, data or end of data is left stuck
 * behind a select().
 */
static int netio_poll_cb(pr_netio_stream_t *nstrm) {
  fd_set rfds, wfds;
  struct timeval tv;
  SSL *ssl;
  int res;

  ssl = secftp_netio_get_ssl(nstrm);
  if (ssl != NULL &&
      nstrm->strm_mode == PR_NETIO_IO_RD &&
      (secftp_bulk_has_pending(ssl) ||
       (SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN))) {
    note_abor_during_xfer(nstrm, ssl);
    return 1;
  }

  /* Protected data is written into a batch that the TLS layer flushes
   * itself (waiting as needed): no select() per record.
   */
  if (ssl != NULL &&
      nstrm->strm_type == PR_NETIO_STRM_DATA &&
      nstrm->strm_mode == PR_NETIO_IO_WR) {
    return 1;
  }

  FD_ZERO(&rfds);
  FD_ZERO(&wfds);
  if (nstrm->strm_mode == PR_NETIO_IO_RD) {
    FD_SET(nstrm->strm_fd, &rfds);

  } else {
    FD_SET(nstrm->strm_fd, &wfds);
  }

  tv.tv_sec = (nstrm->strm_flags & PR_NETIO_SESS_INTR) ?
    nstrm->strm_interval : 60;
  tv.tv_usec = 0;

  res = select(nstrm->strm_fd + 1, &rfds, &wfds, NULL, &tv);
  if (res > 0) {
    note_abor_during_xfer(nstrm, ssl);
  }

  return res;
}

static int netio_read_cb(pr_netio_stream_t *nstrm, char *buf, size_t len) {
  SSL *ssl = secftp_netio_get_ssl(nstrm);

  if (ssl != NULL) {
    return nstrm->strm_type == PR_NETIO_STRM_DATA ?
      data_ops->read(nstrm, buf, len) : secftp_tls_read(ssl, buf, len);
  }

  return read(nstrm->strm_fd, buf, len);
}

static int netio_write_cb(pr_netio_stream_t *nstrm, char *buf, size_t len) {
  SSL *ssl = secftp_netio_get_ssl(nstrm);

  if (ssl != NULL) {
    return secftp_tls_write(ssl, buf, len);
  }

  return write(nstrm->strm_fd, buf, len);
}

static int netio_shutdown_cb(pr_netio_stream_t *nstrm, int how) {
  /* close_notify goes out before the TCP FIN, or the peer cannot tell a
   * complete transfer from a truncated one.
   */
  if (how == SHUT_WR ||
      how == SHUT_RDWR) {
    data_ops->finish(nstrm);
  }

  return shutdown(nstrm->strm_fd, how);
}

int secftp_netio_install(int strm_types) {
  static const int types[] = { PR_NETIO_STRM_CTRL, PR_NETIO_STRM_DATA };
  size_t i;

  if (data_ops == NULL) {
    /* Without the data side, a protected data stream would be clear. */
    secftp_log("unable to register NetIO: no data stream handlers");
    errno = EPERM;
    return -1;
  }

  if (secftp_netio == NULL) {
    secftp_netio = pr_alloc_netio2(permanent_pool, &secftp_module,
      "mod_secftp");
    secftp_netio->abort = netio_abort_cb;
    secftp_netio->close = netio_close_cb;
    secftp_netio->open = netio_open_cb;
    secftp_netio->poll = netio_poll_cb;
    secftp_netio->postopen = netio_postopen_cb;
    secftp_netio->read = netio_read_cb;
    secftp_netio->reopen = netio_reopen_cb;
    secftp_netio->shutdown = netio_shutdown_cb;
    secftp_netio->write = netio_write_cb;
  }

  for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
    if (!(strm_types & types[i])) {
      continue;
    }

    (void) pr_unregister_netio(types[i]);
    if (pr_register_netio(secftp_netio, types[i]) < 0) {
      secftp_log("unable to register NetIO: %s", strerror(errno));
      return -1;
    }
  }

  return 0;
}
