/*
 * tls: server contexts, handshakes and record I/O.
 */

#include "secftp/tls.h"
#include "secftp/certfile.h"
#include "secftp/confpos.h"
#include "secftp/keys.h"
#include "secftp/alpn.h"
#include "secftp/fleet.h"
#include "secftp/log.h"
#include "secftp/reuse.h"
#include "secftp/sni.h"
#include "secftp/verify.h"
#include "secftp/vhostid.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <poll.h>

struct server_tls {
  struct server_tls *next;
  server_rec *server;
  SSL_CTX *ctx;
  struct secftp_settings settings;
};

/* ProFTPD's list of configured servers (not in its public headers). */
extern xaset_t *server_list;

static struct server_tls *server_tls_list = NULL;

/* The first OpenSSL error on the queue, as text, or fallback. */
static const char *openssl_reason(pool *p, const char *fallback) {
  unsigned long code;

  code = ERR_peek_last_error();
  if (code == 0) {
    return fallback;
  }

  return pstrdup(p, ERR_reason_error_string(code) ?
    ERR_reason_error_string(code) : fallback);
}

/* Maps the SecureProtocol bit set onto the context's version range.  A gap
 * in the set (TLSv1 and TLSv1.2 without TLSv1.1) is closed with an
 * SSL_OP_NO_* option.
 */
static void set_protocol_range(SSL_CTX *ctx, unsigned int protocols) {
  static const struct {
    unsigned int bit;
    int version;
    unsigned long no_op;
  } versions[] = {
    { SECFTP_PROTO_TLS1_0, TLS1_VERSION, SSL_OP_NO_TLSv1 },
    { SECFTP_PROTO_TLS1_1, TLS1_1_VERSION, SSL_OP_NO_TLSv1_1 },
    { SECFTP_PROTO_TLS1_2, TLS1_2_VERSION, SSL_OP_NO_TLSv1_2 },
    { SECFTP_PROTO_TLS1_3, TLS1_3_VERSION, SSL_OP_NO_TLSv1_3 },
  };
  size_t i;
  int lowest = 0, highest = 0;

  for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
    if (protocols & versions[i].bit) {
      if (lowest == 0) {
        lowest = versions[i].version;
      }
      highest = versions[i].version;

    } else if (lowest != 0) {
      SSL_CTX_set_options(ctx, versions[i].no_op);
    }
  }

  SSL_CTX_set_min_proto_version(ctx, lowest);
  SSL_CTX_set_max_proto_version(ctx, highest);
}

/* " (Directive on line N of 'file')" for an error found after parsing. */
static const char *where(server_rec *s, const char *name, const void *argv0) {
  return secftp_confpos_where(s->pool, s, name, argv0);
}

/* Where the cipher settings were written: the first of their directives
 * that s has.
 */
static const char *cipher_where(server_rec *s) {
  static const char *const names[] = { "CipherSuite", "SecureCipherSuite",
    "SecureProtocol", "SecureGroups", NULL };

  return secftp_confpos_where_any(s->pool, s, names);
}

static int load_certificates(SSL_CTX *ctx, server_rec *s,
    const struct secftp_settings *st) {
  const struct secftp_cert_files *files = st->certs->elts;
  const char *problem = NULL;
  unsigned int i;

  for (i = 0; i < st->certs->nelts; i++) {
    EVP_PKEY *key;
    int ok;

    key = secftp_keys_read_pem(s->pool, files[i].key_path,
      st->passphrase_provider, &problem);
    ok = key != NULL &&
      SSL_CTX_use_certificate_chain_file(ctx, files[i].cert_path) == 1 &&
      SSL_CTX_use_PrivateKey(ctx, key) == 1 &&
      SSL_CTX_check_private_key(ctx) == 1 &&
      secftp_certfile_finish_cert(s->pool, ctx, s, files[i].cert_path,
        &problem) == 0;
    EVP_PKEY_free(key);
    if (!ok) {
      pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": SecureCertificate: "
        "unable to load '%s' / '%s' for server '%s': %s%s",
        files[i].cert_path, files[i].key_path, s->ServerName,
        problem != NULL ? problem : openssl_reason(s->pool,
          "unknown error"), where(s, "SecureCertificate",
          files[i].cert_path));
      ERR_clear_error();
      return -1;
    }
  }

  if (secftp_keys_use_keyrings(s->pool, ctx, st, &problem) < 0) {
    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": SecureKeyring: %s for "
      "server '%s'", problem, s->ServerName);
    return -1;
  }

  return 0;
}

static SSL_CTX *build_ctx(server_rec *s, const struct secftp_settings *st) {
  SSL_CTX *ctx;

  if (st->certs->nelts == 0 &&
      st->keyrings->nelts == 0) {
    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": SecureEngine on for server "
      "'%s' needs a SecureCertificate or SecureKeyring%s", s->ServerName,
      where(s, "SecureEngine", NULL));
    return NULL;
  }

  if (st->cipher_problem != NULL) {
    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": server '%s': %s%s",
      s->ServerName, st->cipher_problem, cipher_where(s));
    return NULL;
  }

  ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == NULL) {
    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": unable to create a TLS "
      "context: %s", openssl_reason(s->pool, "unknown error"));
    return NULL;
  }

  /* No compression (CRIME), the server's cipher order, and no
   * renegotiation at all: a client cannot start one (CVE-2009-3555,
   * CVE-2011-1473).
   */
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  set_protocol_range(ctx, st->protocols);

  /* SecureALPN strict: the ALPACA defence (see alpn.h). */
  if (st->alpn == SECFTP_ALPN_STRICT) {
    (void) secftp_alpn_require_ftp(ctx);
  }

  /* An empty list (no suite of that version named) is left to OpenSSL's
   * default only when that version is off: the protocol check at load
   * time refused the other case.
   */
  if ((*st->tls12_ciphers != '\0' &&
       SSL_CTX_set_cipher_list(ctx, st->tls12_ciphers) != 1) ||
      SSL_CTX_set_ciphersuites(ctx, st->tls13_ciphers) != 1 ||
      SSL_CTX_set1_groups_list(ctx, st->groups) != 1 ||
      secftp_vhostid_setup_ctx(ctx, s, st) < 0 ||
      secftp_reuse_setup_ctx(ctx) < 0 ||
      load_certificates(ctx, s, st) < 0 ||
      secftp_verify_setup(ctx, s, st) < 0 ||
      secftp_fleet_setup_ctx(ctx, s, st) < 0) {
    SSL_CTX_free(ctx);
    return NULL;
  }

  secftp_sni_setup_ctx(ctx);

  return ctx;
}

/* mod_tls and mod_secftp each claim the control channel of a vhost; only
 * one of them can have it.
 */
static int uses_mod_tls(server_rec *s) {
  config_rec *c;

  if (pr_module_exists("mod_tls.c") == FALSE) {
    return FALSE;
  }

  c = find_config(s->conf, CONF_PARAM, "TLSEngine", FALSE);
  return c != NULL &&
    c->argv[0] != NULL &&
    *((unsigned char *) c->argv[0]) != 0;
}

static int build_server(server_rec *s) {
  struct server_tls *stls;
  struct secftp_settings st;

  secftp_settings_load(s, &st);
  if (!st.engine) {
    /* A policy that demands protection on a server that cannot offer it
     * would quietly let every login through in the clear.
     */
    if (st.ftp == SECFTP_FTP_REQUIRED ||
        st.dataconn == SECFTP_DATACONN_PRIVATE) {
      int ftp = st.ftp == SECFTP_FTP_REQUIRED;

      pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": server '%s' has '%s' "
        "but SecureEngine off: no client could protect its login; turn "
        "SecureEngine on, or set '%s' for this server%s", s->ServerName,
        ftp ? "SecureFTP required" : "SecureDataConn private",
        ftp ? "SecureFTP allowed" : "SecureDataConn clear",
        where(s, ftp ? "SecureFTP" : "SecureDataConn", NULL));
      return -1;
    }

    return 0;
  }

  if (uses_mod_tls(s)) {
    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": server '%s' has both "
      "'SecureEngine on' (mod_secftp) and 'TLSEngine on' (mod_tls); enable "
      "only one of them per server%s", s->ServerName,
      where(s, "SecureEngine", NULL));
    return -1;
  }

  stls = pcalloc(s->pool, sizeof(*stls));
  stls->server = s;
  stls->settings = st;
  stls->ctx = build_ctx(s, &st);
  if (stls->ctx == NULL) {
    return -1;
  }

  stls->next = server_tls_list;
  server_tls_list = stls;
  pr_trace_msg(SECFTP_TRACE_TLS, 9, "built TLS context for server '%s'",
    s->ServerName);
  return 0;
}

int secftp_tls_build_servers(void) {
  server_rec *s;
  int res = 0;

  for (s = (server_rec *) server_list->xas_list; s != NULL; s = s->next) {
    if (build_server(s) < 0) {
      res = -1;
    }
  }

  return res;
}

void secftp_tls_free_servers(void) {
  struct server_tls *stls;

  for (stls = server_tls_list; stls != NULL; stls = stls->next) {
    SSL_CTX_free(stls->ctx);
    stls->ctx = NULL;
  }

  server_tls_list = NULL;
}

static struct server_tls *find_server(server_rec *s) {
  struct server_tls *stls;

  for (stls = server_tls_list; stls != NULL; stls = stls->next) {
    if (stls->server == s) {
      return stls;
    }
  }

  return NULL;
}

SSL_CTX *secftp_tls_server_ctx(server_rec *s) {
  struct server_tls *stls = find_server(s);

  return stls != NULL ? stls->ctx : NULL;
}

struct secftp_settings *secftp_tls_server_settings_rw(server_rec *s) {
  struct server_tls *stls = find_server(s);

  return stls != NULL ? &stls->settings : NULL;
}

const struct secftp_settings *secftp_tls_server_settings(server_rec *s) {
  return secftp_tls_server_settings_rw(s);
}

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

SSL *secftp_tls_accept(SSL_CTX *ctx, int fd, long timeout,
    const char **problem) {
  SSL *ssl;
  int flags, res, switch_mode;

  ssl = SSL_new(ctx);
  if (ssl == NULL ||
      SSL_set_fd(ssl, fd) != 1 ||
      secftp_sni_prepare(ssl) < 0) {
    secftp_log_openssl_errors("unable to start a TLS connection");
    SSL_free(ssl);
    *problem = "out of resources";
    return NULL;
  }

  secftp_reuse_prepare(ssl, fd);

  /* Non-blocking for the handshake only, so that SecureHandshakeTimeout
   * bounds it; later I/O keeps ProFTPD's blocking semantics.  Data
   * sockets come non-blocking already: two fcntl(2)s fewer per transfer.
   */
  flags = fcntl(fd, F_GETFL);
  switch_mode = flags >= 0 && !(flags & O_NONBLOCK);
  if (switch_mode) {
    (void) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  }

  res = drive_until_done(ssl, fd, SSL_accept, time(NULL) + timeout);

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
