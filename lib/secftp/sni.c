/*
 * sni: name-based virtual hosts (TLS SNI and RFC 7151 HOST).
 *
 * Every server context gets a ClientHello callback.  On the control
 * connection it reads the SNI, finds the <VirtualHost> bound to this
 * address and port under that name, and moves the connection onto that
 * host's context before OpenSSL negotiates anything (version, cipher,
 * certificate), so that all of it follows the chosen host.  The SSL keeps
 * the listening context as its session context (OpenSSL's cache and
 * callbacks), but takes the chosen host's session-id context and ticket
 * keys with it (vhostid.h, ticketcb.h): a session made under one host never
 * resumes under another.  Data connections take the same route
 * (secftp_sni_prepare) and resume the control session.
 *
 * Switching ProFTPD's main_server cannot safely happen inside an OpenSSL
 * callback (nor inside sess_init, for implicit FTPS), so the switch is
 * completed right after AUTH (or before the first command on an implicit
 * port), the way a HOST command does it: main_server changes and
 * core.session-reinit tells every module.
 */

#include "secftp/sni.h"
#include "secftp/certfile.h"
#include "secftp/log.h"
#include "secftp/session.h"
#include "secftp/sniname.h"
#include "secftp/vhosts.h"

/* ProFTPD's pending replies (not in its public headers). */
extern pr_response_t *resp_list;

/* The note mod_core's HOST handler consults to accept a HOST after AUTH
 * when it agrees with the SNI; its name comes from mod_tls.
 */
#define SNI_NOTE		"mod_tls.sni"
#define HOST_NOTE		"mod_core.host"

/* Joins the names of ctx's ciphers, TLS 1.3 suites apart, for the
 * SSL-level setters (OpenSSL copies no cipher list in SSL_set_SSL_CTX).
 */
static void cipher_lists(pool *p, SSL_CTX *ctx, char **tls12, char **tls13) {
  STACK_OF(SSL_CIPHER) *ciphers;
  int i;

  *tls12 = *tls13 = "";
  ciphers = SSL_CTX_get_ciphers(ctx);
  for (i = 0; ciphers != NULL && i < sk_SSL_CIPHER_num(ciphers); i++) {
    const SSL_CIPHER *c = sk_SSL_CIPHER_value(ciphers, i);
    char **list;

    list = strcmp(SSL_CIPHER_get_version(c), "TLSv1.3") == 0 ? tls13 : tls12;
    *list = pstrcat(p, *list, **list ? ":" : "", SSL_CIPHER_get_name(c),
      NULL);
  }
}

/* Moves ssl onto ctx, built from st: certificates and trust store
 * (SSL_set_SSL_CTX), and the per-connection copies OpenSSL took from the
 * first context at SSL_new(): options, versions, ciphers, key-exchange
 * groups, verification.
 */
static int adopt_ctx(SSL *ssl, SSL_CTX *ctx,
    const struct secftp_settings *st) {
  char *tls12, *tls13;
  pool *p;
  int ok;

  if (SSL_set_SSL_CTX(ssl, ctx) != ctx) {
    return -1;
  }

  SSL_clear_options(ssl, SSL_get_options(ssl));
  SSL_set_options(ssl, SSL_CTX_get_options(ctx));
  SSL_set_verify(ssl, SSL_CTX_get_verify_mode(ctx),
    SSL_CTX_get_verify_callback(ctx));
  SSL_set_verify_depth(ssl, SSL_CTX_get_verify_depth(ctx));

  p = make_sub_pool(session.pool);
  cipher_lists(p, ctx, &tls12, &tls13);
  ok = SSL_set_min_proto_version(ssl, SSL_CTX_get_min_proto_version(ctx)) &&
    SSL_set_max_proto_version(ssl, SSL_CTX_get_max_proto_version(ctx)) &&
    X509_VERIFY_PARAM_set1(SSL_get0_param(ssl), SSL_CTX_get0_param(ctx)) &&
    SSL_set1_groups_list(ssl, st->groups) &&
    SSL_set_ciphersuites(ssl, tls13) &&
    (*tls12 == '\0' || SSL_set_cipher_list(ssl, tls12));
  destroy_pool(p);

  return ok ? 0 : -1;
}

/* Is this handshake on the control connection (data ones need no SNI)? */
static int is_ctrl_handshake(SSL *ssl) {
  return session.c != NULL &&
    session.c->instrm != NULL &&
    SSL_get_fd(ssl) == PR_NETIO_FD(session.c->instrm);
}

/* The server bound to this connection's address and port under name:
 * a name-based <VirtualHost> (ProFTPD binds its ServerAlias names), or
 * main_server itself when the name is its ServerName.
 */
static server_rec *find_named_server(const char *name) {
  server_rec *s;

  s = pr_namebind_get_server(name, main_server->addr,
    session.c->local_port);
  if (s == NULL &&
      main_server->ServerName != NULL &&
      strcasecmp(main_server->ServerName, name) == 0) {
    s = main_server;
  }

  return s;
}

/* Refuses the handshake with a fatal alert, logging why. */
static int refuse(int *al, int alert, const char *text) {
  secftp_log("control TLS handshake from %s refused: %s",
    pr_netaddr_get_ipstr(session.c->remote_addr), text);
  *al = alert;
  return SSL_CLIENT_HELLO_ERROR;
}

/* Reads the SNI of the ClientHello.  Returns 1 with the name, 0 when there
 * is none (or an IP literal, which selects nothing), -1 when malformed,
 * -2 when it is not a DNS host name (SPEC 6.1: refused before any use).
 */
static int client_sni(SSL *ssl, char *name, size_t name_len) {
  const unsigned char *ext = NULL;
  size_t len = 0;

  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &ext,
      &len) != 1) {
    return 0;
  }

  if (secftp_sni_parse(ext, len, name, name_len) < 0) {
    return -1;
  }

  if (secftp_sni_is_ip_literal(name) == 1) {
    pr_trace_msg(SECFTP_TRACE_TLS, 5, "ignoring IP literal SNI '%s'", name);
    return 0;
  }

  return secftp_sni_is_hostname(name) == 1 ? 1 : -2;
}

/* This session now follows st (ctx's host): its settings and its
 * SecureFTPLog.
 */
static void follow_settings(const struct secftp_settings *st, SSL_CTX *ctx) {
  secftp_session_switch_vhost(st, ctx);
  secftp_log_close();
  (void) secftp_log_open(st->log_path);
}

static int client_hello_cb(SSL *ssl, int *al, void *arg) {
  char name[SECFTP_SNI_NAME_MAX + 1];
  const struct secftp_settings *st;
  const char *host;
  server_rec *named;
  SSL_CTX *ctx;
  int res;

  if (!is_ctrl_handshake(ssl)) {
    return SSL_CLIENT_HELLO_SUCCESS;
  }

  res = client_sni(ssl, name, sizeof(name));
  if (res == -2) {
    return refuse(al, SSL_AD_ILLEGAL_PARAMETER, pstrcat(session.pool,
      "SNI '", secftp_log_escape(session.pool, name), "' is not a DNS host "
      "name", NULL));
  }

  if (res < 0) {
    return refuse(al, SSL_AD_DECODE_ERROR, "malformed server_name "
      "extension");
  }

  if (res == 0) {
    return SSL_CLIENT_HELLO_SUCCESS;
  }

  pr_trace_msg(SECFTP_TRACE_TLS, 9, "client sent SNI '%s'", name);
  (void) pr_table_remove(session.notes, SNI_NOTE, NULL);
  (void) pr_table_add_dup(session.notes, SNI_NOTE, name, 0);

  /* HOST before AUTH already chose the host; the SNI must name the same
   * one (RFC 7151 section 3.2.2).  HOST with an address chooses nothing.
   */
  host = pr_table_get(session.notes, HOST_NOTE, NULL);
  if (host != NULL &&
      secftp_sni_is_ip_literal(host) != 1) {
    if (strcasecmp(host, name) != 0) {
      return refuse(al, SSL_AD_ACCESS_DENIED, pstrcat(session.pool, "SNI '",
        name, "' disagrees with HOST '", secftp_log_escape(session.pool,
        host), "'", NULL));
    }

    return SSL_CLIENT_HELLO_SUCCESS;
  }

  named = find_named_server(name);
  if (named == NULL) {
    if (secftp_sess.vhost.listen_opts & SECFTP_OPT_STRICT_SNI) {
      return refuse(al, SSL_AD_UNRECOGNIZED_NAME, pstrcat(session.pool,
        "SNI '", name, "' names no virtual host (SecureOptions StrictSNI)",
        NULL));
    }

    pr_trace_msg(SECFTP_TRACE_TLS, 5, "SNI '%s' names no virtual host: "
      "using the default certificate", name);
    return SSL_CLIENT_HELLO_SUCCESS;
  }

  if (named == main_server) {
    return SSL_CLIENT_HELLO_SUCCESS;
  }

  ctx = secftp_vhosts_ctx(named);
  st = secftp_vhosts_settings(named);
  if (ctx == NULL ||
      st == NULL) {
    return refuse(al, SSL_AD_UNRECOGNIZED_NAME, pstrcat(session.pool,
      "SNI '", name, "' names virtual host '", named->ServerName,
      "', which has no SecureEngine on", NULL));
  }

  /* A vhost whose certificates are all outside their dates is out of
   * service, whichever way a client reaches it (SPEC 6.1).
   */
  if (secftp_certfile_out_of_service(session.pool, named, ctx) != NULL) {
    return refuse(al, SSL_AD_INTERNAL_ERROR, pstrcat(session.pool,
      "SNI '", name, "' names virtual host '", named->ServerName,
      "', whose TLS is out of service (no valid SecureCertificate)", NULL));
  }

  if (adopt_ctx(ssl, ctx, st) < 0) {
    secftp_log_openssl_errors("switching to the SNI virtual host");
    return refuse(al, SSL_AD_INTERNAL_ERROR, pstrcat(session.pool,
      "unable to switch to virtual host '", named->ServerName,
      "' for SNI '", name, "'", NULL));
  }

  secftp_session_choose_vhost(ctx, st);
  secftp_session_set_pending_server(named);

  /* From the handshake on, the chosen host decides (doc/session-reuse.md,
   * "The handshake's vhost governs"): its certificate map, login and data
   * policies and log apply to what follows this handshake, although
   * main_server changes only after the AUTH reply.  The address owner's
   * log keeps the routing decision.
   */
  secftp_log("SNI '%s' selects virtual host '%s'", name, named->ServerName);
  follow_settings(st, ctx);
  return SSL_CLIENT_HELLO_SUCCESS;
}

void secftp_sni_setup_ctx(SSL_CTX *ctx) {
  SSL_CTX_set_client_hello_cb(ctx, client_hello_cb, NULL);
}

int secftp_sni_prepare(SSL *ssl) {
  if (secftp_sess.vhost.ctx == NULL ||
      secftp_sess.vhost.ctx == SSL_get_SSL_CTX(ssl)) {
    return 0;
  }

  return adopt_ctx(ssl, secftp_sess.vhost.ctx, secftp_sess.vhost.settings);
}

const struct secftp_settings *secftp_sni_settings(void) {
  const struct secftp_settings *st = NULL;

  if (secftp_sess.vhost.pending != NULL) {
    st = secftp_vhosts_settings(secftp_sess.vhost.pending);
  }

  return st != NULL ? st : &secftp_sess.settings;
}

/* HOST (or our own switch) changed main_server: this session now follows
 * that server's mod_secftp configuration.
 */
static void sess_reinit_ev(const void *event_data, void *user_data) {
  const struct secftp_settings *st;

  st = secftp_vhosts_settings(main_server);
  secftp_session_switch_vhost(st, secftp_vhosts_ctx(main_server));
  if (st == NULL) {
    /* That host has no SecureEngine on: the module falls silent. */
    secftp_session_choose_vhost(NULL, NULL);
    return;
  }

  secftp_session_choose_vhost(secftp_vhosts_ctx(main_server), st);
  follow_settings(st, secftp_sess.vhost.ctx);

  pr_trace_msg(SECFTP_TRACE_TLS, 5, "now following the configuration of "
    "server '%s'", main_server->ServerName);
}

void secftp_sni_sess_init(const struct secftp_settings *st) {
  secftp_session_set_listen_opts(st->opts);
  secftp_session_choose_vhost(NULL, NULL);
  secftp_session_set_pending_server(NULL);
  pr_event_register(&secftp_module, "core.session-reinit", sess_reinit_ev,
    NULL);
}

/* Makes the host SNI selected main_server, as a HOST command would. */
static void commit_switch(cmd_rec *cmd) {
  const char *sni;
  cmd_rec *host_cmd;
  server_rec *named = secftp_sess.vhost.pending;

  secftp_session_set_pending_server(NULL);
  if (named == NULL ||
      named == main_server) {
    return;
  }

  sni = pr_table_get(session.notes, SNI_NOTE, NULL);
  pr_log_debug(DEBUG0, MOD_SECFTP_VERSION ": changing to server '%s' "
    "(TLS SNI '%s')", named->ServerName, sni ? sni : "");
  session.prev_server = main_server;
  main_server = named;
  pr_event_generate("core.session-reinit", named);

  /* mod_core re-reads its own per-server settings (AuthOrder, timeouts,
   * ...) after a HOST; let it do the same for this switch, without any
   * reply of its own reaching the client.
   */
  host_cmd = pr_cmd_alloc(cmd->tmp_pool, 2, pstrdup(cmd->tmp_pool, C_HOST),
    pstrdup(cmd->tmp_pool, sni ? sni : named->ServerName));
  (void) pr_cmd_dispatch_phase(host_cmd, POST_CMD, 0);
  (void) pr_cmd_dispatch_phase(host_cmd, LOG_CMD, 0);
  pr_response_clear(&resp_list);
}

modret_t *secftp_sni_post_auth(cmd_rec *cmd) {
  commit_switch(cmd);
  return PR_DECLINED(cmd);
}

modret_t *secftp_sni_pre_cmd(cmd_rec *cmd) {
  commit_switch(cmd);
  return PR_DECLINED(cmd);
}
