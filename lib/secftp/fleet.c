/*
 * fleet: SecureSessionCache, SecureTicketKeyFile, SecureTicketKeyLifetime;
 * the ticket key callback; Redis access for session processes.
 */

#include "secftp/fleet.h"
#include "secftp/fleetmap.h"
#include "secftp/log.h"
#include "secftp/sesscache.h"
#include "secftp/ticketkeys.h"

#include "redis.h"

#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/mman.h>

/* After Redis failed, the node leaves it alone this long before trying
 * again, so that sessions do not each wait for a dead server.
 */
#define REDIS_RETRY_SECS	2

#define TICKET_IV_LEN		16

/* Fleet keys read from Redis are kept for the node's processes, and read
 * again after this long (a Redis that lost its data gets new keys, and
 * nodes converge on them).
 */
#define KEY_RECHECK_SECS	10
#define KEY_CACHE_SLOTS		8

const struct secftp_token secftp_session_cache_tokens[] = {
  { "internal", SECFTP_SESSION_CACHE_INTERNAL },
  { "off", SECFTP_SESSION_CACHE_OFF },
  { "redis", SECFTP_SESSION_CACHE_REDIS },
  { NULL, 0 }
};

/* A fleet key as the node's processes share it.  owner says for which
 * secret and lifetime (two servers of one node may differ).
 */
struct shared_key {
  unsigned char owner[8];
  int valid;
  time_t checked;
  struct secftp_ticketkey key;
};

/* The state all processes of the node share (one anonymous shared page,
 * mapped in the daemon before any session forks): a session resuming a
 * ticket needs no Redis round trip while its key is fresh here.
 */
struct fleet_shared {
  time_t down_since;		/* start of the current Redis outage, or 0 */
  time_t retry_at;		/* no new attempt before this */
  int64_t bad_key_epoch;	/* last epoch whose unreadable key we logged */
  unsigned int lock;		/* guards keys */
  struct shared_key keys[KEY_CACHE_SLOTS];
};

static struct fleet_shared *shared = NULL;

/* What one TLS context needs to handle tickets; in the daemon's memory,
 * so each session process has its own copy of the key cache.
 */
struct fleet_ctx {
  int mode;			/* enum secftp_session_cache */
  long lifetime;
  const struct secftp_fleet_secret *secret;

  /* Secret of the local keys: this node's, or (off) this process's. */
  unsigned char local_secret[32];
  pid_t local_owner;

  /* Identifies secret and lifetime in the shared key cache. */
  unsigned char owner[8];

  /* This process's copy of the fleet key in use. */
  struct secftp_ticketkey fleet_key;

  struct secftp_ticketkey local_key;
  int local_valid;
};

static int fleet_ctx_idx = -1;

/* This session process's Redis connection, opened on first use. */
static pr_redis_t *sess_redis = NULL;

/* Directive handlers
 */

/* usage: SecureSessionCache internal|off|redis */
modret_t *secftp_set_session_cache(cmd_rec *cmd) {
  config_rec *c;
  int value;

  CHECK_ARGS(cmd, 1);
  CHECK_CONF(cmd, CONF_ROOT|CONF_VIRTUAL|CONF_GLOBAL);

  if (secftp_token_lookup(secftp_session_cache_tokens, cmd->argv[1],
      &value) < 0) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad value '",
      (char *) cmd->argv[1], "': expected internal, off or redis", NULL));
  }

  c = add_config_param(cmd->argv[0], 1, NULL);
  c->argv[0] = palloc(c->pool, sizeof(int));
  *((int *) c->argv[0]) = value;
  return PR_HANDLED(cmd);
}

/* Reads the secret from fd, which must be a root-only regular file of
 * SECFTP_RECORD_SECRET_MIN to _MAX bytes.  Returns NULL, or the problem.
 */
static const char *read_secret(int fd, unsigned char *buf, size_t *len) {
  struct stat st;
  ssize_t n;

  if (fstat(fd, &st) < 0) {
    return strerror(errno);
  }

  if (!S_ISREG(st.st_mode)) {
    return "not a regular file";
  }

  if (st.st_uid != 0 ||
      (st.st_mode & (S_IRWXG|S_IRWXO)) != 0) {
    return "must be owned by root and readable by root only (chmod 600)";
  }

  n = read(fd, buf, SECFTP_RECORD_SECRET_MAX + 1);
  if (n < 0) {
    return strerror(errno);
  }

  if (n < SECFTP_RECORD_SECRET_MIN ||
      n > SECFTP_RECORD_SECRET_MAX) {
    return "must hold 32 to 1024 random bytes (openssl rand 48 > file)";
  }

  *len = (size_t) n;
  return NULL;
}

/* usage: SecureTicketKeyFile path */
modret_t *secftp_set_ticket_key_file(cmd_rec *cmd) {
  struct secftp_fleet_secret *secret;
  unsigned char buf[SECFTP_RECORD_SECRET_MAX + 1];
  const char *problem;
  size_t len = 0;
  config_rec *c;
  int fd;

  CHECK_ARGS(cmd, 1);
  CHECK_CONF(cmd, CONF_ROOT|CONF_VIRTUAL|CONF_GLOBAL);

  /* Read now, as root: sessions never see the file, only derived keys. */
  fd = open(cmd->argv[1], O_RDONLY|O_NOFOLLOW|O_CLOEXEC);
  if (fd < 0) {
    problem = strerror(errno);

  } else {
    problem = read_secret(fd, buf, &len);
    (void) close(fd);
  }

  c = add_config_param(cmd->argv[0], 1, NULL);
  secret = pcalloc(c->pool, sizeof(*secret));
  secret->path = pstrdup(c->pool, cmd->argv[1]);

  if (problem == NULL &&
      (secftp_record_derive_key(buf, len, "ticket-keys",
        secret->ticket_key) < 0 ||
       secftp_record_derive_key(buf, len, "sessions",
        secret->session_key) < 0)) {
    problem = "unable to derive keys";
  }

  pr_memscrub(buf, sizeof(buf));
  if (problem != NULL) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "'", (char *) cmd->argv[1],
      "': ", problem, NULL));
  }

  c->argv[0] = secret;
  return PR_HANDLED(cmd);
}

/* usage: SecureTicketKeyLifetime duration */
modret_t *secftp_set_ticket_key_lifetime(cmd_rec *cmd) {
  config_rec *c;
  long secs;

  CHECK_ARGS(cmd, 1);
  CHECK_CONF(cmd, CONF_ROOT|CONF_VIRTUAL|CONF_GLOBAL);

  if (secftp_parse_duration(cmd->argv[1], 1, &secs) < 0) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad value '",
      (char *) cmd->argv[1], "': expected a duration of at least 1s "
      "(units s, m, h)", NULL));
  }

  c = add_config_param(cmd->argv[0], 1, NULL);
  c->argv[0] = palloc(c->pool, sizeof(long));
  *((long *) c->argv[0]) = secs;
  return PR_HANDLED(cmd);
}

/* Redis access
 */

static void redis_drop(void) {
  if (sess_redis != NULL) {
    (void) pr_redis_conn_destroy(sess_redis);
    sess_redis = NULL;
  }
}

/* Counts an outage: one log line for the node, and a pause. */
static void redis_failed(const char *what, int xerrno) {
  time_t now = time(NULL);

  redis_drop();
  if (shared == NULL) {
    return;
  }

  shared->retry_at = now + REDIS_RETRY_SECS;
  if (__sync_bool_compare_and_swap(&shared->down_since, 0, now)) {
    secftp_log("SecureSessionCache redis: Redis unavailable (%s: %s); "
      "serving with this node's own session cache and ticket keys until "
      "it is back", what, strerror(xerrno));
  }
}

static void redis_ok(void) {
  time_t since;

  if (shared == NULL) {
    return;
  }

  since = shared->down_since;
  if (since != 0 &&
      __sync_bool_compare_and_swap(&shared->down_since, since, 0)) {
    secftp_log("SecureSessionCache redis: Redis available again after "
      "%lu s", (unsigned long) (time(NULL) - since));
  }
}

static pr_redis_t *redis_conn(void) {
  if (sess_redis != NULL) {
    return sess_redis;
  }

  if (shared != NULL &&
      shared->down_since != 0 &&
      time(NULL) < shared->retry_at) {
    errno = EIO;
    return NULL;
  }

  /* Our own reconnection policy (the outage pause) replaces mod_redis'
   * immediate retry, which would make every TLS handshake wait.
   */
  sess_redis = pr_redis_conn_new(session.pool ? session.pool :
    permanent_pool, &secftp_module, PR_REDIS_CONN_FL_NO_RECONNECT);
  if (sess_redis == NULL) {
    redis_failed("connect", errno);
    errno = EIO;
    return NULL;
  }

  return sess_redis;
}

char *secftp_fleet_redis_get(pool *p, const char *key, size_t *len) {
  pr_redis_t *redis;
  char *value, *text;
  size_t n = 0;

  redis = redis_conn();
  if (redis == NULL) {
    return NULL;
  }

  value = pr_redis_kget(p, redis, &secftp_module, key, strlen(key), &n);
  if (value == NULL) {
    int xerrno = errno;

    if (xerrno == ENOENT) {
      redis_ok();
      errno = ENOENT;
      return NULL;
    }

    redis_failed("GET", xerrno);
    errno = EIO;
    return NULL;
  }

  redis_ok();
  text = palloc(p, n + 1);
  memcpy(text, value, n);
  text[n] = '\0';
  *len = n;
  return text;
}

int secftp_fleet_redis_add(const char *key, const char *value, long ttl) {
  pr_redis_t *redis;
  array_header *args;
  pool *tmp_pool;
  char ttl_text[32];
  int res, xerrno;

  redis = redis_conn();
  if (redis == NULL) {
    return -1;
  }

  tmp_pool = make_sub_pool(session.pool ? session.pool : permanent_pool);
  snprintf(ttl_text, sizeof(ttl_text), "%ld", ttl > 0 ? ttl : 1);
  args = make_array(tmp_pool, 6, sizeof(char *));
  *((const char **) push_array(args)) = "SET";
  *((const char **) push_array(args)) = key;
  *((const char **) push_array(args)) = value;
  *((const char **) push_array(args)) = "NX";
  *((const char **) push_array(args)) = "EX";
  *((const char **) push_array(args)) = ttl_text;

  /* OK when stored; a nil reply (another type) when the key exists. */
  res = pr_redis_command(redis, args, PR_REDIS_REPLY_TYPE_STATUS);
  xerrno = errno;
  destroy_pool(tmp_pool);

  if (res == 0) {
    redis_ok();
    return 0;
  }

  if (xerrno == EIO) {
    redis_failed("SET", xerrno);
    errno = EIO;
    return -1;
  }

  redis_ok();
  errno = EEXIST;
  return -1;
}

int secftp_fleet_redis_del(const char *key) {
  pr_redis_t *redis;

  redis = redis_conn();
  if (redis == NULL) {
    return -1;
  }

  if (pr_redis_kremove(redis, &secftp_module, key, strlen(key)) < 0 &&
      errno == EIO) {
    redis_failed("DEL", errno);
    return -1;
  }

  return 0;
}

/* Ticket keys
 */

/* The lifetime is part of the name: nodes configured differently never
 * share a schedule by mistake.
 */
static const char *ticket_key_name(pool *p, long lifetime, int64_t epoch) {
  char buf[96];

  snprintf(buf, sizeof(buf), "mod_secftp:ticketkey:%ld:%lld", lifetime,
    (long long) epoch);
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
static int open_key_record(struct fleet_ctx *fc, const char *name,
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

/* Creates the key of epoch in Redis, unless another node was first.
 * Returns 0 (key set), 1 (someone else's key exists), -1 (error).
 */
static int create_fleet_key(pool *p, struct fleet_ctx *fc, const char *name,
    int64_t epoch, struct secftp_ticketkey *key) {
  unsigned char plain[SECFTP_TICKETKEY_PACKED_LEN];
  char *text;
  time_t expires;
  int res;

  if (secftp_ticketkey_generate(epoch, key) < 0 ||
      secftp_ticketkey_pack(key, plain, sizeof(plain)) < 0) {
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
    pr_trace_msg(SECFTP_TRACE_TLS, 5, "created ticket key '%s'", name);
    return 0;
  }

  return errno == EEXIST ? 1 : -1;
}

static void shared_lock(void) {
  while (!__sync_bool_compare_and_swap(&shared->lock, 0, 1)) {
    sched_yield();
  }
}

static void shared_unlock(void) {
  __sync_lock_release(&shared->lock);
}

/* Copies the fresh shared key of epoch into key.  Returns TRUE if found. */
static int shared_key_get(struct fleet_ctx *fc, int64_t epoch,
    struct secftp_ticketkey *key) {
  time_t now = time(NULL);
  int i, found = FALSE;

  shared_lock();
  for (i = 0; i < KEY_CACHE_SLOTS && !found; i++) {
    struct shared_key *sk = &shared->keys[i];

    if (sk->valid &&
        sk->key.epoch == epoch &&
        now - sk->checked < KEY_RECHECK_SECS &&
        memcmp(sk->owner, fc->owner, sizeof(fc->owner)) == 0) {
      *key = sk->key;
      found = TRUE;
    }
  }
  shared_unlock();

  return found;
}

/* Stores key for the node, over the same epoch's entry or the oldest. */
static void shared_key_put(struct fleet_ctx *fc,
    const struct secftp_ticketkey *key) {
  struct shared_key *slot = &shared->keys[0];
  int i;

  shared_lock();
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
  shared_unlock();
}

/* Reads (or, when create is TRUE and nobody has, creates) the fleet key
 * of epoch in Redis.  Returns 0, or -1.
 */
static int redis_fleet_key(struct fleet_ctx *fc, int64_t epoch, int create,
    struct secftp_ticketkey *key) {
  const char *name;
  char *text;
  size_t len = 0;
  pool *tmp_pool;
  int res = -1;

  tmp_pool = make_sub_pool(session.pool ? session.pool : permanent_pool);
  name = ticket_key_name(tmp_pool, fc->lifetime, epoch);

  text = secftp_fleet_redis_get(tmp_pool, name, &len);
  if (text != NULL) {
    res = open_key_record(fc, name, epoch, text, len, key);

  } else if (errno == ENOENT && create) {
    res = create_fleet_key(tmp_pool, fc, name, epoch, key);
    if (res == 1) {
      text = secftp_fleet_redis_get(tmp_pool, name, &len);
      res = text != NULL ?
        open_key_record(fc, name, epoch, text, len, key) : -1;
    }
  }

  destroy_pool(tmp_pool);
  return res;
}

/* The fleet key of epoch: from the node's shared cache, or Redis.  NULL
 * when unavailable.
 */
static const struct secftp_ticketkey *fleet_key(struct fleet_ctx *fc,
    int64_t epoch, int create) {
  struct secftp_ticketkey *key = &fc->fleet_key;

  if (shared_key_get(fc, epoch, key)) {
    return key;
  }

  if (redis_fleet_key(fc, epoch, create, key) < 0) {
    secftp_ticketkey_clear(key);
    return NULL;
  }

  shared_key_put(fc, key);
  return key;
}

/* This node's (or, with SecureSessionCache off, this process's) key of
 * epoch.
 */
static const struct secftp_ticketkey *local_key(struct fleet_ctx *fc,
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

static const struct secftp_ticketkey *issuing_key(struct fleet_ctx *fc,
    int64_t epoch) {
  const struct secftp_ticketkey *key = NULL;

  if (fc->mode == SECFTP_SESSION_CACHE_REDIS) {
    key = fleet_key(fc, epoch, TRUE);
  }

  return key != NULL ? key : local_key(fc, epoch);
}

static const struct secftp_ticketkey *named_key(struct fleet_ctx *fc,
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
  struct fleet_ctx *fc;
  const struct secftp_ticketkey *key;
  OSSL_PARAM params[3];
  int64_t now_epoch;
  int res = 1;

  fc = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), fleet_ctx_idx);
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

  page = mmap(NULL, sizeof(struct fleet_shared), PROT_READ|PROT_WRITE,
    MAP_SHARED|MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) {
    return -1;
  }

  shared = page;
  shared->bad_key_epoch = -1;
  return 0;
}

/* A use of Redis (what) needs mod_redis and a RedisServer. */
static int check_redis_server(server_rec *s, const char *what) {
  if (pr_module_exists("mod_redis.c") == FALSE ||
      (find_config(s->conf, CONF_PARAM, "RedisServer", FALSE) == NULL &&
       find_config(main_server->conf, CONF_PARAM, "RedisServer",
         FALSE) == NULL)) {
    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": server '%s': "
      "'%s' needs mod_redis (LoadModule mod_redis.c) and a RedisServer",
      s->ServerName, what);
    return -1;
  }

  return 0;
}

/* SecureSessionCache redis needs Redis configured, and the secret. */
static int check_redis_config(server_rec *s,
    const struct secftp_settings *st) {
  if (st->ticket_key_secret == NULL) {
    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": server '%s': "
      "'SecureSessionCache redis' needs SecureTicketKeyFile (the same "
      "root-only file of random bytes on every node)", s->ServerName);
    return -1;
  }

  return check_redis_server(s, "SecureSessionCache redis");
}

/* Tags fc's entries in the shared key cache: a digest of the secret and
 * the lifetime.
 */
static void set_owner(struct fleet_ctx *fc) {
  unsigned char buf[SECFTP_RECORD_KEY_LEN + 32];
  unsigned char digest[SHA256_DIGEST_LENGTH];
  int n;

  memcpy(buf, fc->secret->ticket_key, SECFTP_RECORD_KEY_LEN);
  n = snprintf((char *) buf + SECFTP_RECORD_KEY_LEN, 32, "%ld",
    fc->lifetime);
  SHA256(buf, SECFTP_RECORD_KEY_LEN + (size_t) n, digest);
  memcpy(fc->owner, digest, sizeof(fc->owner));
  pr_memscrub(buf, sizeof(buf));
}

int secftp_fleet_setup_ctx(SSL_CTX *ctx, server_rec *s,
    const struct secftp_settings *st) {
  struct fleet_ctx *fc;

  if (st->session_cache == SECFTP_SESSION_CACHE_REDIS &&
      check_redis_config(s, st) < 0) {
    return -1;
  }

  if (secftp_fleetmap_is_redis(st->certmap_path) &&
      (check_redis_server(s, "SecureCertMap redis:") < 0 ||
       secftp_fleetmap_setup(s, st->certmap_path) < 0)) {
    return -1;
  }

  if (fleet_ctx_idx < 0) {
    fleet_ctx_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
  }

  if (fleet_ctx_idx < 0 ||
      map_shared_page() < 0) {
    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": unable to set up the "
      "session cache: %s", strerror(errno));
    return -1;
  }

  fc = pcalloc(s->pool, sizeof(*fc));
  fc->mode = st->session_cache;
  fc->lifetime = st->ticket_key_lifetime;
  fc->secret = st->ticket_key_secret;
  fc->local_owner = getpid();
  if (fc->secret != NULL) {
    set_owner(fc);
  }
  if (RAND_bytes(fc->local_secret, sizeof(fc->local_secret)) != 1 ||
      SSL_CTX_set_ex_data(ctx, fleet_ctx_idx, fc) != 1 ||
      SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_key_cb) != 1) {
    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": unable to set up the "
      "ticket keys of server '%s'", s->ServerName);
    return -1;
  }

  if (fc->mode == SECFTP_SESSION_CACHE_REDIS) {
    secftp_sesscache_install(ctx, fc->secret->session_key);
  }

  return 0;
}
