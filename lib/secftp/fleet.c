/*
 * fleet: SecureSessionCache, SecureTicketKeyFile, SecureTicketKeyLifetime;
 * Redis access for session processes, and its outages.
 */

#include "secftp/fleet.h"
#include "secftp/confpos.h"
#include "secftp/log.h"

#include "redis.h"

#include <sys/mman.h>

/* After Redis failed, the node leaves it alone this long before trying
 * again, so that sessions do not each wait for a dead server.
 */
#define REDIS_RETRY_SECS	2

/* The Redis outage, as the node's processes share it (one anonymous
 * shared page, mapped in the daemon before any session forks).
 */
struct redis_shared {
  time_t down_since;		/* start of the current outage, or 0 */
  time_t retry_at;		/* no new attempt before this */
};

static struct redis_shared *shared = NULL;

/* This session process's Redis connection, opened on first use. */
static pr_redis_t *sess_redis = NULL;

/* Directive handlers
 */

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
  int fd, xerrno;

  SECFTP_CHECK_ONE_ARG(cmd);
  CHECK_CONF(cmd, CONF_ROOT|CONF_VIRTUAL|CONF_GLOBAL);

  /* Read now, as root (also when a SIGHUP re-reads the configuration):
   * sessions never see the file, only keys derived from it.
   */
  PRIVS_ROOT
  fd = open(cmd->argv[1], O_RDONLY|O_NOFOLLOW|O_CLOEXEC);
  xerrno = errno;
  PRIVS_RELINQUISH

  if (fd < 0) {
    problem = strerror(xerrno);

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
  long secs;

  SECFTP_CHECK_ONE_ARG(cmd);
  CHECK_CONF(cmd, CONF_ROOT|CONF_VIRTUAL|CONF_GLOBAL);

  if (secftp_parse_duration(cmd->argv[1], 1, &secs) < 0) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad value '",
      (char *) cmd->argv[1], "': expected a duration of at least 1s "
      "(units s, m, h)", NULL));
  }

  (void) secftp_conf_add_value(cmd, &secs, sizeof(secs));
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

time_t secftp_fleet_redis_down_since(void) {
  return shared != NULL ? shared->down_since : 0;
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

    if (xerrno == EINVAL) {
      /* Redis answered, with something other than a string (a list, a
       * hash): not a record of ours, and no outage.
       */
      redis_ok();
      secftp_log("Redis key '%s' ignored: it holds no string value", key);
      errno = EBADMSG;
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
