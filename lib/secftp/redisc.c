/*
 * redisc: a bounded Redis client on libhiredis.
 */

#include "redisc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#define REDIS_DEFAULT_PORT	6379

struct secftp_redisc {
  redisContext *ctx;
};

/* Addresses
 */

static int copy_bounded(char *dst, size_t size, const char *src, size_t len) {
  if (len == 0) {
    errno = EINVAL;
    return -1;
  }

  if (len >= size) {
    errno = ENAMETOOLONG;
    return -1;
  }

  memcpy(dst, src, len);
  dst[len] = '\0';
  return 0;
}

static int parse_port(const char *text, int *port) {
  long n = 0;
  const char *c;

  if (*text == '\0' ||
      strlen(text) > 5) {
    errno = EINVAL;
    return -1;
  }

  for (c = text; *c; c++) {
    if (*c < '0' || *c > '9') {
      errno = EINVAL;
      return -1;
    }
    n = n * 10 + (*c - '0');
  }

  if (n < 1 ||
      n > 65535) {
    errno = EINVAL;
    return -1;
  }

  *port = (int) n;
  return 0;
}

int secftp_redisc_parse_address(const char *text,
    struct secftp_redisc_target *t) {
  const char *colon, *host = text;
  size_t host_len;

  if (text == NULL ||
      t == NULL) {
    errno = EINVAL;
    return -1;
  }

  t->host[0] = t->path[0] = '\0';
  t->port = REDIS_DEFAULT_PORT;

  if (*text == '/') {
    return copy_bounded(t->path, sizeof(t->path), text, strlen(text));
  }

  if (*text == '[') {
    const char *end = strchr(text, ']');

    if (end == NULL ||
        (end[1] != '\0' && end[1] != ':')) {
      errno = EINVAL;
      return -1;
    }

    host = text + 1;
    host_len = (size_t) (end - host);
    colon = end[1] == ':' ? end + 1 : NULL;

  } else {
    colon = strchr(text, ':');
    if (colon != NULL &&
        strchr(colon + 1, ':') != NULL) {
      /* A bare IPv6 address: which part is the port?  Brackets say. */
      errno = EINVAL;
      return -1;
    }
    host_len = colon != NULL ? (size_t) (colon - text) : strlen(text);
  }

  if (colon != NULL &&
      parse_port(colon + 1, &t->port) < 0) {
    return -1;
  }

  return copy_bounded(t->host, sizeof(t->host), host, host_len);
}

/* Errors
 */

/* The errno for what hiredis reports on ctx: a read or write that hit
 * SO_RCVTIMEO/SO_SNDTIMEO (EAGAIN) is a timeout, like a connect that did
 * not complete in time.
 */
static int context_errno(const redisContext *ctx, int saved) {
  if (ctx->err == REDIS_ERR_EOF) {
    return ECONNRESET;
  }

  if (ctx->err == REDIS_ERR_IO) {
    if (saved == EAGAIN ||
        saved == EWOULDBLOCK ||
        saved == ETIMEDOUT ||
        saved == EINPROGRESS) {
      return ETIMEDOUT;
    }
    return saved != 0 ? saved : EIO;
  }

  return EPROTO;
}

static int fail_context(const redisContext *ctx, int saved, const char *what,
    char *err, size_t err_len) {
  int xerrno = context_errno(ctx, saved);

  snprintf(err, err_len, "%s: %s", what, xerrno == ETIMEDOUT ?
    "no answer in time" : ctx->errstr[0] ? ctx->errstr : strerror(xerrno));
  errno = xerrno;
  return -1;
}

/* Redis answered with an error: ACL refusals are EACCES. */
static int fail_reply(const redisReply *reply, const char *what, char *err,
    size_t err_len) {
  int xerrno = EPROTO;

  if (strncmp(reply->str, "NOAUTH", 6) == 0 ||
      strncmp(reply->str, "NOPERM", 6) == 0 ||
      strncmp(reply->str, "WRONGPASS", 9) == 0 ||
      strncmp(reply->str, "ERR invalid password", 20) == 0) {
    xerrno = EACCES;

  } else if (strncmp(reply->str, "WRONGTYPE", 9) == 0) {
    xerrno = EBADMSG;
  }

  snprintf(err, err_len, "%s: %.200s", what, reply->str);
  errno = xerrno;
  return -1;
}

/* Runs one command (argv, argc) on c.  Returns the reply, or NULL after
 * filling err (errno set).
 */
static redisReply *run(struct secftp_redisc *c, int argc, const char **argv,
    char *err, size_t err_len) {
  redisReply *reply;
  int saved;

  if (c == NULL ||
      c->ctx == NULL ||
      c->ctx->err != 0) {
    snprintf(err, err_len, "%s: connection unusable", argv[0]);
    errno = ENOTCONN;
    return NULL;
  }

  errno = 0;
  reply = redisCommandArgv(c->ctx, argc, argv, NULL);
  saved = errno;
  if (reply == NULL) {
    (void) fail_context(c->ctx, saved, argv[0], err, err_len);
    return NULL;
  }

  if (reply->type == REDIS_REPLY_ERROR) {
    (void) fail_reply(reply, argv[0], err, err_len);
    saved = errno;
    freeReplyObject(reply);
    errno = saved;
    return NULL;
  }

  return reply;
}

/* Connections
 */

static struct timeval ms_to_timeval(long ms) {
  struct timeval tv;

  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  return tv;
}

static int authenticate(struct secftp_redisc *c,
    const struct secftp_redisc_target *t, char *err, size_t err_len) {
  const char *argv[3];
  redisReply *reply;
  int argc = 0;

  if (t->password[0] == '\0') {
    return 0;
  }

  argv[argc++] = "AUTH";
  if (t->user[0] != '\0') {
    argv[argc++] = t->user;
  }
  argv[argc++] = t->password;

  reply = run(c, argc, argv, err, err_len);
  if (reply == NULL) {
    return -1;
  }

  freeReplyObject(reply);
  return 0;
}

struct secftp_redisc *secftp_redisc_connect(
    const struct secftp_redisc_target *t, char *err, size_t err_len) {
  struct secftp_redisc *c;
  int saved;

  if (t == NULL ||
      err == NULL ||
      err_len == 0) {
    errno = EINVAL;
    return NULL;
  }

  c = calloc(1, sizeof(*c));
  if (c == NULL) {
    snprintf(err, err_len, "connect: %s", strerror(ENOMEM));
    errno = ENOMEM;
    return NULL;
  }

  errno = 0;
  c->ctx = t->path[0] != '\0' ?
    redisConnectUnixWithTimeout(t->path, ms_to_timeval(t->connect_ms)) :
    redisConnectWithTimeout(t->host, t->port, ms_to_timeval(t->connect_ms));
  saved = errno;

  if (c->ctx == NULL) {
    snprintf(err, err_len, "connect: %s", strerror(ENOMEM));
    free(c);
    errno = ENOMEM;
    return NULL;
  }

  if (c->ctx->err != 0) {
    (void) fail_context(c->ctx, saved, "connect", err, err_len);
    saved = errno;
    secftp_redisc_free(c);
    errno = saved;
    return NULL;
  }

  if (redisSetTimeout(c->ctx, ms_to_timeval(t->io_ms)) != REDIS_OK ||
      authenticate(c, t, err, err_len) < 0) {
    saved = errno != 0 ? errno : EIO;
    if (err[0] == '\0') {
      snprintf(err, err_len, "connect: unable to set the I/O timeout");
    }
    secftp_redisc_free(c);
    errno = saved;
    return NULL;
  }

  return c;
}

void secftp_redisc_free(struct secftp_redisc *c) {
  if (c == NULL) {
    return;
  }

  if (c->ctx != NULL) {
    redisFree(c->ctx);
  }
  free(c);
}

/* Commands
 */

int secftp_redisc_get(struct secftp_redisc *c, const char *key,
    char **value, size_t *len, char *err, size_t err_len) {
  const char *argv[2] = { "GET", key };
  redisReply *reply;
  int res = 0;

  reply = run(c, 2, argv, err, err_len);
  if (reply == NULL) {
    return -1;
  }

  if (reply->type == REDIS_REPLY_NIL) {
    res = 1;

  } else if (reply->type != REDIS_REPLY_STRING) {
    snprintf(err, err_len, "GET: the key holds no string");
    errno = EBADMSG;
    res = -1;

  } else {
    *value = malloc(reply->len + 1);
    if (*value == NULL) {
      snprintf(err, err_len, "GET: %s", strerror(ENOMEM));
      errno = ENOMEM;
      res = -1;

    } else {
      memcpy(*value, reply->str, reply->len);
      (*value)[reply->len] = '\0';
      *len = reply->len;
    }
  }

  freeReplyObject(reply);
  return res;
}

int secftp_redisc_add(struct secftp_redisc *c, const char *key,
    const char *value, long ttl, char *err, size_t err_len) {
  const char *argv[6];
  char ttl_text[32];
  redisReply *reply;
  int res;

  snprintf(ttl_text, sizeof(ttl_text), "%ld", ttl > 0 ? ttl : 1);
  argv[0] = "SET";
  argv[1] = key;
  argv[2] = value;
  argv[3] = "NX";
  argv[4] = "EX";
  argv[5] = ttl_text;

  reply = run(c, 6, argv, err, err_len);
  if (reply == NULL) {
    return -1;
  }

  /* OK when stored; nil when the key exists. */
  res = reply->type == REDIS_REPLY_NIL ? 1 : 0;
  freeReplyObject(reply);
  return res;
}

int secftp_redisc_del(struct secftp_redisc *c, const char *key, char *err,
    size_t err_len) {
  const char *argv[2] = { "DEL", key };
  redisReply *reply;

  reply = run(c, 2, argv, err, err_len);
  if (reply == NULL) {
    return -1;
  }

  freeReplyObject(reply);
  return 0;
}

int secftp_redisc_usable(const struct secftp_redisc *c) {
  return c != NULL &&
    c->ctx != NULL &&
    c->ctx->err == 0;
}
