/*
 * policy: control-channel decisions from plain values.
 *
 * The order of the checks in each function is the order of refusals of the
 * specification: a protocol error (no argument, not protected) comes
 * before a policy refusal, and among policies SecureFTP comes before
 * SecureDataConn.
 */

#include "policy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FALSE	0
#define TRUE	1

/* Commands a client may send before AUTH when protection is required
 * (RFC 4217 section 12; HOST and CLNT select the vhost / name the client,
 * and must work before the handshake).
 */
static const char *const pre_auth_verbs[] = {
  "FEAT", "AUTH", "HOST", "CLNT", "SYST", "HELP", "NOOP", "QUIT", NULL
};

/* These answer for themselves before AUTH (503 / 533 rows of the reply
 * table), so the gate lets them through to their own handlers.
 */
static const char *const own_reply_verbs[] = {
  "PBSZ", "PROT", "CCC", NULL
};

/* What else a logged-out session may do besides USER and PASS. */
static const char *const logged_out_verbs[] = {
  "REIN", "OPTS", "LANG", NULL
};

/* Verbs of HTTP, SMTP and SSH: a browser or a mail client tricked into
 * talking to an FTP port (ALPACA) sends these; an FTP client never does.
 */
static const char *const foreign_verbs[] = {
  "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "CONNECT", "TRACE",
  "PATCH", "HELO", "EHLO", "STARTTLS", NULL
};

static int in_list(const char *const *list, const char *name) {
  size_t i;

  for (i = 0; list[i] != NULL; i++) {
    if (strcasecmp(list[i], name) == 0) {
      return TRUE;
    }
  }

  return FALSE;
}

static int set(struct secftp_verdict *v, const char *code, int action,
    const char *reason, const char *policy) {
  memset(v, 0, sizeof(*v));
  v->code = code;
  v->action = action;
  v->reason = reason;
  v->policy = policy;
  return 0;
}

static int refuse(struct secftp_verdict *v, const char *code,
    const char *reason, const char *policy) {
  return set(v, code, SECFTP_ACT_NONE, reason, policy);
}

static int has_arg(const char *arg) {
  return arg != NULL && *arg != '\0';
}

/* Checks the arguments common to every decision. */
static int bad_input(const struct secftp_policy_in *in,
    const struct secftp_verdict *v) {
  if (in == NULL ||
      v == NULL ||
      in->ftp < SECFTP_FTP_ALLOWED || in->ftp > SECFTP_FTP_REQUIRED ||
      in->dataconn < SECFTP_DATACONN_CLEAR ||
      in->dataconn > SECFTP_DATACONN_PRIVATE ||
      in->ctrlconn < SECFTP_CTRLCONN_PRIVATE ||
      in->ctrlconn > SECFTP_CTRLCONN_CLEAR ||
      in->rfc_level < SECFTP_RFC_RFC4217 ||
      in->rfc_level > SECFTP_RFC_CCC_NONOTIFY) {
    errno = EINVAL;
    return TRUE;
  }

  return FALSE;
}

int secftp_policy_is_foreign_verb(const char *name) {
  if (name == NULL) {
    return FALSE;
  }

  return in_list(foreign_verbs, name) ||
    strncasecmp(name, "SSH-", 4) == 0;
}

int secftp_policy_auth(const struct secftp_policy_in *in, const char *arg,
    struct secftp_verdict *v) {
  static const struct {
    const char *name;
    int implies_private;
  } mechs[] = {
    { "TLS", FALSE }, { "TLS-C", FALSE }, { "SSL", TRUE }, { "TLS-P", TRUE },
    { NULL, FALSE }
  };
  size_t i;

  if (bad_input(in, v)) {
    return -1;
  }

  if (!has_arg(arg)) {
    return refuse(v, "501", "AUTH requires one argument: TLS, TLS-C, SSL "
      "or TLS-P", NULL);
  }

  if (in->state & SECFTP_PST_IMPLICIT) {
    return refuse(v, "534", "Unwilling to accept AUTH: this is an implicit "
      "FTPS port, already protected (SecureImplicit on)", "SecureImplicit");
  }

  if (in->state & SECFTP_PST_CTRL_TLS) {
    return refuse(v, "534", "Unwilling to accept AUTH: the control "
      "connection is already protected", NULL);
  }

  if (in->state & SECFTP_PST_CCC) {
    return refuse(v, "534", "Unwilling to accept AUTH: protection was "
      "cleared by CCC for the rest of the session", NULL);
  }

  /* The draft knows AUTH only as the first step: before USER. */
  if ((in->logged_in || in->user_given) &&
      in->rfc_level == SECFTP_RFC_DRAFT) {
    return refuse(v, "534", "Unwilling to accept AUTH after USER "
      "(SecureRFCLevel draft)", "SecureRFCLevel");
  }

  for (i = 0; mechs[i].name != NULL; i++) {
    if (strcasecmp(mechs[i].name, arg) == 0) {
      break;
    }
  }

  if (mechs[i].name == NULL) {
    return refuse(v, "504", "AUTH mechanism not supported: use TLS, TLS-C, "
      "SSL or TLS-P", NULL);
  }

  set(v, "234", in->logged_in ? SECFTP_ACT_AUTH_LOGOUT : SECFTP_ACT_AUTH,
    in->logged_in ? "AUTH accepted; log in again after the handshake" :
      "AUTH accepted", NULL);
  v->implies_private = mechs[i].implies_private &&
    in->dataconn != SECFTP_DATACONN_NEVER;
  return 0;
}

/* PBSZ and PROT on a connection that is not protected. */
static int refuse_unprotected(const struct secftp_policy_in *in,
    struct secftp_verdict *v) {
  if (in->state & SECFTP_PST_CCC) {
    return refuse(v, "503", "Not allowed after CCC: the control connection "
      "is no longer protected", NULL);
  }

  return refuse(v, "503", "Protection commands require AUTH first", NULL);
}

/* Parses a PBSZ size: decimal digits only, at most 2^32-1.  Leading
 * zeros do not count towards the ten digits of that bound.
 */
static int valid_pbsz(const char *arg) {
  size_t i, len = strlen(arg);

  if (len == 0 ||
      strspn(arg, "0123456789") != len) {
    return FALSE;
  }

  i = 0;
  while (i + 1 < len &&
         arg[i] == '0') {
    i++;
  }

  if (len - i > 10) {
    return FALSE;
  }

  return strtoull(arg + i, NULL, 10) <= 4294967295ULL;
}

int secftp_policy_pbsz(const struct secftp_policy_in *in, const char *arg,
    struct secftp_verdict *v) {
  if (bad_input(in, v)) {
    return -1;
  }

  if (!(in->state & SECFTP_PST_CTRL_TLS)) {
    return refuse_unprotected(in, v);
  }

  if (!has_arg(arg) ||
      !valid_pbsz(arg)) {
    return refuse(v, "501", "PBSZ requires a decimal size from 0 to "
      "4294967295", NULL);
  }

  /* TLS has no protection buffer: any size is answered with 0. */
  return set(v, "200", SECFTP_ACT_PBSZ, "PBSZ=0", NULL);
}

int secftp_policy_prot(const struct secftp_policy_in *in, const char *arg,
    struct secftp_verdict *v) {
  char level;

  if (bad_input(in, v)) {
    return -1;
  }

  if (!(in->state & SECFTP_PST_CTRL_TLS)) {
    return refuse_unprotected(in, v);
  }

  if (!(in->state & SECFTP_PST_PBSZ) &&
      !(in->opts & SECFTP_OPT_ALLOW_PROT_NO_PBSZ)) {
    return refuse(v, "503", "PROT requires PBSZ first", NULL);
  }

  if (!has_arg(arg)) {
    return refuse(v, "501", "PROT requires one argument: C or P", NULL);
  }

  level = arg[1] == '\0' ? (char) (arg[0] & ~0x20) : '?';
  switch (level) {
    case 'C':
      if (in->dataconn == SECFTP_DATACONN_PRIVATE) {
        return refuse(v, "534", "PROT C refused: data connections must be "
          "private (SecureDataConn private)", "SecureDataConn");
      }
      set(v, "200", SECFTP_ACT_PROT, "Protection set to Clear", NULL);
      break;

    case 'P':
      if (in->dataconn == SECFTP_DATACONN_NEVER) {
        return refuse(v, "534", "PROT P refused: data connections must be "
          "clear (SecureDataConn never)", "SecureDataConn");
      }
      set(v, "200", SECFTP_ACT_PROT, "Protection set to Private", NULL);
      break;

    case 'S':
    case 'E':
      return refuse(v, "536", "PROT S and E are not supported by TLS: use C "
        "or P", NULL);

    default:
      return refuse(v, "504", "Unknown PROT level: use C or P", NULL);
  }

  v->prot = level;
  return 0;
}

int secftp_policy_ccc(const struct secftp_policy_in *in,
    struct secftp_verdict *v) {
  if (bad_input(in, v)) {
    return -1;
  }

  if (in->rfc_level == SECFTP_RFC_DRAFT) {
    return refuse(v, "500", "CCC not understood at this server's RFC level "
      "(SecureRFCLevel draft)", "SecureRFCLevel");
  }

  /* Unprotected comes before any policy, even before login. */
  if (!(in->state & SECFTP_PST_CTRL_TLS)) {
    return refuse(v, "533", "CCC refused: the control connection is not "
      "protected", NULL);
  }

  if (in->state & SECFTP_PST_IMPLICIT) {
    return refuse(v, "534", "CCC refused on an implicit FTPS port "
      "(SecureImplicit on)", "SecureImplicit");
  }

  if (!in->logged_in) {
    return refuse(v, "534", "CCC refused before login: log in while "
      "protected first", NULL);
  }

  if (in->ctrlconn == SECFTP_CTRLCONN_PRIVATE) {
    return refuse(v, "534", "CCC refused: the control connection must stay "
      "protected (SecureCtrlConn private)", "SecureCtrlConn");
  }

  return set(v, "200", SECFTP_ACT_CCC, "CCC accepted: the control "
    "connection is now clear", NULL);
}

int secftp_policy_rein(const struct secftp_policy_in *in,
    struct secftp_verdict *v) {
  if (bad_input(in, v)) {
    return -1;
  }

  if (in->rfc_level == SECFTP_RFC_DRAFT) {
    return refuse(v, "502", "REIN not implemented at this server's RFC "
      "level (SecureRFCLevel draft)", "SecureRFCLevel");
  }

  return set(v, "220", SECFTP_ACT_REIN, "Session reinitialized: log in "
    "again", NULL);
}

/* The policy that forbids login before AUTH, or NULL. */
static const char *login_needs_auth(const struct secftp_policy_in *in) {
  if (in->state & (SECFTP_PST_CTRL_TLS|SECFTP_PST_CCC)) {
    return NULL;
  }

  if (in->ftp == SECFTP_FTP_REQUIRED) {
    return "SecureFTP";
  }

  if (in->dataconn == SECFTP_DATACONN_PRIVATE) {
    return "SecureDataConn";
  }

  return NULL;
}

int secftp_policy_precmd(const struct secftp_policy_in *in, const char *name,
    const char *arg, struct secftp_verdict *v) {
  const char *policy;

  (void) arg;
  if (bad_input(in, v) ||
      name == NULL ||
      *name == '\0') {
    errno = EINVAL;
    return -1;
  }

  if (secftp_policy_is_foreign_verb(name)) {
    return set(v, "500", SECFTP_ACT_CLOSE, "Not an FTP command (HTTP, SMTP "
      "or SSH): closing the connection", NULL);
  }

  policy = login_needs_auth(in);
  if (policy != NULL &&
      !in_list(pre_auth_verbs, name) &&
      !in_list(own_reply_verbs, name)) {
    return refuse(v, "530", policy[6] == 'F' ?
      "Login refused: protect the control connection with AUTH TLS first "
        "(SecureFTP required)" :
      "Login refused: protect the control connection with AUTH TLS first "
        "(SecureDataConn private)", policy);
  }

  if (in->logged_out &&
      !in->logged_in) {
    if (strcasecmp(name, "USER") == 0) {
      return set(v, NULL, SECFTP_ACT_REAUTH_USER, NULL, NULL);
    }

    if (strcasecmp(name, "PASS") == 0) {
      return set(v, NULL, SECFTP_ACT_REAUTH_PASS, NULL, NULL);
    }

    if (!in_list(pre_auth_verbs, name) &&
        !in_list(own_reply_verbs, name) &&
        !in_list(logged_out_verbs, name)) {
      return refuse(v, "530", "Logged out (REIN or AUTH): log in again "
        "with USER and PASS", NULL);
    }
  }

  return set(v, NULL, SECFTP_ACT_PASS, NULL, NULL);
}

int secftp_policy_reauth_user(const char *account, const char *name,
    struct secftp_verdict *v) {
  if (account == NULL ||
      *account == '\0' ||
      v == NULL) {
    errno = EINVAL;
    return -1;
  }

  if (!has_arg(name)) {
    return refuse(v, "501", "USER requires a user name", NULL);
  }

  if (strcmp(account, name) != 0) {
    return refuse(v, "530", "This session belongs to another account: "
      "reconnect to log in as another user", NULL);
  }

  return set(v, "331", SECFTP_ACT_REAUTH_USER, "Password required to log "
    "in again", NULL);
}
