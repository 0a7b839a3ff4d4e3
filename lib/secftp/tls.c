/*
 * tls: handshakes, record I/O and shutdowns of one server-side TLS
 * connection.
 */

#include "secftp/tls.h"
#include "secftp/log.h"

#include <openssl/err.h>
#include <poll.h>

/* Waits until fd is ready for what SSL asked for, or the deadline passes.
 * Returns 1 when ready, 0 on timeout, -1 on error.
 */
static int wait_for_ssl(int fd, int ssl_error, time_t deadline) {
  struct pollfd pfd;

  while (TRUE) {
    time_t now = time(NULL);
    int res;

    if (now >= deadline) {
      return 0;
    }

    pfd.fd = fd;
    pfd.events = ssl_error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
    pfd.revents = 0;

    res = poll(&pfd, 1, (int) (deadline - now) * 1000);
    if (res > 0) {
      return 1;
    }

    if (res == 0) {
      return 0;
    }

    if (errno != EINTR) {
      return -1;
    }

    pr_signals_handle();
  }
}

/* Drives one non-blocking OpenSSL operation (handshake or shutdown) to its
 * end.  Returns 1 on success, 0 on timeout, -1 on failure.
 */
static int drive_until_done(SSL *ssl, int fd, int (*step)(SSL *),
    time_t deadline) {
  while (TRUE) {
    int res, err;

    ERR_clear_error();
    res = step(ssl);
    if (res == 1) {
      return 1;
    }

    err = SSL_get_error(ssl, res);
    if (err != SSL_ERROR_WANT_READ &&
        err != SSL_ERROR_WANT_WRITE) {
      return -1;
    }

    res = wait_for_ssl(fd, err, deadline);
    if (res <= 0) {
      return res;
    }
  }
}

/* Runs step (SSL_accept or SSL_connect) on ssl to the end of the
 * handshake, bounded by timeout seconds.  Returns ssl, or NULL (ssl freed)
 * with *problem set.
 */
static SSL *run_handshake(SSL *ssl, int fd, int (*step)(SSL *), long timeout,
    const char **problem) {
  int flags, res, switch_mode;

  /* Non-blocking for the handshake only, so that SecureHandshakeTimeout
   * bounds it; later I/O keeps ProFTPD's blocking semantics.  Data
   * sockets come non-blocking already: two fcntl(2)s fewer per transfer.
   */
  flags = fcntl(fd, F_GETFL);
  switch_mode = flags >= 0 && !(flags & O_NONBLOCK);
  if (switch_mode) {
    (void) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  }

  res = drive_until_done(ssl, fd, step, time(NULL) + timeout);

  if (switch_mode) {
    (void) fcntl(fd, F_SETFL, flags);
  }

  if (res == 1) {
    pr_trace_msg(SECFTP_TRACE_TLS, 9, "handshake done: %s, %s",
      SSL_get_version(ssl), SSL_get_cipher_name(ssl));
    return ssl;
  }

  *problem = res == 0 ? "handshake timed out (SecureHandshakeTimeout)" :
    "handshake failed";
  secftp_log_openssl_errors("TLS handshake");
  SSL_free(ssl);
  return NULL;
}

/* A new connection on fd, prepared; NULL (with *problem set) if it cannot
 * be had.
 */
static SSL *new_connection(SSL_CTX *ctx, int fd, secftp_tls_prepare_fn prepare,
    const char **problem) {
  SSL *ssl;

  ssl = SSL_new(ctx);
  if (ssl == NULL ||
      SSL_set_fd(ssl, fd) != 1 ||
      (prepare != NULL && prepare(ssl, fd) < 0)) {
    secftp_log_openssl_errors("unable to start a TLS connection");
    SSL_free(ssl);
    *problem = "out of resources";
    return NULL;
  }

  return ssl;
}

SSL *secftp_tls_accept(SSL_CTX *ctx, int fd, long timeout,
    secftp_tls_prepare_fn prepare, const char **problem) {
  SSL *ssl = new_connection(ctx, fd, prepare, problem);

  return ssl != NULL ?
    run_handshake(ssl, fd, SSL_accept, timeout, problem) : NULL;
}

SSL *secftp_tls_connect(SSL_CTX *ctx, int fd, long timeout,
    const char **problem) {
  SSL *ssl = new_connection(ctx, fd, NULL, problem);

  return ssl != NULL ?
    run_handshake(ssl, fd, SSL_connect, timeout, problem) : NULL;
}

int secftp_tls_read(SSL *ssl, char *buf, size_t len) {
  while (TRUE) {
    int res, err;

    ERR_clear_error();
    res = SSL_read(ssl, buf, (int) (len > INT_MAX ? INT_MAX : len));
    if (res > 0) {
      return res;
    }

    err = SSL_get_error(ssl, res);
    switch (err) {
      case SSL_ERROR_ZERO_RETURN:
        return 0;

      case SSL_ERROR_WANT_READ:
      case SSL_ERROR_WANT_WRITE:
        if (wait_for_ssl(SSL_get_fd(ssl), err, time(NULL) + 600) > 0) {
          continue;
        }
        errno = ETIMEDOUT;
        return -1;

      case SSL_ERROR_SYSCALL:
        if (errno == EINTR) {
          pr_signals_handle();
          continue;
        }

        /* EOF without close_notify: a truncation as far as TLS can tell. */
        errno = ECONNRESET;
        return -1;

      default:
        secftp_log_openssl_errors("TLS read");
        errno = EPROTO;
        return -1;
    }
  }
}

int secftp_tls_write(SSL *ssl, const char *buf, size_t len) {
  size_t done = 0;

  while (done < len) {
    size_t written = 0;
    int res, err;

    ERR_clear_error();
    res = SSL_write_ex(ssl, buf + done, len - done, &written);
    if (res == 1) {
      done += written;
      continue;
    }

    err = SSL_get_error(ssl, res);
    if (err == SSL_ERROR_WANT_READ ||
        err == SSL_ERROR_WANT_WRITE) {
      if (wait_for_ssl(SSL_get_fd(ssl), err, time(NULL) + 600) > 0) {
        continue;
      }
      errno = ETIMEDOUT;
      return -1;
    }

    if (err == SSL_ERROR_SYSCALL &&
        errno == EINTR) {
      pr_signals_handle();
      continue;
    }

    secftp_log_openssl_errors("TLS write");
    errno = err == SSL_ERROR_SYSCALL ? EPIPE : EPROTO;
    return -1;
  }

  return (int) len;
}

/* A shutdown step that counts as done only once the peer's close_notify
 * has arrived: SSL_shutdown() returns 0 after sending ours.
 */
static int bidirectional_shutdown(SSL *ssl) {
  int res;

  res = SSL_shutdown(ssl);
  if (res == 0) {
    res = SSL_shutdown(ssl);
  }

  return res;
}

void secftp_tls_close(SSL *ssl, int wait_for_peer, long timeout) {
  int fd, flags;

  if (ssl == NULL) {
    return;
  }

  fd = SSL_get_fd(ssl);
  if (!wait_for_peer) {
    /* One close_notify, without waiting for the peer's. */
    ERR_clear_error();
    (void) SSL_shutdown(ssl);

  } else if (fd >= 0) {
    flags = fcntl(fd, F_GETFL);
    (void) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    (void) drive_until_done(ssl, fd, bidirectional_shutdown, time(NULL) + timeout);
    (void) fcntl(fd, F_SETFL, flags);
  }

  ERR_clear_error();
  SSL_free(ssl);
}
