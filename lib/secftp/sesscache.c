/*
 * sesscache: TLS 1.2 sessions in Redis.
 */

#include "secftp/sesscache.h"
#include "secftp/fleet.h"
#include "secftp/log.h"
#include "secftp/reuse.h"
#include "secftp/session.h"
#include "secftp/vhostid.h"

static int sesscache_key_idx = -1;

/* "mod_secftp:session:", the virtual host (vhostid.h), ":" and the
 * session id in hex: a session of one host is never even looked up for
 * another (doc/session-reuse.md).
 */
static const char *record_name(pool *p, SSL_CTX *ctx,
    const unsigned char *id, unsigned int len) {
  static const char hex[] = "0123456789abcdef";
  char prefix[64], vhost[SECFTP_VHOSTID_HEX_SIZE], *name, *out;
  size_t prefix_len;
  unsigned int i;

  secftp_vhostid_hex(ctx, vhost);
  prefix_len = (size_t) pr_snprintf(prefix, sizeof(prefix),
    "mod_secftp:session:%s:", vhost);
  name = pcalloc(p, prefix_len + len * 2 + 1);
  memcpy(name, prefix, prefix_len);
  out = name + prefix_len;
  for (i = 0; i < len; i++) {
    *out++ = hex[id[i] >> 4];
    *out++ = hex[id[i] & 0x0f];
  }

  return name;
}

static const unsigned char *ctx_key(SSL_CTX *ctx) {
  return SSL_CTX_get_ex_data(ctx, sesscache_key_idx);
}

static pool *tmp_pool_new(void) {
  return make_sub_pool(session.pool ? session.pool : permanent_pool);
}

/* A session OpenSSL just added to its cache: store it for the fleet. */
static int new_session_cb(SSL *ssl, SSL_SESSION *sess) {
  SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
  const unsigned char *key = ctx_key(ctx), *id;
  unsigned char *der = NULL;
  unsigned int id_len;
  char *text;
  int der_len, text_len;
  time_t now = time(NULL);
  long ttl;
  pool *tmp_pool;

  if (key == NULL ||
      SSL_SESSION_get_protocol_version(sess) != TLS1_2_VERSION) {
    return 0;
  }

  /* The stored copy must carry the control connection's lineage, or a
   * data connection resuming it on another node could never prove it.
   */
  if (secftp_reuse_stamp_new_session(ssl, sess) < 0) {
    return 0;
  }

  id = SSL_SESSION_get_id(sess, &id_len);
  der_len = i2d_SSL_SESSION(sess, &der);
  if (id_len == 0 ||
      der_len <= 0 ||
      der_len > SECFTP_RECORD_PLAIN_MAX) {
    OPENSSL_clear_free(der, der_len > 0 ? (size_t) der_len : 0);
    return 0;
  }

  tmp_pool = tmp_pool_new();
  ttl = SSL_SESSION_get_timeout(sess);
  text = palloc(tmp_pool, SECFTP_RECORD_TEXT_MAX);
  text_len = secftp_record_seal(key, SECFTP_RECORD_SESSION,
    record_name(tmp_pool, ctx, id, id_len), now + ttl, der, (size_t) der_len,
    text, SECFTP_RECORD_TEXT_MAX);
  OPENSSL_clear_free(der, (size_t) der_len);

  if (text_len > 0 &&
      secftp_fleet_redis_add(record_name(tmp_pool, ctx, id, id_len), text,
        ttl) == 0) {
    pr_trace_msg(SECFTP_TRACE_TLS, 9, "stored TLS 1.2 session in Redis "
      "(%d bytes, %ld s)", text_len, ttl);
  }

  destroy_pool(tmp_pool);

  /* OpenSSL keeps its reference: we took none. */
  return 0;
}

/* A session id this process does not know: ask the fleet. */
static SSL_SESSION *get_session_cb(SSL *ssl, const unsigned char *id,
    int id_len, int *copy) {
  SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
  const unsigned char *key = ctx_key(ctx);
  const unsigned char *p;
  unsigned char *der;
  SSL_SESSION *sess = NULL;
  const char *name;
  char *text;
  size_t len = 0;
  int der_len;
  pool *tmp_pool;

  *copy = 0;

  /* Once the control connection is protected, handshakes in this process
   * are data connections: they may resume only that control connection's
   * session, which OpenSSL's own cache already holds.  Another node's
   * session is no business of theirs.
   */
  if (key == NULL ||
      secftp_sess.ctrl_ssl != NULL ||
      id_len <= 0 ||
      id_len > SSL_MAX_SSL_SESSION_ID_LENGTH) {
    return NULL;
  }

  tmp_pool = tmp_pool_new();
  name = record_name(tmp_pool, ctx, id, (unsigned int) id_len);
  text = secftp_fleet_redis_get(tmp_pool, name, &len);
  if (text == NULL) {
    destroy_pool(tmp_pool);
    return NULL;
  }

  der = palloc(tmp_pool, SECFTP_RECORD_PLAIN_MAX);
  der_len = secftp_record_open(key, SECFTP_RECORD_SESSION, name, time(NULL),
    text, len, der, SECFTP_RECORD_PLAIN_MAX);
  if (der_len < 0) {
    secftp_log("SecureSessionCache redis: session record '%s' ignored: %s; "
      "full handshake", name, secftp_record_strerror(errno));

  } else {
    p = der;
    sess = d2i_SSL_SESSION(NULL, &p, der_len);
    if (sess == NULL ||
        p != der + der_len ||
        SSL_SESSION_get_protocol_version(sess) != TLS1_2_VERSION) {
      secftp_log("SecureSessionCache redis: session record '%s' ignored: "
        "not a TLS 1.2 session; full handshake", name);
      SSL_SESSION_free(sess);
      sess = NULL;
    }
    pr_memscrub(der, (size_t) der_len);
  }

  if (sess != NULL) {
    pr_trace_msg(SECFTP_TRACE_TLS, 9, "resuming TLS 1.2 session from Redis");
  }

  destroy_pool(tmp_pool);

  /* The returned session is ours to give: OpenSSL takes our reference. */
  return sess;
}

void secftp_sesscache_install(SSL_CTX *ctx,
    const unsigned char key[SECFTP_RECORD_KEY_LEN]) {
  if (sesscache_key_idx < 0) {
    sesscache_key_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
  }

  (void) SSL_CTX_set_ex_data(ctx, sesscache_key_idx, (void *) key);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
  SSL_CTX_sess_set_get_cb(ctx, get_session_cb);

  /* No remove callback: OpenSSL drops a session from its local cache on
   * any fatal alert or failed resumption, and anyone who saw the session
   * id (it travels in the clear in TLS 1.2) can cause that.  Fleet
   * records change only by intent and expire by their TTL (SPEC 6.1).
   */
}
