/*
 * sscn: the TLS client side of site-to-site data connections.
 */

#include "secftp/sscn.h"
#include "secftp/alpn.h"
#include "secftp/conf.h"
#include "secftp/dn.h"
#include "secftp/log.h"
#include "secftp/session.h"
#include "secftp/tls.h"
#include "secftp/vhosts.h"

#include <openssl/err.h>

/* The replies other servers give to SSCN, which FXP clients parse. */
#define SSCN_CLIENT_REPLY	"SSCN:CLIENT METHOD"
#define SSCN_SERVER_REPLY	"SSCN:SERVER METHOD"

struct sscn_client {
  struct sscn_client *next;
  server_rec *server;
  SSL_CTX *ctx;			/* NULL: SSCN ON is refused */
  const char *problem;		/* why there is no context */
};

/* ProFTPD's list of configured servers (not in its public headers). */
extern xaset_t *server_list;

static struct sscn_client *clients = NULL;

static int verifies_server(server_rec *s) {
  const int *verify = get_param_ptr(s->conf, "SecureVerifyServer", FALSE);

  /* On by default: a data connection whose other end nobody checked
   * would be protected against everyone but the one who matters.
   */
  return verify == NULL || *verify;
}

/* Logs why the other server's certificate was refused. */
static int verify_server_cb(int ok, X509_STORE_CTX *store_ctx) {
  X509 *cert;
  char *subject = NULL;

  if (ok) {
    return ok;
  }

  cert = X509_STORE_CTX_get_current_cert(store_ctx);
  if (cert != NULL) {
    subject = secftp_dn_format_x509(X509_get_subject_name(cert));
  }

  secftp_log("SSCN: the other server's certificate refused "
    "(SecureVerifyServer): depth %d, subject '%s': %s",
    X509_STORE_CTX_get_error_depth(store_ctx),
    subject != NULL ? subject : "(unknown)",
    X509_verify_cert_error_string(X509_STORE_CTX_get_error(store_ctx)));
  free(subject);
  return ok;
}

/* Our own certificate, key and chain, for a server that asks the client
 * for one.
 */
static int use_server_identity(SSL_CTX *client, SSL_CTX *server) {
  STACK_OF(X509) *chain = NULL;
  X509 *cert = SSL_CTX_get0_certificate(server);
  EVP_PKEY *key = SSL_CTX_get0_privatekey(server);

  if (cert == NULL ||
      key == NULL) {
    return 0;
  }

  (void) SSL_CTX_get0_chain_certs(server, &chain);
  return SSL_CTX_use_cert_and_key(client, cert, key, chain, 1) == 1 ? 0 : -1;
}

/* The client context of server s, or NULL with *problem set. */
static SSL_CTX *build_client(server_rec *s, SSL_CTX *server,
    const struct secftp_settings *st, const char **problem) {
  static const unsigned char alpn_ftp[] = "\x03" SECFTP_ALPN_FTP;
  SSL_CTX *ctx;
  int verify = verifies_server(s);

  if (verify &&
      st->ca_path == NULL) {
    *problem = "SecureVerifyServer on needs SecureCACertificate to verify "
      "the other server";
    return NULL;
  }

  ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == NULL) {
    *problem = "out of resources";
    return NULL;
  }

  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION|SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_min_proto_version(ctx,
        SSL_CTX_get_min_proto_version(server)) != 1 ||
      SSL_CTX_set_max_proto_version(ctx,
        SSL_CTX_get_max_proto_version(server)) != 1 ||
      (*st->tls12_ciphers != '\0' &&
       SSL_CTX_set_cipher_list(ctx, st->tls12_ciphers) != 1) ||
      SSL_CTX_set_ciphersuites(ctx, st->tls13_ciphers) != 1 ||
      SSL_CTX_set1_groups_list(ctx, st->groups) != 1 ||
      /* An FTP client offers "ftp" (SecureALPN on the other side). */
      SSL_CTX_set_alpn_protos(ctx, alpn_ftp, sizeof(alpn_ftp) - 1) != 0 ||
      use_server_identity(ctx, server) < 0 ||
      (verify &&
       SSL_CTX_load_verify_locations(ctx, st->ca_path, NULL) != 1 &&
       SSL_CTX_load_verify_dir(ctx, st->ca_path) != 1)) {
    *problem = "unable to set up the TLS client context";
    secftp_log_openssl_errors("SSCN");
    SSL_CTX_free(ctx);
    return NULL;
  }

  SSL_CTX_set_verify(ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
    verify ? verify_server_cb : NULL);
  SSL_CTX_set_verify_depth(ctx, st->verify_depth);
  return ctx;
}

int secftp_sscn_build_clients(void) {
  server_rec *s;

  for (s = (server_rec *) server_list->xas_list; s != NULL; s = s->next) {
    SSL_CTX *server = secftp_vhosts_ctx(s);
    struct sscn_client *c;

    if (server == NULL) {
      continue;
    }

    c = pcalloc(s->pool, sizeof(*c));
    c->server = s;
    c->ctx = build_client(s, server, secftp_vhosts_settings(s),
      &c->problem);
    if (c->ctx == NULL) {
      pr_trace_msg(SECFTP_TRACE_TLS, 5, "server '%s': SSCN ON will be "
        "refused: %s", s->ServerName, c->problem);
    }

    c->next = clients;
    clients = c;
  }

  return 0;
}

void secftp_sscn_free_clients(void) {
  struct sscn_client *c;

  for (c = clients; c != NULL; c = c->next) {
    SSL_CTX_free(c->ctx);
    c->ctx = NULL;
  }

  clients = NULL;
}

static struct sscn_client *find_client(server_rec *s) {
  struct sscn_client *c;

  for (c = clients; c != NULL; c = c->next) {
    if (c->server == s) {
      return c;
    }
  }

  return NULL;
}

void secftp_sscn_sess_init(void) {
  (void) pr_feat_add("SSCN");
  pr_help_add(C_SSCN, _("[<sp> ON|OFF] (TLS client on data connections)"),
    TRUE);
}

SSL *secftp_sscn_connect(int fd, const char **problem) {
  SSL *ssl;

  ssl = secftp_tls_connect(secftp_sess.sscn_ctx, fd,
    secftp_sess.settings.handshake_timeout, problem);
  if (ssl != NULL) {
    pr_trace_msg(SECFTP_TRACE_DATA, 9, "SSCN: data connection protected "
      "as the TLS client, other server %s",
      SSL_get_verify_mode(ssl) == SSL_VERIFY_NONE ? "not verified "
      "(SecureVerifyServer off)" : "verified");
  }

  return ssl;
}

static modret_t *sscn_refuse(cmd_rec *cmd, const char *code,
    const char *why) {
  secftp_log("SSCN %s refused for %s: %s", cmd->argc > 1 ?
    (char *) cmd->argv[1] : "", pr_netaddr_get_ipstr(session.c->remote_addr),
    why);
  pr_response_add_err(code, "%s", why);
  pr_cmd_set_errno(cmd, EPERM);
  errno = EPERM;
  return PR_ERROR(cmd);
}

/* SSCN [ON|OFF]: without an argument, says which side this server takes. */
modret_t *secftp_cmd_sscn(cmd_rec *cmd) {
  struct sscn_client *c;

  if (!secftp_session_enabled()) {
    return PR_DECLINED(cmd);
  }

  if (!(secftp_sess.state & SECFTP_STATE_CTRL_TLS)) {
    return sscn_refuse(cmd, R_503, "SSCN needs a protected control "
      "connection: AUTH TLS first");
  }

  if (cmd->argc > 2) {
    return sscn_refuse(cmd, R_501, "usage: SSCN [ON|OFF]");
  }

  if (cmd->argc == 2 &&
      strcasecmp(cmd->argv[1], "OFF") == 0) {
    secftp_session_set_sscn(NULL);

  } else if (cmd->argc == 2 &&
             strcasecmp(cmd->argv[1], "ON") == 0) {
    c = find_client(main_server);
    if (c == NULL ||
        c->ctx == NULL) {
      return sscn_refuse(cmd, R_534, c != NULL ? c->problem :
        "no TLS client context for this server");
    }

    secftp_session_set_sscn(c->ctx);

  } else if (cmd->argc == 2) {
    return sscn_refuse(cmd, R_501, "usage: SSCN [ON|OFF]");
  }

  pr_response_add(R_200, "%s", secftp_sess.sscn_ctx != NULL ?
    SSCN_CLIENT_REPLY : SSCN_SERVER_REPLY);
  return PR_HANDLED(cmd);
}
