/*
 * values: keyword tables and token parsers for mod_secftp's directives.
 */

#include "values.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Where two spellings exist, the first is the canonical one: it is what the
 * module prints back (STAT, log lines).
 */
const struct secftp_token secftp_ftp_tokens[] = {
  { "allowed", SECFTP_FTP_ALLOWED },
  { "required", SECFTP_FTP_REQUIRED },
  { NULL, 0 }
};

const struct secftp_token secftp_login_tokens[] = {
  { "no_client_auth", SECFTP_LOGIN_NO_CLIENT_AUTH },
  { "optional", SECFTP_LOGIN_OPTIONAL },
  { "required", SECFTP_LOGIN_REQUIRED },
  { "verify_user", SECFTP_LOGIN_VERIFY_USER },
  { NULL, 0 }
};

const struct secftp_token secftp_password_tokens[] = {
  { "required", SECFTP_PASSWORD_REQUIRED },
  { "optional", SECFTP_PASSWORD_OPTIONAL },
  { NULL, 0 }
};

const struct secftp_token secftp_dataconn_tokens[] = {
  { "clear", SECFTP_DATACONN_CLEAR },
  { "never", SECFTP_DATACONN_NEVER },
  { "private", SECFTP_DATACONN_PRIVATE },
  { NULL, 0 }
};

const struct secftp_token secftp_ctrlconn_tokens[] = {
  { "private", SECFTP_CTRLCONN_PRIVATE },
  { "clear", SECFTP_CTRLCONN_CLEAR },
  { NULL, 0 }
};

const struct secftp_token secftp_reuse_tokens[] = {
  { "required", SECFTP_REUSE_REQUIRED },
  { "allowed", SECFTP_REUSE_ALLOWED },
  { NULL, 0 }
};

const struct secftp_token secftp_rfc_level_tokens[] = {
  { "rfc4217", SECFTP_RFC_RFC4217 },
  { "draft", SECFTP_RFC_DRAFT },
  { "ccc_nonotify", SECFTP_RFC_CCC_NONOTIFY },
  { NULL, 0 }
};

const struct secftp_token secftp_alpn_tokens[] = {
  { "strict", SECFTP_ALPN_STRICT },
  { "off", SECFTP_ALPN_OFF },
  { NULL, 0 }
};

const struct secftp_token secftp_session_cache_tokens[] = {
  { "internal", SECFTP_SESSION_CACHE_INTERNAL },
  { "off", SECFTP_SESSION_CACHE_OFF },
  { "redis", SECFTP_SESSION_CACHE_REDIS },
  { NULL, 0 }
};

/* SSLv3 and SSLv2 are deliberately absent: no spelling enables them. */
const struct secftp_token secftp_protocol_tokens[] = {
  { "TLSv1.2", SECFTP_PROTO_TLS1_2 },
  { "TLSv1.3", SECFTP_PROTO_TLS1_3 },
  { "TLSv1", SECFTP_PROTO_TLS1_0 },
  { "TLSv1.0", SECFTP_PROTO_TLS1_0 },
  { "TLSv1.1", SECFTP_PROTO_TLS1_1 },
  { NULL, 0 }
};

const struct secftp_token secftp_option_tokens[] = {
  { "StdEnvVars", SECFTP_OPT_STD_ENV_VARS },
  { "ExportCertData", SECFTP_OPT_EXPORT_CERT_DATA },
  { "AllowProtWithoutPBSZ", SECFTP_OPT_ALLOW_PROT_NO_PBSZ },
  { "StrictSNI", SECFTP_OPT_STRICT_SNI },
  { "OCSPSoftFail", SECFTP_OPT_OCSP_SOFT_FAIL },
  { "LogDataHandshakes", SECFTP_OPT_LOG_DATA_HANDSHAKES },
  { NULL, 0 }
};

int secftp_token_lookup(const struct secftp_token *table, const char *token,
    int *value) {
  const struct secftp_token *t;

  if (table == NULL ||
      token == NULL ||
      value == NULL) {
    errno = EINVAL;
    return -1;
  }

  for (t = table; t->name != NULL; t++) {
    if (strcasecmp(t->name, token) == 0) {
      *value = t->value;
      return 0;
    }
  }

  errno = ENOENT;
  return -1;
}

const char *secftp_token_name(const struct secftp_token *table, int value) {
  const struct secftp_token *t;

  if (table == NULL) {
    errno = EINVAL;
    return NULL;
  }

  for (t = table; t->name != NULL; t++) {
    if (t->value == value) {
      return t->name;
    }
  }

  errno = ENOENT;
  return NULL;
}

int secftp_parse_bool(const char *token) {
  static const struct secftp_token bools[] = {
    { "on", 1 }, { "yes", 1 }, { "true", 1 }, { "1", 1 },
    { "off", 0 }, { "no", 0 }, { "false", 0 }, { "0", 0 },
    { NULL, 0 }
  };
  int value;

  if (secftp_token_lookup(bools, token, &value) < 0) {
    errno = EINVAL;
    return -1;
  }

  return value;
}

/* Parses a run of decimal digits covering the whole of [s, end) into an
 * unsigned long no larger than max.  Signs, blanks and empty input are
 * rejected, unlike strtoul(3).
 */
static int parse_digits(const char *s, const char *end, unsigned long max,
    unsigned long *out) {
  unsigned long n = 0;

  if (s == end) {
    errno = EINVAL;
    return -1;
  }

  for (; s < end; s++) {
    unsigned int digit;

    if (!isdigit((unsigned char) *s)) {
      errno = EINVAL;
      return -1;
    }

    digit = (unsigned int) (*s - '0');
    if (n > (max - digit) / 10) {
      errno = ERANGE;
      return -1;
    }

    n = (n * 10) + digit;
  }

  *out = n;
  return 0;
}

int secftp_parse_seconds(const char *token, long min, long max,
    long *seconds) {
  unsigned long n;

  if (token == NULL ||
      seconds == NULL ||
      min < 0 ||
      max < min) {
    errno = EINVAL;
    return -1;
  }

  if (parse_digits(token, token + strlen(token), (unsigned long) LONG_MAX,
      &n) < 0) {
    return -1;
  }

  if ((long) n < min ||
      (long) n > max) {
    errno = ERANGE;
    return -1;
  }

  *seconds = (long) n;
  return 0;
}

int secftp_parse_duration(const char *token, long min_seconds,
    long *seconds) {
  size_t len;
  unsigned long n, unit = 1;
  char suffix;

  if (token == NULL ||
      seconds == NULL) {
    errno = EINVAL;
    return -1;
  }

  len = strlen(token);
  if (len == 0) {
    errno = EINVAL;
    return -1;
  }

  suffix = (char) tolower((unsigned char) token[len - 1]);
  if (!isdigit((unsigned char) suffix)) {
    switch (suffix) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      default:
        errno = EINVAL;
        return -1;
    }
    len--;
  }

  if (parse_digits(token, token + len, (unsigned long) LONG_MAX / unit,
      &n) < 0) {
    return -1;
  }

  n *= unit;
  if ((long) n < min_seconds) {
    errno = ERANGE;
    return -1;
  }

  *seconds = (long) n;
  return 0;
}

int secftp_parse_pbsz(const char *arg, unsigned long *size) {
  if (arg == NULL ||
      size == NULL) {
    errno = EINVAL;
    return -1;
  }

  if (parse_digits(arg, arg + strlen(arg), 4294967295UL, size) < 0) {
    errno = EINVAL;
    return -1;
  }

  return 0;
}
