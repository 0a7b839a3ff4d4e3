/*
 * servers: every server's TLS context, built in the daemon.
 */

#include "secftp/servers.h"
#include "secftp/alpn.h"
#include "secftp/certfile.h"
#include "secftp/confpos.h"
#include "secftp/fleet.h"
#include "secftp/fleetmap.h"
#include "secftp/keys.h"
#include "secftp/log.h"
#include "secftp/reuse.h"
#include "secftp/sesscache.h"
#include "secftp/sni.h"
#include "secftp/ticketcb.h"
#include "secftp/verify.h"
#include "secftp/vhostid.h"
#include "secftp/vhosts.h"

#include <openssl/err.h>

/* ProFTPD's list of configured servers (not in its public headers). */
extern xaset_t *server_list;

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

/* The fleet's share of a context: Redis checked, the shared certificate
 * map, ticket keys (rotated, maybe shared), the TLS 1.2 session cache.
 */
static int setup_fleet(SSL_CTX *ctx, server_rec *s,
    const struct secftp_settings *st) {
  int redis_map = secftp_fleetmap_is_redis(st->certmap_path);

  if (secftp_fleet_check(s, st, redis_map) < 0 ||
      (redis_map &&
       secftp_fleetmap_setup(s, st->certmap_path) < 0) ||
      secftp_ticketcb_install(ctx, s, st) < 0) {
    return -1;
  }

  if (st->session_cache == SECFTP_SESSION_CACHE_REDIS) {
    secftp_sesscache_install(ctx, st->ticket_key_secret->session_key);
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
      setup_fleet(ctx, s, st) < 0) {
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
  struct secftp_settings st;
  SSL_CTX *ctx;

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

  ctx = build_ctx(s, &st);
  if (ctx == NULL) {
    return -1;
  }

  if (secftp_vhosts_add(s, ctx, &st) < 0) {
    SSL_CTX_free(ctx);
    return -1;
  }

  pr_trace_msg(SECFTP_TRACE_TLS, 9, "built TLS context for server '%s'",
    s->ServerName);
  return 0;
}

int secftp_servers_build(void) {
  server_rec *s;
  int res = 0;

  for (s = (server_rec *) server_list->xas_list; s != NULL; s = s->next) {
    if (build_server(s) < 0) {
      res = -1;
    }
  }

  return res;
}

void secftp_servers_free(void) {
  secftp_vhosts_free();
}
