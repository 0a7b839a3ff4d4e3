/*
 * ctrltls: the control connection's TLS, on and off.
 */

#include "secftp/ctrltls.h"
#include "secftp/conn.h"
#include "secftp/log.h"
#include "secftp/netio.h"
#include "secftp/session.h"
#include "secftp/tls.h"

#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>

/* The first byte of a TLS record is its content type: change_cipher_spec
 * (20), alert (21), handshake (22) or application data (23).  No FTP
 * command starts with one of these bytes.
 */
#define TLS_CONTENT_TYPE_MIN	20
#define TLS_CONTENT_TYPE_MAX	23

void secftp_ctrltls_protect(const char *how) {
  pr_netio_stream_t *in = session.c->instrm, *out = session.c->outstrm;
  const char *problem = NULL;
  SSL *ssl;

  ssl = secftp_tls_accept(secftp_sess.ctx, PR_NETIO_FD(in),
    secftp_sess.settings.handshake_timeout, secftp_conn_prepare,
    &problem);
  if (ssl == NULL) {
    secftp_log("%s: control TLS handshake with %s failed: %s; closing the "
      "connection", how, pr_netaddr_get_ipstr(session.c->remote_addr),
      problem);
    pr_session_disconnect(&secftp_module, PR_SESS_DISCONNECT_BY_APPLICATION,
      problem);
  }

  /* Whatever arrived in the clear before the handshake is dropped, not
   * executed as if it had been protected (CVE-2011-0411 class).
   */
  secftp_netio_discard_buffered(in);

  /* Fail closed: a control stream that cannot be put under TLS must not
   * go on in the clear.
   */
  if (secftp_netio_attach(in, ssl) < 0 ||
      secftp_netio_attach(out, ssl) < 0) {
    secftp_log("%s: unable to protect the control connection from %s: %s; "
      "closing the connection", how,
      pr_netaddr_get_ipstr(session.c->remote_addr), strerror(errno));
    pr_session_disconnect(&secftp_module, PR_SESS_DISCONNECT_BY_APPLICATION,
      "unable to protect the control connection");
  }

  secftp_session_protect_ctrl(ssl);

  secftp_log("%s: control connection from %s protected: %s, %s", how,
    pr_netaddr_get_ipstr(session.c->remote_addr), SSL_get_version(ssl),
    SSL_get_cipher_name(ssl));
  pr_event_generate(SECFTP_EVENT_PREFIX "ctrl-handshake", ssl);
}

/* What the client sends next, once the reply to CCC/REIN is out. */
enum next_bytes {
  NEXT_NOTHING = 0,	/* nothing before the deadline, or EOF/error */
  NEXT_TLS,		/* a TLS record (its close_notify, we expect) */
  NEXT_CLEAR		/* plaintext: it went on without close_notify */
};

/* Waits until the client sends something or the deadline passes, and
 * tells TLS from plaintext by peeking at one byte, never consuming it.
 */
static enum next_bytes peek_next(int fd, time_t deadline) {
  while (TRUE) {
    struct pollfd pfd;
    unsigned char first;
    time_t now = time(NULL);
    int res;

    if (now >= deadline) {
      return NEXT_NOTHING;
    }

    pfd.fd = fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    res = poll(&pfd, 1, (int) (deadline - now) * 1000);
    if (res < 0 &&
        errno == EINTR) {
      pr_signals_handle();
      continue;
    }

    if (res <= 0 ||
        recv(fd, &first, 1, MSG_PEEK) != 1) {
      return NEXT_NOTHING;
    }

    return first >= TLS_CONTENT_TYPE_MIN && first <= TLS_CONTENT_TYPE_MAX ?
      NEXT_TLS : NEXT_CLEAR;
  }
}

/* Reads records until the client's close_notify, up to the deadline.
 * Only bytes that start a TLS record are handed to OpenSSL, and OpenSSL
 * (without read-ahead) reads exactly one record at a time, so a plaintext
 * command that follows is left in the socket for ProFTPD.
 */
static void read_close_notify(SSL *ssl, int fd, time_t deadline) {
  char discard[512];

  while (!(SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN)) {
    int res, err;

    if (peek_next(fd, deadline) != NEXT_TLS) {
      return;
    }

    ERR_clear_error();
    res = SSL_read(ssl, discard, sizeof(discard));
    if (res > 0) {
      /* Protected data sent after the reply: not a command any more. */
      continue;
    }

    err = SSL_get_error(ssl, res);
    if (err != SSL_ERROR_WANT_READ &&
        err != SSL_ERROR_ZERO_RETURN) {
      return;
    }
  }
}

/* The close_notify exchange of CCC and REIN, tolerant of every client:
 *
 * - one that sends its close_notify at once (curl, Python, lftp): read it,
 *   then answer with ours.  Answering second matters: a client still
 *   reading the 200 may take a close_notify that arrives with it for the
 *   end of the connection (lftp does);
 * - one that goes on in the clear at once: send nothing more, so that no
 *   TLS bytes land in its plaintext replies;
 * - one that waits for ours first: after a short grace, send it, then
 *   read theirs.
 */
static int exchange_close_notify(SSL *ssl, int fd, long timeout) {
  time_t deadline = time(NULL) + timeout;

  switch (peek_next(fd, time(NULL) + 1)) {
    case NEXT_TLS:
      read_close_notify(ssl, fd, deadline);
      if (SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN) {
        ERR_clear_error();
        (void) SSL_shutdown(ssl);
        return TRUE;
      }
      break;

    case NEXT_CLEAR:
      pr_trace_msg(SECFTP_TRACE_TLS, 9, "client went on in the clear "
        "without close_notify");
      return FALSE;

    case NEXT_NOTHING:
      break;
  }

  ERR_clear_error();
  (void) SSL_shutdown(ssl);
  read_close_notify(ssl, fd, deadline);
  if (!(SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN)) {
    secftp_log("no close_notify from the client (within %lds); going on "
      "in the clear", timeout);
    return FALSE;
  }

  return TRUE;
}

int secftp_ctrltls_unprotect(int notify, int ccc) {
  SSL *ssl = secftp_sess.ctrl_ssl;
  int fd, exchanged = FALSE;

  if (ssl == NULL ||
      !(secftp_sess.state & SECFTP_STATE_CTRL_TLS)) {
    return FALSE;
  }

  (void) secftp_netio_detach(session.c->instrm);
  (void) secftp_netio_detach(session.c->outstrm);

  /* Commands the client pipelined behind CCC/REIN inside TLS are dropped,
   * like those in later records (read_close_notify): what arrives after
   * the reply is never taken for a command.
   */
  secftp_netio_discard_buffered(session.c->instrm);

  fd = SSL_get_fd(ssl);
  if (notify) {
    int flags = fcntl(fd, F_GETFL);

    /* Non-blocking, so that a client that never answers cannot hold the
     * session: OpenSSL returns WANT_READ instead of waiting.
     */
    (void) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    exchanged = exchange_close_notify(ssl, fd,
      secftp_sess.settings.handshake_timeout);
    (void) fcntl(fd, F_SETFL, flags);
  }

  /* Nothing more is ever sent or expected on this TLS connection; the
   * object stays (the session is the one data connections resume) until
   * the session ends or a new AUTH replaces it.
   */
  SSL_set_quiet_shutdown(ssl, 1);
  SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN|SSL_RECEIVED_SHUTDOWN);
  ERR_clear_error();

  secftp_session_clear_ctrl(ccc);
  return exchanged;
}
