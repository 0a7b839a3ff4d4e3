/*
 * log: the SecureFTPLog module log.
 */

#include "secftp/log.h"
#include "secftp/logesc.h"

#include <openssl/err.h>

static int secftp_logfd = -1;

int secftp_log_open(const char *path) {
  int res, xerrno;

  if (path == NULL ||
      strcasecmp(path, "none") == 0) {
    return 0;
  }

  pr_signals_block();
  PRIVS_ROOT
  res = pr_log_openfile(path, &secftp_logfd, PR_LOG_SYSTEM_MODE);
  xerrno = errno;
  PRIVS_RELINQUISH
  pr_signals_unblock();

  switch (res) {
    case 0:
      return 0;

    case PR_LOG_WRITABLE_DIR:
      pr_log_pri(PR_LOG_WARNING, MOD_SECFTP_VERSION
        ": notice: unable to open SecureFTPLog '%s': parent directory is "
        "world-writable", path);
      break;

    case PR_LOG_SYMLINK:
      pr_log_pri(PR_LOG_WARNING, MOD_SECFTP_VERSION
        ": notice: unable to open SecureFTPLog '%s': %s is a symbolic link",
        path, path);
      break;

    default:
      pr_log_pri(PR_LOG_WARNING, MOD_SECFTP_VERSION
        ": notice: unable to open SecureFTPLog '%s': %s", path,
        strerror(xerrno));
      break;
  }

  secftp_logfd = -1;
  return -1;
}

void secftp_log_close(void) {
  if (secftp_logfd >= 0) {
    (void) close(secftp_logfd);
    secftp_logfd = -1;
  }
}

/* Writes "[ServerName address:port] " for s into buf: one log may serve
 * several virtual hosts, and an admin must see which one a line is about.
 */
static void server_tag(server_rec *s, char *buf, size_t len) {
  const char *addr = NULL;

  if (s == NULL) {
    *buf = '\0';
    return;
  }

  if (s->addr != NULL) {
    addr = pr_netaddr_get_ipstr(s->addr);
  }

  pr_snprintf(buf, len, "[%s %s:%u] ",
    s->ServerName != NULL ? s->ServerName : "-",
    addr != NULL ? addr : (s->ServerAddress ? s->ServerAddress : "-"),
    s->ServerPort);
  buf[len-1] = '\0';
}

const char *secftp_log_escape(pool *p, const char *text) {
  size_t len, need;
  char *escaped;

  if (text == NULL) {
    return "(none)";
  }

  len = strlen(text);
  need = secftp_logesc(NULL, 0, text, len, SECFTP_LOGESC_BACKSLASH);
  escaped = palloc(p, need + 1);
  (void) secftp_logesc(escaped, need + 1, text, len, SECFTP_LOGESC_BACKSLASH);
  return escaped;
}

int secftp_log(const char *fmt, ...) {
  va_list ap;
  char raw[PR_TUNABLE_BUFFER_SIZE], line[PR_TUNABLE_BUFFER_SIZE], tag[256];

  va_start(ap, fmt);
  pr_vsnprintf(raw, sizeof(raw), fmt, ap);
  va_end(ap);
  raw[sizeof(raw)-1] = '\0';

  /* The last guard: a field that a log site forgot to escape still
   * cannot end the line or carry a control (fields escaped at their site
   * pass unchanged).
   */
  (void) secftp_logesc(line, sizeof(line), raw, strlen(raw), 0);

  (void) pr_trace_msg(SECFTP_TRACE, 1, "%s", line);

  if (secftp_logfd < 0) {
    return 0;
  }

  server_tag(main_server, tag, sizeof(tag));
  return pr_log_writefile(secftp_logfd, MOD_SECFTP_VERSION, "%s%s", tag,
    line);
}

void secftp_log_open_system_log(void) {
  const char *path;

  path = main_server != NULL ? get_param_ptr(main_server->conf, "SystemLog",
    FALSE) : NULL;
  if (path != NULL &&
      strcasecmp(path, "none") == 0) {
    return;
  }

  pr_signals_block();
  PRIVS_ROOT
  log_closesyslog();
  (void) log_opensyslog(path);
  PRIVS_RELINQUISH
  pr_signals_unblock();
}

void secftp_log_server(server_rec *s, const char *path, int priority,
    const char *fmt, ...) {
  va_list ap;
  char line[PR_TUNABLE_BUFFER_SIZE], tag[256];
  int fd = -1, res;

  va_start(ap, fmt);
  pr_vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  line[sizeof(line)-1] = '\0';

  server_tag(s, tag, sizeof(tag));
  pr_log_pri(priority, MOD_SECFTP_VERSION ": %s%s", tag, line);
  (void) pr_trace_msg(SECFTP_TRACE, 1, "%s%s", tag, line);

  if (path == NULL ||
      strcasecmp(path, "none") == 0) {
    return;
  }

  pr_signals_block();
  PRIVS_ROOT
  res = pr_log_openfile(path, &fd, PR_LOG_SYSTEM_MODE);
  PRIVS_RELINQUISH
  pr_signals_unblock();

  if (res == 0 &&
      fd >= 0) {
    (void) pr_log_writefile(fd, MOD_SECFTP_VERSION, "%s%s", tag, line);
    (void) close(fd);
  }
}

void secftp_log_data_handshake(SSL *ssl) {
  if (ssl == NULL) {
    return;
  }

  secftp_log("data connection from %s protected: %s, %s, %s",
    session.c != NULL ? pr_netaddr_get_ipstr(session.c->remote_addr) : "-",
    SSL_get_version(ssl), SSL_get_cipher_name(ssl),
    SSL_session_reused(ssl) ? "resumed" : "full handshake");
}

void secftp_log_openssl_errors(const char *what) {
  unsigned long code;
  char buf[256];

  while ((code = ERR_get_error()) != 0) {
    ERR_error_string_n(code, buf, sizeof(buf));
    secftp_log("%s: %s", what, buf);
  }
}
