/*
 * stapling: the daemon's OCSP answers for its own certificates, and the
 * status callback that hands them to clients.
 */

#include "secftp/stapling.h"
#include "secftp/conf.h"
#include "secftp/dn.h"
#include "secftp/log.h"
#include "secftp/ocsp.h"
#include "secftp/vhosts.h"

#include <openssl/ocsp.h>
#include <openssl/x509_vfy.h>

/* How often the daemon's timer looks for answers to refresh. */
#ifndef STAPLING_TICK
# define STAPLING_TICK		60
#endif

/* An answer without nextUpdate is stapled this long after its fetch. */
#define STAPLING_DEFAULT_LIFETIME	3600

/* One server certificate and its current answer. */
struct staple {
  struct staple *next;
  server_rec *server;
  X509 *leaf, *issuer;		/* our references */
  const char *url;		/* NULL: the certificate's AIA */
  long timeout;			/* SecureOCSPTimeout */
  unsigned char *der;		/* NULL: nothing to staple */
  size_t der_len;
  time_t valid_until;		/* nextUpdate, or fetch time + lifetime */
  time_t refresh_at;		/* when the daemon asks again */
};

/* ProFTPD's list of configured servers (not in its public headers). */
extern xaset_t *server_list;

static struct staple *staples = NULL;
static int timer_id = -1;
static pid_t daemon_pid = 0;

/* usage: SecureStaplingResponder http://host[:port]/path */
modret_t *secftp_set_stapling_responder(cmd_rec *cmd) {
  SECFTP_CHECK_ONE_ARG(cmd);
  CHECK_CONF(cmd, SECFTP_SERVER_CTX);

  if (secftp_ocsp_check_url(cmd->argv[1]) < 0) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad value '",
      (char *) cmd->argv[1], "': expected an http:// URL", NULL));
  }

  (void) add_config_param_str(cmd->argv[0], 1, cmd->argv[1]);
  return PR_HANDLED(cmd);
}

static const char *cert_subject(pool *p, X509 *cert) {
  char *text = secftp_dn_format_x509(X509_get_subject_name(cert));
  const char *copy = pstrdup(p, text != NULL ? text : "(unknown)");

  free(text);
  return copy;
}

/* The issuer of the context's current certificate: from the chain that
 * SecureCertificate loaded with it, else from the context's trust store.
 * Returns a new reference, or NULL.
 */
static X509 *find_issuer(SSL_CTX *ctx, X509 *leaf) {
  STACK_OF(X509) *chain = NULL;
  X509_STORE_CTX *sctx;
  X509 *issuer = NULL;
  int i;

  (void) SSL_CTX_get0_chain_certs(ctx, &chain);
  for (i = 0; chain != NULL && i < sk_X509_num(chain); i++) {
    if (X509_check_issued(sk_X509_value(chain, i), leaf) == X509_V_OK) {
      issuer = sk_X509_value(chain, i);
      return X509_up_ref(issuer) == 1 ? issuer : NULL;
    }
  }

  sctx = X509_STORE_CTX_new();
  if (sctx != NULL &&
      X509_STORE_CTX_init(sctx, SSL_CTX_get_cert_store(ctx), leaf,
        NULL) == 1 &&
      X509_STORE_CTX_get1_issuer(&issuer, sctx, leaf) != 1) {
    issuer = NULL;
  }

  X509_STORE_CTX_free(sctx);
  return issuer;
}

static void log_stapling(const struct staple *sp, const char *fmt,
    const char *what) {
  pool *tmp_pool = make_sub_pool(permanent_pool);

  pr_log_pri(PR_LOG_NOTICE, MOD_SECFTP_VERSION ": SecureStapling: server "
    "'%s', certificate '%s': %s%s", sp->server->ServerName,
    cert_subject(tmp_pool, sp->leaf), fmt, what);
  destroy_pool(tmp_pool);
}

/* Asks the responder about sp's certificate.  The answer must verify
 * with the issuer as the trust anchor (the issuer itself or a delegated
 * responder it issued signs it).  A failed fetch keeps the previous
 * answer until it expires.
 */
static void fetch(struct staple *sp) {
  struct secftp_ocsp_answer answer;
  X509_STORE *store;
  time_t now = time(NULL);
  char reason[256];
  int res = -1;

  store = X509_STORE_new();
  if (store != NULL &&
      X509_STORE_add_cert(store, sp->issuer) == 1 &&
      X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN) == 1) {
    res = secftp_ocsp_fetch(sp->leaf, sp->issuer, store, sp->url,
      sp->timeout, &answer, reason, sizeof(reason));
  }
  X509_STORE_free(store);

  if (res < 0 ||
      answer.der == NULL) {
    log_stapling(sp, "no OCSP response to staple: ", res < 0 ?
      "unable to ask" : reason);
    sp->refresh_at = now + STAPLING_TICK;
    return;
  }

  OPENSSL_free(sp->der);
  sp->der = answer.der;
  sp->der_len = answer.der_len;
  sp->valid_until = answer.next_update > now ? answer.next_update :
    now + STAPLING_DEFAULT_LIFETIME;

  /* Halfway to the end, so that a slow or absent responder has time to
   * recover before the staple runs out.
   */
  sp->refresh_at = now + (sp->valid_until - now) / 2;
  if (sp->refresh_at < now + STAPLING_TICK) {
    sp->refresh_at = now + STAPLING_TICK;
  }

  log_stapling(sp, "OCSP response fetched, status ",
    secftp_ocsp_result_name(res));
}

/* TLS status request callback (sessions): the daemon's answer for the
 * certificate this connection presents, while it is valid.
 */
static int status_cb(SSL *ssl, void *arg) {
  X509 *cert = SSL_get_certificate(ssl);
  struct staple *sp;
  unsigned char *copy;

  for (sp = staples; sp != NULL; sp = sp->next) {
    if (cert != NULL &&
        X509_cmp(sp->leaf, cert) == 0) {
      break;
    }
  }

  if (sp == NULL ||
      sp->der == NULL ||
      time(NULL) >= sp->valid_until) {
    pr_trace_msg(SECFTP_TRACE_TLS, 5, "SecureStapling: no valid OCSP "
      "response to staple");
    return SSL_TLSEXT_ERR_NOACK;
  }

  copy = OPENSSL_memdup(sp->der, sp->der_len);
  if (copy == NULL ||
      SSL_set_tlsext_status_ocsp_resp(ssl, copy, (long) sp->der_len) != 1) {
    OPENSSL_free(copy);
    return SSL_TLSEXT_ERR_NOACK;
  }

  pr_trace_msg(SECFTP_TRACE_TLS, 9, "SecureStapling: OCSP response "
    "stapled");
  return SSL_TLSEXT_ERR_OK;
}

/* The daemon's timer: refreshes the answers that are due.  A session
 * inherits the timer with the fork; it stops it at the first tick.
 */
static int refresh_timer(CALLBACK_FRAME) {
  struct staple *sp;
  time_t now = time(NULL);

  if (getpid() != daemon_pid) {
    return 0;
  }

  for (sp = staples; sp != NULL; sp = sp->next) {
    if (now >= sp->refresh_at) {
      fetch(sp);
    }
  }

  return 1;
}

/* One staple per certificate of server s (an RSA and an ECDSA one may
 * share a context).
 */
static void add_server(server_rec *s, SSL_CTX *ctx,
    const struct secftp_settings *st) {
  int res;

  for (res = SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_FIRST);
       res == 1;
       res = SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_NEXT)) {
    X509 *leaf = SSL_CTX_get0_certificate(ctx);
    struct staple *sp;

    if (leaf == NULL) {
      continue;
    }

    sp = pcalloc(s->pool, sizeof(*sp));
    sp->server = s;
    sp->leaf = leaf;
    sp->url = get_param_ptr(s->conf, "SecureStaplingResponder", FALSE);
    sp->timeout = st->ocsp_timeout;
    sp->issuer = find_issuer(ctx, leaf);
    if (sp->issuer == NULL) {
      log_stapling(sp, "no stapling: ", "its issuer is neither in the "
        "SecureCertificate chain nor in SecureCACertificate");
      continue;
    }

    (void) X509_up_ref(leaf);
    fetch(sp);
    sp->next = staples;
    staples = sp;
  }

  (void) SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_FIRST);
  SSL_CTX_set_tlsext_status_cb(ctx, status_cb);
}

static int stapling_on(server_rec *s) {
  const int *on = get_param_ptr(s->conf, "SecureStapling", FALSE);

  return on != NULL && *on;
}

int secftp_stapling_setup(void) {
  server_rec *s;

  daemon_pid = getpid();
  for (s = (server_rec *) server_list->xas_list; s != NULL; s = s->next) {
    SSL_CTX *ctx = secftp_vhosts_ctx(s);

    if (ctx != NULL &&
        stapling_on(s)) {
      add_server(s, ctx, secftp_vhosts_settings(s));
    }
  }

  if (staples != NULL) {
    timer_id = pr_timer_add(STAPLING_TICK, -1, &secftp_module,
      refresh_timer, "SecureStapling refresh");
  }

  return 0;
}

void secftp_stapling_release(void) {
  struct staple *sp;

  if (timer_id >= 0) {
    (void) pr_timer_remove(timer_id, &secftp_module);
    timer_id = -1;
  }

  for (sp = staples; sp != NULL; sp = sp->next) {
    OPENSSL_free(sp->der);
    X509_free(sp->leaf);
    X509_free(sp->issuer);
  }

  staples = NULL;
}
