/*
 * ticketcb: the session ticket key callback: which key encrypts a new
 * ticket, and which key (if any) decrypts a ticket a client offers.
 */

#include "secftp/ticketcb.h"
#include "secftp/fleet.h"
#include "secftp/log.h"
#include "secftp/ticketkeys.h"
#include "secftp/vhostid.h"

#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/mman.h>

#define TICKET_IV_LEN		16

/* Fleet keys read from Redis are kept for the node's processes, and read
 * again after this long (a Redis that lost its data gets new keys, and
 * nodes converge on them).
 */
#define KEY_RECHECK_SECS	10
#define KEY_CACHE_SLOTS		8

/* A fleet key as the node's processes share it.  owner says for which
 * secret and lifetime (two servers of one node may differ).
 */
struct shared_key {
  unsigned char owner[8];
  int valid;
  time_t checked;
  struct secftp_ticketkey key;
};

/* What the node's processes share (one anonymous shared page, mapped in
 * the daemon before any session forks): a session resuming a ticket needs
 * no Redis round trip while its key is fresh here.
 */
struct keys_shared {
  int64_t bad_key_epoch;	/* last epoch whose unreadable key we logged */
  pid_t lock;			/* guards keys (secftp_fleet_lock) */
  struct shared_key keys[KEY_CACHE_SLOTS];
};

static struct keys_shared *shared = NULL;

/* What one TLS context needs to handle tickets.  It lives in the daemon's
 * memory: each session process works on its own copy.
 */
struct ticket_ctx {
  int mode;			/* enum secftp_session_cache */
  long lifetime;
  const struct secftp_fleet_secret *secret;

  /* Secret of the local keys: this node's, or (off) this process's. */
  unsigned char local_secret[32];
  pid_t local_owner;

  /* The virtual host whose tickets these keys make (vhostid.h). */
  char vhost[SECFTP_VHOSTID_HEX_SIZE];

  /* Identifies secret, virtual host and lifetime in the shared key
   * cache.
   */
  unsigned char owner[8];

  /* This process's copy of the fleet key in use. */
  struct secftp_ticketkey fleet_key;

  struct secftp_ticketkey local_key;
  int local_valid;
};

static int ticket_ctx_idx = -1;

/* Ticket keys
 */

/* The virtual host is part of the name: a ticket made on one host never
 * decrypts on another (doc/session-reuse.md).  So is the lifetime: nodes
 * configured differently never share a schedule by mistake.
 */
static const char *ticket_key_name(pool *p, const struct ticket_ctx *fc,
    int64_t epoch) {
  char buf[128];

  snprintf(buf, sizeof(buf), "mod_secftp:ticketkey:%s:%ld:%lld", fc->vhost,
    fc->lifetime, (long long) epoch);
  return pstrdup(p, buf);
}

/* Logs an unreadable key record once for the node and epoch. */
static void log_bad_key(const char *name, int64_t epoch, int xerrno) {
  int64_t seen = shared != NULL ? shared->bad_key_epoch : -1;

  if (shared != NULL &&
      (seen == epoch ||
       !__sync_bool_compare_and_swap(&shared->bad_key_epoch, seen, epoch))) {
    return;
  }

  secftp_log("SecureSessionCache redis: ticket key record '%s' ignored: %s; "
    "tickets of that period resume on this node only", name,
    secftp_record_strerror(xerrno));
}

/* Opens and unpacks the record text of the key of epoch.  Returns 0, or
 * -1 after logging.
 */
static int open_key_record(struct ticket_ctx *fc, const char *name,
    int64_t epoch, const char *text, size_t len,
    struct secftp_ticketkey *key) {
  unsigned char plain[SECFTP_TICKETKEY_PACKED_LEN];
  int n;

  n = secftp_record_open(fc->secret->ticket_key, SECFTP_RECORD_TICKET_KEY,
    name, time(NULL), text, len, plain, sizeof(plain));
  if (n < 0 ||
      secftp_ticketkey_unpack(plain, (size_t) n, epoch, key) < 0) {
    log_bad_key(name, epoch, n < 0 ? errno : EBADMSG);
    pr_memscrub(plain, sizeof(plain));
    return -1;
  }

  pr_memscrub(plain, sizeof(plain));
  return 0;
}

/* Creates the key of epoch in Redis, unless another node was first: a
 * new random key, or (last_good) the node's copy of a key that Redis lost
 * (restarted empty), so that the tickets already issued with it still
 * resume across the fleet.  Returns 0 (key set), 1 (someone else's key
 * exists), -1 (error).
 */
static int create_fleet_key(pool *p, struct ticket_ctx *fc, const char *name,
    int64_t epoch, const struct secftp_ticketkey *last_good,
    struct secftp_ticketkey *key) {
  unsigned char plain[SECFTP_TICKETKEY_PACKED_LEN];
  char *text;
  time_t expires;
  int res;

  if (last_good != NULL) {
    *key = *last_good;

  } else if (secftp_ticketkey_generate(epoch, key) < 0) {
    return -1;
  }

  if (secftp_ticketkey_pack(key, plain, sizeof(plain)) < 0) {
    return -1;
  }

  expires = secftp_ticketkey_expires(epoch, fc->lifetime);
  text = palloc(p, SECFTP_RECORD_TEXT_MAX);
  res = secftp_record_seal(fc->secret->ticket_key, SECFTP_RECORD_TICKET_KEY,
    name, expires, plain, sizeof(plain), text, SECFTP_RECORD_TEXT_MAX);
  pr_memscrub(plain, sizeof(plain));
  if (res < 0) {
    return -1;
  }

  /* SET NX: the first node wins, and nobody overwrites a key, not even
   * one it cannot read.
   */
  if (secftp_fleet_redis_add(name, text, (long) (expires - time(NULL)) +
      1) == 0) {
    if (last_good != NULL) {
      secftp_log("SecureSessionCache redis: ticket key record '%s' was "
        "missing in Redis (restarted empty?): re-published this node's "
        "copy", name);
    }
    pr_trace_msg(SECFTP_TRACE_TLS, 5, "created ticket key '%s'", name);
    return 0;
  }

  return errno == EEXIST ? 1 : -1;
}

/* Copies the shared key of epoch, read less than max_age seconds ago (any
 * age when max_age is negative), into key.  Returns TRUE if found.
 */
static int shared_key_get(struct ticket_ctx *fc, int64_t epoch,
    time_t max_age, struct secftp_ticketkey *key) {
  time_t now = time(NULL);
  int i, found = FALSE;

  if (secftp_fleet_lock(&shared->lock) < 0) {
    return FALSE;
  }

  for (i = 0; i < KEY_CACHE_SLOTS && !found; i++) {
    struct shared_key *sk = &shared->keys[i];

    if (sk->valid &&
        sk->key.epoch == epoch &&
        (max_age < 0 || now - sk->checked < max_age) &&
        memcmp(sk->owner, fc->owner, sizeof(fc->owner)) == 0) {
      *key = sk->key;
      found = TRUE;
    }
  }
  secftp_fleet_unlock(&shared->lock);

  return found;
}

/* Stores key for the node, over the same epoch's entry or the oldest. */
static void shared_key_put(struct ticket_ctx *fc,
    const struct secftp_ticketkey *key) {
  struct shared_key *slot = &shared->keys[0];
  int i;

  if (secftp_fleet_lock(&shared->lock) < 0) {
    return;
  }

  for (i = 0; i < KEY_CACHE_SLOTS; i++) {
    struct shared_key *sk = &shared->keys[i];

    if (sk->valid &&
        sk->key.epoch == key->epoch &&
        memcmp(sk->owner, fc->owner, sizeof(fc->owner)) == 0) {
      slot = sk;
      break;
    }

    if (!sk->valid ||
        sk->checked < slot->checked) {
      slot = sk;
    }
  }

  memcpy(slot->owner, fc->owner, sizeof(fc->owner));
  slot->key = *key;
  slot->checked = time(NULL);
  slot->valid = TRUE;
  secftp_fleet_unlock(&shared->lock);
}

/* Reads (or, when create is TRUE or the node holds a last good copy, and
 * nobody has, creates) the fleet key of epoch in Redis.  Returns 0, or -1.
 */
static int redis_fleet_key(struct ticket_ctx *fc, int64_t epoch, int create,
    const struct secftp_ticketkey *last_good, struct secftp_ticketkey *key) {
  const char *name;
  char *text;
  size_t len = 0;
  pool *tmp_pool;
  int res = -1;

  tmp_pool = make_sub_pool(session.pool ? session.pool : permanent_pool);
  name = ticket_key_name(tmp_pool, fc, epoch);

  text = secftp_fleet_redis_get(tmp_pool, name, &len);
  if (text != NULL) {
    res = open_key_record(fc, name, epoch, text, len, key);

  } else if (errno == ENOENT &&
      (create || last_good != NULL)) {
    res = create_fleet_key(tmp_pool, fc, name, epoch, last_good, key);
    if (res == 1) {
      text = secftp_fleet_redis_get(tmp_pool, name, &len);
      res = text != NULL ?
        open_key_record(fc, name, epoch, text, len, key) : -1;
    }
  }

  destroy_pool(tmp_pool);
  return res;
}

/* The fleet key of epoch: from the node's shared cache, or Redis; while
 * Redis is unavailable, the last good copy the node read.  NULL when there
 * is none.
 */
static const struct secftp_ticketkey *fleet_key(struct ticket_ctx *fc,
    int64_t epoch, int create) {
  struct secftp_ticketkey *key = &fc->fleet_key, last_good;
  int have_last_good;

  if (shared_key_get(fc, epoch, KEY_RECHECK_SECS, key)) {
    return key;
  }

  have_last_good = shared_key_get(fc, epoch, -1, &last_good);
  if (redis_fleet_key(fc, epoch, create, have_last_good ? &last_good : NULL,
      key) < 0) {
    secftp_ticketkey_clear(key);
    if (have_last_good &&
        !secftp_fleet_redis_available()) {
      *key = last_good;
      secftp_ticketkey_clear(&last_good);
      return key;
    }
    secftp_ticketkey_clear(&last_good);
    return NULL;
  }

  secftp_ticketkey_clear(&last_good);

  shared_key_put(fc, key);
  return key;
}

/* This node's (or, with SecureSessionCache off, this process's) key of
 * epoch.
 */
static const struct secftp_ticketkey *local_key(struct ticket_ctx *fc,
    int64_t epoch) {
  if (fc->mode == SECFTP_SESSION_CACHE_OFF &&
      fc->local_owner != getpid()) {
    if (RAND_bytes(fc->local_secret, sizeof(fc->local_secret)) != 1) {
      return NULL;
    }
    fc->local_owner = getpid();
    fc->local_valid = FALSE;
  }

  if (fc->local_valid &&
      fc->local_key.epoch == epoch) {
    return &fc->local_key;
  }

  fc->local_valid = secftp_ticketkey_derive_local(fc->local_secret,
    sizeof(fc->local_secret), epoch, &fc->local_key) == 0;
  return fc->local_valid ? &fc->local_key : NULL;
}

static const struct secftp_ticketkey *issuing_key(struct ticket_ctx *fc,
    int64_t epoch) {
  const struct secftp_ticketkey *key = NULL;

  if (fc->mode == SECFTP_SESSION_CACHE_REDIS) {
    key = fleet_key(fc, epoch, TRUE);
  }

  return key != NULL ? key : local_key(fc, epoch);
}

static const struct secftp_ticketkey *named_key(struct ticket_ctx *fc,
    const unsigned char *name) {
  const struct secftp_ticketkey *key = NULL;
  int origin;
  int64_t epoch;

  if (secftp_ticketkey_parse_name(name, &origin, &epoch) < 0) {
    return NULL;
  }

  if (origin == SECFTP_TICKETKEY_LOCAL) {
    key = local_key(fc, epoch);

  } else if (fc->mode == SECFTP_SESSION_CACHE_REDIS) {
    key = fleet_key(fc, epoch, FALSE);
  }

  if (key == NULL ||
      CRYPTO_memcmp(key->name, name, SECFTP_TICKETKEY_NAME_LEN) != 0) {
    return NULL;
  }

  return key;
}

/* OpenSSL's ticket key callback: returns 1 (key set), 2 (decrypted with
 * the previous key: OpenSSL issues a fresh ticket), 0 (no such key: full
 * handshake), -1 (error).
 */
static int ticket_key_cb(SSL *ssl, unsigned char *name, unsigned char *iv,
    EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc) {
  struct ticket_ctx *fc;
  const struct secftp_ticketkey *key;
  OSSL_PARAM params[3];
  int64_t now_epoch;
  int res = 1;

  fc = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ticket_ctx_idx);
  if (fc == NULL) {
    return -1;
  }

  now_epoch = secftp_ticketkey_epoch(time(NULL), fc->lifetime);

  if (enc) {
    key = issuing_key(fc, now_epoch);
    if (key == NULL ||
        RAND_bytes(iv, TICKET_IV_LEN) != 1) {
      return -1;
    }
    memcpy(name, key->name, SECFTP_TICKETKEY_NAME_LEN);

  } else {
    int origin;
    int64_t epoch;

    if (secftp_ticketkey_parse_name(name, &origin, &epoch) < 0) {
      return 0;
    }

    res = secftp_ticketkey_usable(epoch, now_epoch);
    key = res != 0 ? named_key(fc, name) : NULL;
    if (key == NULL) {
      pr_trace_msg(SECFTP_TRACE_TLS, 9, "ticket of period %lld not "
        "usable now (period %lld): full handshake", (long long) epoch,
        (long long) now_epoch);
      return 0;
    }
  }

  params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
    (void *) key->hmac, sizeof(key->hmac));
  params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
    "SHA256", 0);
  params[2] = OSSL_PARAM_construct_end();

  if (EVP_CipherInit_ex(cctx, EVP_aes_256_cbc(), NULL, key->aes, iv,
      enc) != 1 ||
      EVP_MAC_CTX_set_params(hctx, params) != 1) {
    return -1;
  }

  return res;
}

/* Setup, in the daemon
 */

static int map_shared_page(void) {
  void *page;

  if (shared != NULL) {
    return 0;
  }

  page = mmap(NULL, sizeof(struct keys_shared), PROT_READ|PROT_WRITE,
    MAP_SHARED|MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) {
    return -1;
  }

  shared = page;
  shared->bad_key_epoch = -1;
  return 0;
}

/* Tags fc's entries in the shared key cache: a digest of the secret, the
 * virtual host and the lifetime.
 */
static void set_owner(struct ticket_ctx *fc) {
  unsigned char buf[SECFTP_RECORD_KEY_LEN + 64];
  unsigned char digest[SHA256_DIGEST_LENGTH];
  int n;

  memcpy(buf, fc->secret->ticket_key, SECFTP_RECORD_KEY_LEN);
  n = snprintf((char *) buf + SECFTP_RECORD_KEY_LEN, 64, "%s:%ld",
    fc->vhost, fc->lifetime);
  SHA256(buf, SECFTP_RECORD_KEY_LEN + (size_t) n, digest);
  memcpy(fc->owner, digest, sizeof(fc->owner));
  pr_memscrub(buf, sizeof(buf));
}

int secftp_ticketcb_install(SSL_CTX *ctx, server_rec *s,
    const struct secftp_settings *st) {
  struct ticket_ctx *fc;

  if (ticket_ctx_idx < 0) {
    ticket_ctx_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
  }

  if (ticket_ctx_idx < 0 ||
      map_shared_page() < 0) {
    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": unable to set up the "
      "ticket keys: %s", strerror(errno));
    return -1;
  }

  fc = pcalloc(s->pool, sizeof(*fc));
  fc->mode = st->session_cache;
  fc->lifetime = st->ticket_key_lifetime;
  fc->secret = st->ticket_key_secret;
  fc->local_owner = getpid();
  secftp_vhostid_hex(ctx, fc->vhost);
  if (fc->secret != NULL) {
    set_owner(fc);
  }

  if (RAND_bytes(fc->local_secret, sizeof(fc->local_secret)) != 1 ||
      SSL_CTX_set_ex_data(ctx, ticket_ctx_idx, fc) != 1 ||
      SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_key_cb) != 1) {
    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": unable to set up the "
      "ticket keys of server '%s'", s->ServerName);
    return -1;
  }

  /* Sessions inherit the node's key of the current period ready-made. */
  if (fc->mode != SECFTP_SESSION_CACHE_OFF) {
    (void) local_key(fc, secftp_ticketkey_epoch(time(NULL), fc->lifetime));
  }

  return 0;
}
