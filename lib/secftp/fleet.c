/*
 * fleet: SecureSessionCache, SecureTicketKeyFile, SecureTicketKeyLifetime;
 * the node's Redis for session processes: every wait bounded (redisc), and
 * the circuit breaker the node's processes share.
 */

#include "secftp/fleet.h"
#include "secftp/confpos.h"
#include "secftp/log.h"
#include "secftp/ticketkeys.h"

#include "secftp/redisc.h"
#include "secftp/redisconf.h"
#include "secftp/rootfile.h"

#include <sys/mman.h>

/* The Redis outage as the node's processes share it: the circuit breaker
 * (one anonymous shared page, mapped in the daemon before any session
 * forks).  Closed while down_since is 0.  Open: nobody uses Redis before
 * retry_at; then one process at a time (probe) tries it, and its result
 * closes the breaker or opens it for another back-off.  A hung Redis thus
 * costs the node one timeout per back-off, not one per session.
 */
struct redis_shared {
  time_t down_since;		/* start of the current outage, or 0 */
  int64_t retry_at;		/* monotonic ms: no attempt before this */
  pid_t probe;			/* the process trying Redis again, or 0 */
  int64_t probe_until;		/* monotonic ms: a probe stuck past this is
				 * taken over */
  unsigned long skipped;	/* operations skipped in this outage */
};

static struct redis_shared *shared = NULL;

/* The node's Redis, resolved by the daemon at (re)start. */
static struct secftp_redis_node node;

/* This session process's Redis connection, opened on first use. */
static struct secftp_redisc *sess_redis = NULL;
static pid_t sess_redis_pid = 0;

/* Directive handlers
 */

/* usage: SecureTicketKeyFile path */
modret_t *secftp_set_ticket_key_file(cmd_rec *cmd) {
  struct secftp_fleet_secret *secret;
  unsigned char buf[SECFTP_RECORD_SECRET_MAX + 1];
  const char *problem;
  size_t len = 0;
  config_rec *c;

  SECFTP_CHECK_ONE_ARG(cmd);
  CHECK_CONF(cmd, CONF_ROOT|CONF_VIRTUAL|CONF_GLOBAL);

  /* Read now, as root: sessions never see the file, only keys derived
   * from it.
   */
  problem = secftp_rootfile_read(cmd->argv[1], buf, sizeof(buf),
    &len);
  if (problem == NULL &&
      (len < SECFTP_RECORD_SECRET_MIN ||
       len > SECFTP_RECORD_SECRET_MAX)) {
    problem = "must hold 32 to 1024 random bytes (openssl rand 48 > file)";
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
  long secs;

  SECFTP_CHECK_ONE_ARG(cmd);
  CHECK_CONF(cmd, CONF_ROOT|CONF_VIRTUAL|CONF_GLOBAL);

  /* Bounded (SPEC 6.1): a week at most, see ticketkeys.h. */
  if (secftp_parse_duration(cmd->argv[1], 1, &secs) < 0 ||
      secs > SECFTP_TICKET_KEY_LIFETIME_MAX) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad value '",
      (char *) cmd->argv[1], "': expected a duration from 1s to 168h "
      "(units s, m, h)", NULL));
  }

  (void) secftp_conf_add_value(cmd, &secs, sizeof(secs));
  return PR_HANDLED(cmd);
}

/* The circuit breaker
 */

static int64_t monotonic_ms(void) {
  struct timespec ts;

  (void) clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A probe still running after this long died or hung past every bound. */
static int64_t probe_bound_ms(void) {
  return 2 * (node.target.connect_ms + 2 * node.target.io_ms) + 1000;
}

static int probe_alive(pid_t holder, int64_t now) {
  return holder != 0 &&
    now < shared->probe_until &&
    (kill(holder, 0) == 0 || errno != ESRCH);
}

/* TRUE when this process may use Redis now. */
static int breaker_allows(void) {
  pid_t holder, self = getpid();
  int64_t now;

  if (shared == NULL ||
      shared->down_since == 0) {
    return TRUE;
  }

  now = monotonic_ms();
  holder = shared->probe;
  if (holder == self) {
    return TRUE;
  }

  if (now < shared->retry_at ||
      probe_alive(holder, now) ||
      !__sync_bool_compare_and_swap(&shared->probe, holder, self)) {
    __sync_fetch_and_add(&shared->skipped, 1);
    return FALSE;
  }

  shared->probe_until = now + probe_bound_ms();
  pr_trace_msg(SECFTP_TRACE_TLS, 5, "circuit breaker: trying Redis again "
    "after the back-off");
  return TRUE;
}

/* Redis failed (what: the reason): the breaker opens for a back-off;
 * logged once per outage for the node.
 */
static void breaker_failed(const char *what) {
  time_t now = time(NULL);

  if (shared == NULL) {
    return;
  }

  shared->retry_at = monotonic_ms() + node.backoff * 1000;
  (void) __sync_bool_compare_and_swap(&shared->probe, getpid(), 0);

  if (__sync_bool_compare_and_swap(&shared->down_since, 0, now)) {
    shared->skipped = 0;
    secftp_log("SecureSessionCache redis: Redis unavailable (%s); circuit "
      "breaker open: Redis skipped for %ld s at a time, serving with this "
      "node's own session cache, the last good ticket keys and the last "
      "good certificate map until it is back", what, node.backoff);

  } else {
    pr_trace_msg(SECFTP_TRACE_TLS, 5, "circuit breaker: Redis still "
      "unavailable (%s)", what);
  }
}

static void breaker_ok(void) {
  time_t since;

  if (shared == NULL) {
    return;
  }

  (void) __sync_bool_compare_and_swap(&shared->probe, getpid(), 0);
  since = shared->down_since;
  if (since != 0 &&
      __sync_bool_compare_and_swap(&shared->down_since, since, 0)) {
    secftp_log("SecureSessionCache redis: Redis available again after "
      "%lu s; circuit breaker closed (%lu operations skipped meanwhile)",
      (unsigned long) (time(NULL) - since), shared->skipped);
  }
}

time_t secftp_fleet_redis_down_since(void) {
  return shared != NULL ? shared->down_since : 0;
}

/* Redis access
 */

enum redis_op_kind { REDIS_GET, REDIS_ADD, REDIS_DEL };

struct redis_op {
  enum redis_op_kind kind;
  const char *key;
  const char *value;		/* ADD */
  long ttl;			/* ADD */
  char *result;			/* GET: malloc'd */
  size_t len;			/* GET */
};

static void redis_drop(void) {
  secftp_redisc_free(sess_redis);
  sess_redis = NULL;
}

/* This process's connection, opened if need be.  NULL with err filled in
 * when Redis cannot be reached (the caller opens the breaker).
 */
static struct secftp_redisc *redis_connect(char *err, size_t err_len) {
  if (sess_redis != NULL &&
      sess_redis_pid == getpid() &&
      secftp_redisc_usable(sess_redis)) {
    return sess_redis;
  }

  /* A connection inherited across fork, or broken, is never reused
   * (closing this process's copy of the socket leaves the parent's open).
   */
  redis_drop();
  sess_redis = secftp_redisc_connect(&node.target, err, err_len);
  sess_redis_pid = getpid();
  return sess_redis;
}

static int redis_run(struct secftp_redisc *c, struct redis_op *op,
    char *err, size_t err_len) {
  switch (op->kind) {
    case REDIS_GET:
      return secftp_redisc_get(c, op->key, &op->result, &op->len, err,
        err_len);

    case REDIS_ADD:
      return secftp_redisc_add(c, op->key, op->value, op->ttl, err,
        err_len);

    case REDIS_DEL:
      return secftp_redisc_del(c, op->key, err, err_len);
  }

  errno = EINVAL;
  return -1;
}

/* Runs op under the breaker.  Returns what redisc returned (0, 1), or -1
 * with errno EIO (Redis unavailable: skipped, or it just failed) or the
 * errno of Redis' own refusal (EBADMSG, EACCES, EPROTO; logged).
 */
static int redis_do(struct redis_op *op) {
  struct secftp_redisc *c;
  char err[256];
  int res, reused, xerrno;

  if (!node.configured ||
      !breaker_allows()) {
    errno = EIO;
    return -1;
  }

  err[0] = '\0';
  reused = sess_redis != NULL && sess_redis_pid == getpid();
  c = redis_connect(err, sizeof(err));
  res = c != NULL ? redis_run(c, op, err, sizeof(err)) : -1;
  xerrno = errno;

  /* A kept connection that Redis closed (a restart) is replaced once at
   * once; a timeout never is: it would double the wait.
   */
  if (res < 0 &&
      c != NULL &&
      reused &&
      !secftp_redisc_usable(c) &&
      xerrno != ETIMEDOUT) {
    err[0] = '\0';
    c = redis_connect(err, sizeof(err));
    res = c != NULL ? redis_run(c, op, err, sizeof(err)) : -1;
    xerrno = errno;
  }

  if (res >= 0 ||
      (c != NULL && secftp_redisc_usable(c))) {
    /* Redis answered (perhaps with a refusal). */
    breaker_ok();
    if (res < 0 &&
        xerrno != EBADMSG) {
      secftp_log("SecureSessionCache redis: Redis refused an operation on "
        "'%s': %s", op->key, err);
    }
    errno = xerrno;
    return res;
  }

  redis_drop();
  breaker_failed(err[0] ? err : strerror(xerrno));
  errno = EIO;
  return -1;
}

char *secftp_fleet_redis_get(pool *p, const char *key, size_t *len) {
  struct redis_op op;
  char *text;
  int res;

  memset(&op, 0, sizeof(op));
  op.kind = REDIS_GET;
  op.key = key;
  res = redis_do(&op);

  if (res == 1) {
    errno = ENOENT;
    return NULL;
  }

  if (res < 0) {
    if (errno == EBADMSG) {
      /* A list, a hash: not a record of ours, and no outage. */
      secftp_log("Redis key '%s' ignored: it holds no string value", key);
      errno = EBADMSG;
    }
    return NULL;
  }

  text = palloc(p, op.len + 1);
  memcpy(text, op.result, op.len + 1);
  *len = op.len;
  pr_memscrub(op.result, op.len);
  free(op.result);
  return text;
}

int secftp_fleet_redis_add(const char *key, const char *value, long ttl) {
  struct redis_op op;
  int res;

  memset(&op, 0, sizeof(op));
  op.kind = REDIS_ADD;
  op.key = key;
  op.value = value;
  op.ttl = ttl;
  res = redis_do(&op);

  if (res == 1) {
    errno = EEXIST;
    return -1;
  }

  return res;
}

int secftp_fleet_redis_del(const char *key) {
  struct redis_op op;

  memset(&op, 0, sizeof(op));
  op.kind = REDIS_DEL;
  op.key = key;
  return redis_do(&op) < 0 ? -1 : 0;
}

int secftp_fleet_redis_available(void) {
  return node.configured &&
    (shared == NULL || shared->down_since == 0);
}

/* Setup, in the daemon
 */

static int map_shared_page(void) {
  void *page;

  if (shared != NULL) {
    return 0;
  }

  page = mmap(NULL, sizeof(struct redis_shared), PROT_READ|PROT_WRITE,
    MAP_SHARED|MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) {
    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": unable to map shared "
      "memory: %s", strerror(errno));
    return -1;
  }

  shared = page;
  return 0;
}

int secftp_fleet_lock(volatile pid_t *lock) {
  pid_t self = getpid();
  int tries;

  for (tries = 0; tries < 500; tries++) {
    pid_t holder = *lock;

    if (holder == 0 &&
        __sync_bool_compare_and_swap(lock, 0, self)) {
      return 0;
    }

    if (holder != 0 &&
        kill(holder, 0) < 0 &&
        errno == ESRCH &&
        __sync_bool_compare_and_swap(lock, holder, self)) {
      return 0;
    }

    if (tries < 50) {
      sched_yield();

    } else {
      pr_timer_usleep(100);
    }
  }

  return -1;
}

void secftp_fleet_unlock(volatile pid_t *lock) {
  (void) __sync_bool_compare_and_swap(lock, getpid(), 0);
}

/* A use of Redis (what) needs the node's Redis. */
static int check_redis_server(server_rec *s, const char *what) {
  if (!node.configured) {
    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": server '%s': '%s' needs "
      "SecureRedisServer (host:port or /path.sock) at server config level "
      "(or there, mod_redis' RedisServer)", s->ServerName, what);
    return -1;
  }

  return 0;
}

int secftp_fleet_load_node(void) {
  /* A connection of the old configuration is never used again. */
  redis_drop();
  if (secftp_redisconf_load(&node) < 0) {
    return -1;
  }

  if (node.configured) {
    pr_trace_msg(SECFTP_TRACE_TLS, 5, "fleet Redis from %s: %s%s%d, "
      "timeouts %ld/%ld ms, back-off %ld s", node.directive,
      node.target.path[0] ? node.target.path : node.target.host,
      node.target.path[0] ? "" : " port ", node.target.path[0] ? 0 :
      node.target.port, node.target.connect_ms, node.target.io_ms,
      node.backoff);
  }

  return 0;
}

/* SecureSessionCache redis needs Redis configured, and the secret. */
static int check_redis_config(server_rec *s,
    const struct secftp_settings *st) {
  if (st->ticket_key_secret == NULL) {
    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": server '%s': "
      "'SecureSessionCache redis' needs SecureTicketKeyFile (the same "
      "root-only file of random bytes on every node)%s", s->ServerName,
      secftp_confpos_where(s->pool, s, "SecureSessionCache", NULL));
    return -1;
  }

  return check_redis_server(s, "SecureSessionCache redis");
}

int secftp_fleet_check(server_rec *s, const struct secftp_settings *st,
    int redis_certmap) {
  if (st->session_cache == SECFTP_SESSION_CACHE_REDIS &&
      check_redis_config(s, st) < 0) {
    return -1;
  }

  if (redis_certmap &&
      check_redis_server(s, "SecureCertMap redis:") < 0) {
    return -1;
  }

  return map_shared_page();
}
