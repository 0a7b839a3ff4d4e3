/*
 * redisconf: SecureRedisServer, SecureRedisTimeouts, and the node's Redis.
 */

#include "secftp/redisconf.h"
#include "secftp/rootfile.h"
#include "secftp/values.h"

#include <netdb.h>

/* The password of SecureRedisServer: inline, or the first line of a
 * root-only file (file:PATH), read now, as root.  Returns NULL, or the
 * problem.
 */
static const char *read_password(cmd_rec *cmd, const char *arg, char *buf,
    size_t size) {
  unsigned char raw[SECFTP_REDISC_PASSWORD_MAX + 2];
  const char *problem;
  size_t len = 0;

  if (strncmp(arg, "file:", 5) != 0) {
    if (strlen(arg) >= size) {
      return "password too long (at most 511 bytes)";
    }
    sstrncpy(buf, arg, size);
    return NULL;
  }

  problem = secftp_rootfile_read(arg + 5, raw, sizeof(raw) - 1, &len);
  if (problem != NULL) {
    return pstrcat(cmd->tmp_pool, "'", arg + 5, "': ", problem, NULL);
  }

  /* The first line; a trailing CR LF is not part of it. */
  raw[len] = '\0';
  len = strcspn((char *) raw, "\r\n");
  if (len == 0 ||
      len >= size ||
      memchr(raw, '\0', len) != NULL) {
    pr_memscrub(raw, sizeof(raw));
    return pstrcat(cmd->tmp_pool, "'", arg + 5, "': expected a password of "
      "1 to 511 bytes on its first line", NULL);
  }

  memcpy(buf, raw, len);
  buf[len] = '\0';
  pr_memscrub(raw, sizeof(raw));
  return NULL;
}

/* usage: SecureRedisServer host[:port]|/path.sock [[user] password|file:PATH]
 */
modret_t *secftp_set_redis_server(cmd_rec *cmd) {
  struct secftp_redisc_target *t;
  const char *problem = NULL;
  config_rec *c;

  if (cmd->argc < 2 ||
      cmd->argc > 4) {
    CONF_ERROR(cmd, "expected an address (host:port or /path.sock), then "
      "optionally a user and a password (or file:PATH)");
  }
  CHECK_CONF(cmd, CONF_ROOT|CONF_GLOBAL);

  c = add_config_param(cmd->argv[0], 1, NULL);
  t = pcalloc(c->pool, sizeof(*t));
  c->argv[0] = t;

  if (secftp_redisc_parse_address(cmd->argv[1], t) < 0) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad address '",
      (char *) cmd->argv[1], "': expected host:port, [IPv6]:port or an "
      "absolute path to a Unix socket (", strerror(errno), ")", NULL));
  }

  if (cmd->argc == 4) {
    if (strlen(cmd->argv[2]) > SECFTP_REDISC_USER_MAX) {
      CONF_ERROR(cmd, "user name too long");
    }
    sstrncpy(t->user, cmd->argv[2], sizeof(t->user));
  }

  if (cmd->argc >= 3) {
    problem = read_password(cmd, cmd->argv[cmd->argc - 1], t->password,
      sizeof(t->password));
  }

  if (problem != NULL) {
    CONF_ERROR(cmd, problem);
  }

  return PR_HANDLED(cmd);
}

/* usage: SecureRedisTimeouts connect-ms io-ms [back-off] */
modret_t *secftp_set_redis_timeouts(cmd_rec *cmd) {
  long connect_ms, io_ms, backoff = SECFTP_REDIS_BACKOFF_DEFAULT;
  config_rec *c;

  if (cmd->argc < 3 ||
      cmd->argc > 4) {
    CONF_ERROR(cmd, "expected connect-ms io-ms [back-off]");
  }
  CHECK_CONF(cmd, CONF_ROOT|CONF_GLOBAL);

  if (secftp_parse_seconds(cmd->argv[1], 1, SECFTP_REDISC_MS_MAX,
        &connect_ms) < 0 ||
      secftp_parse_seconds(cmd->argv[2], 1, SECFTP_REDISC_MS_MAX,
        &io_ms) < 0) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad timeouts '",
      (char *) cmd->argv[1], " ", (char *) cmd->argv[2], "': expected "
      "milliseconds from 1 to 10000", NULL));
  }

  if (cmd->argc == 4 &&
      (secftp_parse_duration(cmd->argv[3], 1, &backoff) < 0 ||
       backoff > SECFTP_REDIS_BACKOFF_MAX)) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad back-off '",
      (char *) cmd->argv[3], "': expected a duration from 1s to 5m", NULL));
  }

  c = add_config_param(cmd->argv[0], 3, NULL, NULL, NULL);
  c->argv[0] = palloc(c->pool, sizeof(long));
  *((long *) c->argv[0]) = connect_ms;
  c->argv[1] = palloc(c->pool, sizeof(long));
  *((long *) c->argv[1]) = io_ms;
  c->argv[2] = palloc(c->pool, sizeof(long));
  *((long *) c->argv[2]) = backoff;
  return PR_HANDLED(cmd);
}

/* mod_redis' RedisServer (argv: host or socket path, port, user, password,
 * database, ssl, ...), for configurations written before
 * SecureRedisServer.  Returns 0, 1 (none), or -1 after logging.
 */
static int from_mod_redis(struct secftp_redis_node *node) {
  struct secftp_redisc_target *t = &node->target;
  config_rec *c;
  const char *host;

  c = find_config(main_server->conf, CONF_PARAM, "RedisServer", FALSE);
  if (c == NULL ||
      c->argc < 6) {
    return 1;
  }

  host = c->argv[0];
  if ((c->argv[4] != NULL && *((char *) c->argv[4]) != '\0') ||
      *((int *) c->argv[5]) == TRUE) {
    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": RedisServer %s: a "
      "database index or ssl: cannot be used by mod_secftp's Redis client; "
      "name the fleet's Redis with SecureRedisServer (doc/fleet.md)", host);
    return -1;
  }

  if (strlen(host) > SECFTP_REDISC_HOST_MAX ||
      (c->argv[2] != NULL && strlen(c->argv[2]) > SECFTP_REDISC_USER_MAX) ||
      (c->argv[3] != NULL &&
       strlen(c->argv[3]) > SECFTP_REDISC_PASSWORD_MAX)) {
    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": RedisServer %s: address "
      "or credentials too long", host);
    return -1;
  }

  if (*host == '/') {
    sstrncpy(t->path, host, sizeof(t->path));

  } else {
    sstrncpy(t->host, host, sizeof(t->host));
    t->port = *((int *) c->argv[1]);
  }

  if (c->argv[2] != NULL) {
    sstrncpy(t->user, c->argv[2], sizeof(t->user));
  }

  if (c->argv[3] != NULL) {
    sstrncpy(t->password, c->argv[3], sizeof(t->password));
  }

  node->directive = "RedisServer";
  pr_log_pri(PR_LOG_NOTICE, MOD_SECFTP_VERSION ": no SecureRedisServer: "
    "the fleet uses RedisServer's address (%s) with mod_secftp's own "
    "client and timeouts (SecureRedisTimeouts)", host);
  return 0;
}

/* Resolves the host once, in the daemon: sessions connect to the
 * numeric address and never wait for DNS.  Returns 0, or -1 after logging.
 */
static int resolve_host(struct secftp_redisc_target *t,
    const char *directive) {
  struct addrinfo hints, *res = NULL;
  char numeric[NI_MAXHOST];
  int rc;

  if (t->path[0] != '\0') {
    return 0;
  }

  memset(&hints, 0, sizeof(hints));
  hints.ai_socktype = SOCK_STREAM;
  rc = getaddrinfo(t->host, NULL, &hints, &res);
  if (rc == 0) {
    rc = getnameinfo(res->ai_addr, res->ai_addrlen, numeric,
      sizeof(numeric), NULL, 0, NI_NUMERICHOST);
    freeaddrinfo(res);
  }

  if (rc != 0) {
    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": %s: unable to resolve "
      "'%s': %s", directive, t->host, gai_strerror(rc));
    return -1;
  }

  sstrncpy(t->host, numeric, sizeof(t->host));
  return 0;
}

void secftp_redisconf_clear(struct secftp_redis_node *node) {
  pr_memscrub(node, sizeof(*node));
  node->configured = FALSE;
}

int secftp_redisconf_load(struct secftp_redis_node *node) {
  config_rec *c;
  int res;

  secftp_redisconf_clear(node);
  node->target.connect_ms = SECFTP_REDISC_CONNECT_MS_DEFAULT;
  node->target.io_ms = SECFTP_REDISC_IO_MS_DEFAULT;
  node->backoff = SECFTP_REDIS_BACKOFF_DEFAULT;

  c = find_config(main_server->conf, CONF_PARAM, "SecureRedisServer", FALSE);
  if (c != NULL) {
    memcpy(&node->target, c->argv[0], sizeof(node->target));
    node->directive = "SecureRedisServer";
    res = 0;

  } else {
    res = from_mod_redis(node);
  }

  if (res != 0) {
    return res < 0 ? -1 : 0;
  }

  c = find_config(main_server->conf, CONF_PARAM, "SecureRedisTimeouts",
    FALSE);
  if (c != NULL) {
    node->target.connect_ms = *((long *) c->argv[0]);
    node->target.io_ms = *((long *) c->argv[1]);
    node->backoff = *((long *) c->argv[2]);

  } else {
    node->target.connect_ms = SECFTP_REDISC_CONNECT_MS_DEFAULT;
    node->target.io_ms = SECFTP_REDISC_IO_MS_DEFAULT;
  }

  if (resolve_host(&node->target, node->directive) < 0) {
    return -1;
  }

  node->configured = TRUE;
  return 0;
}
