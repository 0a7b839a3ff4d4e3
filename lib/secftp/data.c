/*
 * data: the TLS side of data connections.
 */

#include "secftp/data.h"
#include "secftp/bulk.h"
#include "secftp/conn.h"
#include "secftp/dataconn.h"
#include "secftp/log.h"
#include "secftp/netio.h"
#include "secftp/reuse.h"
#include "secftp/session.h"
#include "secftp/sscn.h"
#include "secftp/tls.h"

#include <openssl/err.h>

/* ProFTPD's pending error replies (not in its public headers). */
extern pr_response_t *resp_err_list;

/* A protected transfer moves this much per call between ProFTPD and the
 * TLS layer: 16 records, so a download is one read(2) of the file and one
 * write(2) to the socket per 256 KiB instead of six calls per record.
 */
#define DATA_XFER_BUFSZ		(256 * 1024)


static const char *peer(void) {
  return session.d != NULL && session.d->remote_addr != NULL ?
    pr_netaddr_get_ipstr(session.d->remote_addr) : "?";
}

static int refuse_connection(int fd, SSL *ssl, const char *why) {
  secftp_session_set_data_refusal(why);
  secftp_log("data connection from %s refused (522, SecureSessionReuse "
    "%s): %s", peer(), secftp_sess.settings.reuse == SECFTP_REUSE_REQUIRED ?
    "required" : "allowed", why);
  pr_event_generate(SECFTP_EVENT_PREFIX "policy-denied",
    "SecureSessionReuse");

  if (ssl != NULL) {
    /* The thief, or the confused client, gets no data: an alert, then
     * the connection closes.
     */
    ERR_clear_error();
    (void) SSL_shutdown(ssl);
    (void) secftp_bulk_flush(ssl, 1);
    SSL_free(ssl);
  }

  /* Closed both ways now: ProFTPD's lingering close would otherwise wait
   * up to 10 s for a peer that may never close (a silent client, a thief)
   * before the 522 goes out.
   */
  (void) shutdown(fd, SHUT_RDWR);

  session.d->xerrno = errno = EPERM;
  return -1;
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

int secftp_data_postopen(pr_netio_stream_t *nstrm) {
  const char *problem = NULL, *why = NULL;
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

  /* ProFTPD corks data sockets; a corked handshake flight would sit in
   * the kernel for 200 ms before going out.
   */
  (void) pr_inet_set_proto_cork(PR_NETIO_FD(nstrm), FALSE);

  /* SSCN ON: this server is the TLS client of a site-to-site transfer. */
  ssl = secftp_sess.sscn_ctx != NULL ?
    secftp_sscn_connect(PR_NETIO_FD(nstrm), &problem) :
    secftp_tls_accept(secftp_sess.ctx, PR_NETIO_FD(nstrm),
      secftp_sess.settings.handshake_timeout, secftp_conn_prepare, &problem);
  if (ssl == NULL) {
    char why_failed[128];

    pr_snprintf(why_failed, sizeof(why_failed),
      "data TLS handshake failed: %s", problem);
    return refuse_connection(PR_NETIO_FD(nstrm), NULL, why_failed);
  }

  /* Session reuse ties a data connection to the control client; the
   * other server of an SSCN transfer is checked by its certificate
   * instead (SecureVerifyServer, in sscn.c).
   */
  if (secftp_sess.sscn_ctx == NULL &&
      secftp_reuse_check(ssl, &why) < 0) {
    char offered[128];

    pr_snprintf(offered, sizeof(offered), "the client offered %s", why);
    return refuse_connection(PR_NETIO_FD(nstrm), ssl, offered);
  }

  secftp_reuse_issue_transfer_ticket(ssl, FALSE);

  if (secftp_netio_attach(session.d->instrm, ssl) < 0 ||
      secftp_netio_attach(session.d->outstrm, ssl) < 0) {
    /* Fail closed: a data stream without its TLS connection would move
     * the transfer in the clear.
     */
    detach_data_streams(ssl);
    return refuse_connection(PR_NETIO_FD(nstrm), ssl, "unable to route "
      "the data connection through TLS");
  }
  pr_trace_msg(SECFTP_TRACE_DATA, 9, "data connection protected: %s, %s%s%s",
    SSL_get_version(ssl), SSL_get_cipher_name(ssl),
    SSL_session_reused(ssl) ? ", resumed" : "",
    BIO_get_ktls_send(SSL_get_wbio(ssl)) ? ", kernel TLS" : "");
  pr_event_generate(SECFTP_EVENT_PREFIX "data-handshake", ssl);
  return 0;
}

void secftp_data_register_netio(void) {
  static const struct secftp_netio_data_ops ops = {
    secftp_data_postopen, secftp_data_finish, secftp_data_read
  };

  secftp_netio_set_data_ops(&ops);

  /* A long write of a batch still lets ProFTPD's timers and signals act. */
  secftp_bulk_set_interrupt_hook(pr_signals_handle);
}

void secftp_data_finish(pr_netio_stream_t *nstrm) {
  long timeout = secftp_sess.settings.handshake_timeout;
  SSL *ssl;

  if (nstrm->strm_type != PR_NETIO_STRM_DATA) {
    return;
  }

  ssl = secftp_netio_detach(nstrm);
  if (ssl == NULL) {
    return;
  }

  detach_data_streams(ssl);

  if ((nstrm->strm_flags & PR_NETIO_SESS_ABORT) ||
      (session.sf_flags & SF_ABORT)) {
    /* An aborted download: the client no longer reads, so what is still
     * batched would only stall the close.
     */
    secftp_bulk_discard(ssl);

  } else {
    /* close_notify after the last records, in the same write(2), before
     * the FIN: a client tells a complete transfer from a cut one by it.
     */
    secftp_reuse_issue_transfer_ticket(ssl, TRUE);
    ERR_clear_error();
    (void) SSL_shutdown(ssl);
    (void) secftp_bulk_flush(ssl, timeout);
  }

  ERR_clear_error();
  SSL_free(ssl);
}

/* An upload that ended with an error: when the peer simply closed the TCP
 * connection between two records, the data is whole as far as anyone can
 * tell, and only the missing close_notify is logged; a connection cut
 * inside a record lost bytes and fails the transfer.
 */
static int read_failed(SSL *ssl, int xerrno) {
  if (secftp_bulk_saw_eof(ssl)) {
    if (secftp_bulk_eof_on_record_boundary(ssl)) {
      secftp_log("data connection from %s ended without close_notify, on a "
        "record boundary (%" PR_LU " bytes received): accepted", peer(),
        (pr_off_t) session.xfer.total_bytes);
      return 0;
    }

    secftp_log("data connection from %s cut inside a TLS record after %"
      PR_LU " bytes: transfer failed", peer(),
      (pr_off_t) session.xfer.total_bytes);
    errno = EPIPE;
    return -1;
  }

  errno = xerrno;
  return -1;
}

int secftp_data_read(pr_netio_stream_t *nstrm, char *buf, size_t len) {
  SSL *ssl = secftp_netio_get_ssl(nstrm);
  size_t total;
  int res;

  res = secftp_tls_read(ssl, buf, len);
  if (res < 0) {
    return read_failed(ssl, errno);
  }

  /* Fill the caller's buffer from what has already arrived, without
   * waiting for more: one call per batch instead of one per record.
   */
  total = (size_t) res;
  secftp_bulk_set_nonblocking_reads(ssl, TRUE);
  while (res > 0 &&
         total < len &&
         secftp_bulk_has_pending(ssl)) {
    size_t n = 0;

    ERR_clear_error();
    if (SSL_read_ex(ssl, buf + total, len - total, &n) != 1) {
      /* Nothing more for now; an error or close_notify shows up again on
       * the next call.
       */
      break;
    }

    total += n;
  }
  secftp_bulk_set_nonblocking_reads(ssl, FALSE);

  return (int) total;
}

/* ProFTPD sizes its transfer buffer from the TCP buffer sizes (16 KiB by
 * default, one TLS record).  Unless the admin set them (SocketOptions),
 * protected transfers move 256 KiB per call; the sockets are untouched.
 */
static void use_large_xfer_buffer(void) {
  if (!main_server->tcp_sndbuf_override &&
      main_server->tcp_sndbuf_len < DATA_XFER_BUFSZ) {
    main_server->tcp_sndbuf_len = DATA_XFER_BUFSZ;
  }

  if (!main_server->tcp_rcvbuf_override &&
      main_server->tcp_rcvbuf_len < DATA_XFER_BUFSZ) {
    main_server->tcp_rcvbuf_len = DATA_XFER_BUFSZ;
  }
}

static int is_listing(cmd_rec *cmd) {
  return pr_cmd_cmp(cmd, PR_CMD_LIST_ID) == 0 ||
    pr_cmd_cmp(cmd, PR_CMD_NLST_ID) == 0 ||
    pr_cmd_cmp(cmd, PR_CMD_MLSD_ID) == 0;
}

modret_t *secftp_data_pre_cmd(cmd_rec *cmd) {
  modret_t *refused;

  refused = secftp_dataconn_check(cmd);
  if (refused != NULL) {
    return refused;
  }

  if (!secftp_dataconn_is_data_cmd(cmd)) {
    return PR_DECLINED(cmd);
  }

  secftp_session_set_data_refusal(NULL);

  if (secftp_sess.prot == 'P') {
    /* Second guard for sendfile(2), which would bypass TLS: tell mod_xfer
     * again, right before the transfer, that the data is protected.
     */
    secftp_session_announce_prot();
    secftp_reuse_before_transfer();

    /* Listings are small; ProFTPD keeps a transfer buffer in its pools
     * for the rest of the session, so only file transfers get a big one.
     */
    if (!is_listing(cmd)) {
      use_large_xfer_buffer();
    }
  }

  return PR_DECLINED(cmd);
}

modret_t *secftp_data_post_err(cmd_rec *cmd) {
  if (secftp_sess.data_refusal[0] == '\0') {
    return PR_DECLINED(cmd);
  }

  /* ProFTPD answers any failed data connection with 425; RFC 4217 wants
   * 522 for a refused TLS negotiation, so that reply replaces it.
   */
  pr_response_clear(&resp_err_list);
  pr_response_add_err(R_522, _("Data connection refused "
    "(SecureSessionReuse): %s"), secftp_sess.data_refusal);
  secftp_session_set_data_refusal(NULL);
  return PR_DECLINED(cmd);
}
