/*
 * log: the SecureFTPLog module log.
 */

#include "secftp/log.h"

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

int secftp_log(const char *fmt, ...) {
  va_list ap;
  char line[PR_TUNABLE_BUFFER_SIZE];

  va_start(ap, fmt);
  pr_vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  line[sizeof(line)-1] = '\0';

  (void) pr_trace_msg(SECFTP_TRACE, 1, "%s", line);

  if (secftp_logfd < 0) {
    return 0;
  }

  return pr_log_writefile(secftp_logfd, MOD_SECFTP_VERSION, "%s", line);
}

void secftp_log_openssl_errors(const char *what) {
  unsigned long code;
  char buf[256];

  while ((code = ERR_get_error()) != 0) {
    ERR_error_string_n(code, buf, sizeof(buf));
    secftp_log("%s: %s", what, buf);
  }
}
