/*
 * conf: directive handlers and per-server settings.
 *
 * Every handler validates its whole value at parse time, so that a bad
 * configuration stops ProFTPD at startup with the directive, the bad token,
 * and (added by ProFTPD's parser) the file and line.
 */

#include "secftp/conf.h"
#include "secftp/confpos.h"
#include "secftp/ocsp.h"
#include "secftp/ciphers.h"
#include "secftp/ticketkeys.h"

/* The contexts of the server-wide directives. */

/* The enum directives: one handler serves them all, by name. */
struct enum_directive {
  const char *name;
  const struct secftp_token *tokens;
  int contexts;
};

static const struct enum_directive enum_directives[] = {
  { "SecureFTP", secftp_ftp_tokens, SECFTP_SERVER_CTX|CONF_ANON },
  { "SecureLogin", secftp_login_tokens, SECFTP_SERVER_CTX },
  { "SecurePassword", secftp_password_tokens, SECFTP_SERVER_CTX },
  { "SecureDataConn", secftp_dataconn_tokens,
    SECFTP_SERVER_CTX|CONF_DIR|CONF_DYNDIR|CONF_ANON },
  { "SecureCtrlConn", secftp_ctrlconn_tokens, SECFTP_SERVER_CTX },
  { "SecureSessionReuse", secftp_reuse_tokens, SECFTP_SERVER_CTX },
  { "SecureRFCLevel", secftp_rfc_level_tokens, SECFTP_SERVER_CTX },
  { "SecureALPN", secftp_alpn_tokens, SECFTP_SERVER_CTX },
  { "SecureSessionCache", secftp_session_cache_tokens, SECFTP_SERVER_CTX },
  { NULL, NULL, 0 }
};

/* Lists the keywords of a table, for error messages. */
static const char *token_choices(pool *p, const struct secftp_token *tokens) {
  const struct secftp_token *t;
  char *choices = "";

  for (t = tokens; t->name != NULL; t++) {
    choices = pstrcat(p, choices, *choices ? ", " : "", t->name, NULL);
  }

  return choices;
}

config_rec *secftp_conf_add_value(cmd_rec *cmd, const void *value,
    size_t size) {
  config_rec *c;

  c = add_config_param(cmd->argv[0], 1, NULL);
  c->argv[0] = palloc(c->pool, size);
  memcpy(c->argv[0], value, size);
  secftp_confpos_note(c);
  return c;
}

static config_rec *add_int_param(cmd_rec *cmd, int value) {
  return secftp_conf_add_value(cmd, &value, sizeof(value));
}

static int get_int_param(server_rec *s, const char *name, int *value) {
  config_rec *c;

  c = find_config(s->conf, CONF_PARAM, name, FALSE);
  if (c == NULL) {
    return -1;
  }

  *value = *((int *) c->argv[0]);
  return 0;
}

/* Stores an on|off directive's value, written where ctx allows. */
static modret_t *set_on_off(cmd_rec *cmd, int ctx) {
  int on;

  SECFTP_CHECK_ONE_ARG(cmd);
  CHECK_CONF(cmd, ctx);

  on = secftp_parse_bool(cmd->argv[1]);
  if (on < 0) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad value '",
      (char *) cmd->argv[1], "': expected on or off", NULL));
  }

  add_int_param(cmd, on);
  return PR_HANDLED(cmd);
}

/* usage: SecureEngine|SecureStapling|SecureVerifyServer on|off */
modret_t *secftp_set_on_off(cmd_rec *cmd) {
  return set_on_off(cmd, SECFTP_SERVER_CTX);
}

/* usage: SecureImplicit on|off (a port's property: no <Global>) */
modret_t *secftp_set_implicit(cmd_rec *cmd) {
  return set_on_off(cmd, CONF_ROOT|CONF_VIRTUAL);
}

/* usage: SecureFTP|SecureLogin|SecurePassword|SecureDataConn|SecureCtrlConn|
 *        SecureSessionReuse|SecureRFCLevel|SecureALPN keyword
 */
modret_t *secftp_set_enum(cmd_rec *cmd) {
  const struct enum_directive *d;
  config_rec *c;
  int value;

  for (d = enum_directives; d->name != NULL; d++) {
    if (strcasecmp(d->name, cmd->argv[0]) == 0) {
      break;
    }
  }

  if (d->name == NULL) {
    CONF_ERROR(cmd, "not an enumerated mod_secftp directive");
  }

  SECFTP_CHECK_ONE_ARG(cmd);
  CHECK_CONF(cmd, d->contexts);

  if (secftp_token_lookup(d->tokens, cmd->argv[1], &value) < 0) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad value '",
      (char *) cmd->argv[1], "': expected one of ",
      token_choices(cmd->tmp_pool, d->tokens), NULL));
  }

  c = add_int_param(cmd, value);

  /* Let <Directory>, .ftpaccess and mod_ifsession's blocks override the
   * server-wide value.
   */
  c->flags |= CF_MERGEDOWN;
  return PR_HANDLED(cmd);
}

/* usage: SecureProtocol version1 ... versionN */
modret_t *secftp_set_protocol(cmd_rec *cmd) {
  unsigned int i, protocols = 0;

  CHECK_CONF(cmd, SECFTP_SERVER_CTX);
  if (cmd->argc < 2) {
    CONF_ERROR(cmd, "wrong number of parameters");
  }

  for (i = 1; i < cmd->argc; i++) {
    int proto;

    if (secftp_token_lookup(secftp_protocol_tokens, cmd->argv[i],
        &proto) < 0) {
      CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad value '",
        (char *) cmd->argv[i], "': expected TLSv1.2, TLSv1.3 (or, "
        "deprecated, TLSv1, TLSv1.1)", NULL));
    }

    protocols |= (unsigned int) proto;
  }

  if (protocols & SECFTP_PROTO_LEGACY) {
    pr_log_pri(PR_LOG_WARNING, MOD_SECFTP_VERSION ": warning: %s on line "
      "%u names TLS 1.0/1.1, which RFC 8996 deprecates; they work only as "
      "far as this OpenSSL build allows", (char *) cmd->argv[0],
      pr_parser_get_lineno());
  }

  (void) secftp_conf_add_value(cmd, &protocols, sizeof(protocols));
  return PR_HANDLED(cmd);
}

/* usage: SecureOptions opt1 ... optN */
modret_t *secftp_set_options(cmd_rec *cmd) {
  unsigned int i;
  unsigned long opts = 0;
  config_rec *c;

  CHECK_CONF(cmd, SECFTP_SERVER_CTX);
  if (cmd->argc < 2) {
    CONF_ERROR(cmd, "wrong number of parameters");
  }

  for (i = 1; i < cmd->argc; i++) {
    int opt;

    if (secftp_token_lookup(secftp_option_tokens, cmd->argv[i], &opt) < 0) {
      CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "unknown option '",
        (char *) cmd->argv[i], "': expected one of ",
        token_choices(cmd->tmp_pool, secftp_option_tokens), NULL));
    }

    opts |= (unsigned long) opt;
  }

  c = secftp_conf_add_value(cmd, &opts, sizeof(opts));

  /* Several SecureOptions lines add up. */
  c->flags |= CF_MERGEDOWN_MULTI;
  return PR_HANDLED(cmd);
}

/* usage: SecureHandshakeTimeout seconds */
modret_t *secftp_set_handshake_timeout(cmd_rec *cmd) {
  long secs;

  SECFTP_CHECK_ONE_ARG(cmd);
  CHECK_CONF(cmd, SECFTP_SERVER_CTX);

  if (secftp_parse_seconds(cmd->argv[1], 1, 3600, &secs) < 0) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad value '",
      (char *) cmd->argv[1], "': expected seconds from 1 to 3600", NULL));
  }

  add_int_param(cmd, (int) secs);
  return PR_HANDLED(cmd);
}

/* usage: SecureVerifyDepth n */
modret_t *secftp_set_verify_depth(cmd_rec *cmd) {
  long depth;

  SECFTP_CHECK_ONE_ARG(cmd);
  CHECK_CONF(cmd, SECFTP_SERVER_CTX);

  if (secftp_parse_seconds(cmd->argv[1], 0, 100, &depth) < 0) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad value '",
      (char *) cmd->argv[1], "': expected a depth from 0 to 100", NULL));
  }

  add_int_param(cmd, (int) depth);
  return PR_HANDLED(cmd);
}

/* usage: SecureFTPLog path|none */
modret_t *secftp_set_log(cmd_rec *cmd) {
  SECFTP_CHECK_ONE_ARG(cmd);
  CHECK_CONF(cmd, SECFTP_SERVER_CTX);

  if (strcasecmp(cmd->argv[1], "none") != 0 &&
      pr_fs_valid_path(cmd->argv[1]) < 0) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad value '",
      (char *) cmd->argv[1], "': must be an absolute path or none", NULL));
  }

  add_config_param_str(cmd->argv[0], 1, cmd->argv[1]);
  return PR_HANDLED(cmd);
}

/* usage: SecurePortAccess user|@group ... */
modret_t *secftp_set_port_access(cmd_rec *cmd) {
  array_header *names;
  config_rec *c;
  unsigned int i;

  CHECK_CONF(cmd, SECFTP_SERVER_CTX);
  if (cmd->argc < 2) {
    CONF_ERROR(cmd, "wrong number of parameters: user|@group ...");
  }

  c = add_config_param(cmd->argv[0], 1, NULL);
  secftp_confpos_note(c);
  names = make_array(c->pool, cmd->argc - 1, sizeof(char *));
  for (i = 1; i < cmd->argc; i++) {
    const char *name = cmd->argv[i];

    if (strcmp(name, "@") == 0 ||
        strchr(name, '/') != NULL) {
      CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "bad value '", name,
        "': expected a user name or @group", NULL));
    }

    *((char **) push_array(names)) = pstrdup(c->pool, name);
  }

  c->argv[0] = names;
  return PR_HANDLED(cmd);
}

/* Stores a list directive's tokens as the config_rec's arguments; lines
 * of the same directive add up, in order.
 */
static void add_token_list(cmd_rec *cmd) {
  config_rec *c;
  unsigned int i;

  c = add_config_param(cmd->argv[0], cmd->argc - 1, NULL);
  for (i = 1; i < cmd->argc; i++) {
    c->argv[i - 1] = pstrdup(c->pool, cmd->argv[i]);
  }
  secftp_confpos_note(c);
}

/* usage: CipherSuite|SecureCipherSuite name1 ... nameN */
modret_t *secftp_set_cipher_suite(cmd_rec *cmd) {
  char tls12[SECFTP_CIPHERS_LIST_MAX], tls13[SECFTP_CIPHERS_LIST_MAX];
  char err[SECFTP_CIPHERS_ERR_MAX];

  CHECK_CONF(cmd, SECFTP_SERVER_CTX);
  if (cmd->argc < 2) {
    CONF_ERROR(cmd, "wrong number of parameters: expected cipher suite "
      "names, IANA or OpenSSL, in order of preference");
  }

  /* Each line is checked on its own here, so the error names this file
   * and line; all lines are translated together when settings load.
   */
  if (secftp_ciphers_translate((const char *const *) cmd->argv + 1,
      cmd->argc - 1, tls12, sizeof(tls12), tls13, sizeof(tls13), err,
      sizeof(err)) < 0) {
    CONF_ERROR(cmd, pstrdup(cmd->tmp_pool, err));
  }

  add_token_list(cmd);
  return PR_HANDLED(cmd);
}

/* usage: SecureGroups group1 ... groupN */
modret_t *secftp_set_groups(cmd_rec *cmd) {
  char groups[SECFTP_GROUPS_LIST_MAX], err[SECFTP_CIPHERS_ERR_MAX];

  CHECK_CONF(cmd, SECFTP_SERVER_CTX);
  if (cmd->argc < 2) {
    CONF_ERROR(cmd, "wrong number of parameters: expected key-exchange "
      "groups (X25519, P-256, ...) in order of preference");
  }

  if (secftp_groups_translate((const char *const *) cmd->argv + 1,
      cmd->argc - 1, groups, sizeof(groups), err, sizeof(err)) < 0) {
    CONF_ERROR(cmd, pstrdup(cmd->tmp_pool, err));
  }

  add_token_list(cmd);
  return PR_HANDLED(cmd);
}

/* Collects the tokens of every line of a list directive (under any of its
 * names), in order.
 */
static array_header *collect_tokens(server_rec *s, const char *const *names) {
  array_header *tokens = make_array(s->pool, 8, sizeof(char *));
  config_rec *c;
  unsigned int i;

  for (; *names != NULL; names++) {
    c = find_config(s->conf, CONF_PARAM, *names, FALSE);
    while (c != NULL) {
      for (i = 0; i < c->argc; i++) {
        *((char **) push_array(tokens)) = c->argv[i];
      }
      c = find_config_next(c, c->next, CONF_PARAM, *names, FALSE);
    }
  }

  return tokens;
}

/* Translates CipherSuite and SecureGroups, all lines together, and checks
 * that every enabled TLS version keeps a cipher.
 */
static void load_cipher_settings(server_rec *s, struct secftp_settings *st) {
  static const char *const suite_names[] = { "CipherSuite",
    "SecureCipherSuite", NULL };
  static const char *const group_names[] = { "SecureGroups", NULL };
  char tls12[SECFTP_CIPHERS_LIST_MAX], tls13[SECFTP_CIPHERS_LIST_MAX];
  char groups[SECFTP_GROUPS_LIST_MAX], err[SECFTP_CIPHERS_ERR_MAX];
  array_header *tokens;

  tokens = collect_tokens(s, suite_names);
  if (tokens->nelts > 0) {
    if (secftp_ciphers_translate((const char *const *) tokens->elts,
        tokens->nelts, tls12, sizeof(tls12), tls13, sizeof(tls13), err,
        sizeof(err)) < 0) {
      st->cipher_problem = pstrcat(s->pool, "CipherSuite: ", err, NULL);
      return;
    }

    st->tls12_ciphers = pstrdup(s->pool, tls12);
    st->tls13_ciphers = pstrdup(s->pool, tls13);
  }

  if (secftp_ciphers_check_protocols(st->protocols, st->tls12_ciphers,
      st->tls13_ciphers, err, sizeof(err)) < 0) {
    st->cipher_problem = pstrcat(s->pool, "CipherSuite/SecureProtocol: ",
      err, NULL);
    return;
  }

  tokens = collect_tokens(s, group_names);
  if (tokens->nelts > 0) {
    if (secftp_groups_translate((const char *const *) tokens->elts,
        tokens->nelts, groups, sizeof(groups), err, sizeof(err)) < 0) {
      st->cipher_problem = pstrcat(s->pool, "SecureGroups: ", err, NULL);
      return;
    }

    st->groups = pstrdup(s->pool, groups);
  }
}

void secftp_settings_load(server_rec *s, struct secftp_settings *st) {
  config_rec *c;
  int value;

  memset(st, 0, sizeof(*st));

  /* The secure defaults: the only place they are written down. */
  st->engine = FALSE;
  st->implicit = FALSE;
  st->protocols = SECFTP_PROTO_DEFAULT;
  st->ftp = SECFTP_FTP_ALLOWED;
  st->login = SECFTP_LOGIN_NO_CLIENT_AUTH;
  st->password = SECFTP_PASSWORD_REQUIRED;
  st->dataconn = SECFTP_DATACONN_CLEAR;
  st->ctrlconn = SECFTP_CTRLCONN_PRIVATE;
  st->reuse = SECFTP_REUSE_REQUIRED;
  st->rfc_level = SECFTP_RFC_RFC4217;
  st->alpn = SECFTP_ALPN_STRICT;
  st->opts = 0;
  st->handshake_timeout = SECFTP_DEFAULT_HANDSHAKE_TIMEOUT;
  st->verify_depth = SECFTP_DEFAULT_VERIFY_DEPTH;
  st->log_path = NULL;
  st->revocation = SECFTP_DEFAULT_VERIFY_ORDER;
  st->ocsp_url = NULL;
  st->ocsp_timeout = SECFTP_DEFAULT_OCSP_TIMEOUT;
  st->tls12_ciphers = secftp_ciphers_default_tls12();
  st->tls13_ciphers = secftp_ciphers_default_tls13();
  st->groups = secftp_groups_default();
  st->cipher_problem = NULL;
  st->session_cache = SECFTP_SESSION_CACHE_INTERNAL;
  st->ticket_key_lifetime = SECFTP_DEFAULT_TICKET_KEY_LIFETIME;
  st->ticket_key_secret = NULL;

  if (s == NULL) {
    return;
  }

  (void) get_int_param(s, "SecureEngine", &st->engine);
  (void) get_int_param(s, "SecureImplicit", &st->implicit);
  (void) get_int_param(s, "SecureFTP", &st->ftp);
  (void) get_int_param(s, "SecureLogin", &st->login);
  (void) get_int_param(s, "SecurePassword", &st->password);
  (void) get_int_param(s, "SecureDataConn", &st->dataconn);
  (void) get_int_param(s, "SecureCtrlConn", &st->ctrlconn);
  (void) get_int_param(s, "SecureSessionReuse", &st->reuse);
  (void) get_int_param(s, "SecureRFCLevel", &st->rfc_level);
  (void) get_int_param(s, "SecureALPN", &st->alpn);

  if (get_int_param(s, "SecureHandshakeTimeout", &value) == 0) {
    st->handshake_timeout = value;
  }

  (void) get_int_param(s, "SecureVerifyDepth", &st->verify_depth);
  (void) get_int_param(s, "SecureSessionCache", &st->session_cache);

  c = find_config(s->conf, CONF_PARAM, "SecureTicketKeyLifetime", FALSE);
  if (c != NULL) {
    st->ticket_key_lifetime = *((long *) c->argv[0]);
  }

  c = find_config(s->conf, CONF_PARAM, "SecureTicketKeyFile", FALSE);
  if (c != NULL) {
    st->ticket_key_secret = c->argv[0];
  }

  c = find_config(s->conf, CONF_PARAM, "SecureProtocol", FALSE);
  if (c != NULL) {
    st->protocols = *((unsigned int *) c->argv[0]);
  }

  c = find_config(s->conf, CONF_PARAM, "SecureOptions", FALSE);
  while (c != NULL) {
    st->opts |= *((unsigned long *) c->argv[0]);
    c = find_config_next(c, c->next, CONF_PARAM, "SecureOptions", FALSE);
  }

  c = find_config(s->conf, CONF_PARAM, "SecureFTPLog", FALSE);
  if (c != NULL) {
    st->log_path = c->argv[0];
  }

  st->certs = make_array(s->pool, 2, sizeof(struct secftp_cert_files));
  c = find_config(s->conf, CONF_PARAM, "SecureCertificate", FALSE);
  while (c != NULL) {
    struct secftp_cert_files *files = push_array(st->certs);

    files->cert_path = c->argv[0];
    files->key_path = c->argv[1];
    c = find_config_next(c, c->next, CONF_PARAM, "SecureCertificate", FALSE);
  }

  st->keyrings = make_array(s->pool, 1, sizeof(const char *));
  c = find_config(s->conf, CONF_PARAM, "SecureKeyring", FALSE);
  while (c != NULL) {
    *((const char **) push_array(st->keyrings)) = c->argv[0];
    c = find_config_next(c, c->next, CONF_PARAM, "SecureKeyring", FALSE);
  }

  c = find_config(s->conf, CONF_PARAM, "SecurePassPhraseProvider", FALSE);
  if (c != NULL) {
    st->passphrase_provider = c->argv[0];
  }

  c = find_config(s->conf, CONF_PARAM, "SecureVerifyOrder", FALSE);
  if (c != NULL) {
    st->revocation = *((unsigned int *) c->argv[0]);
  }

  c = find_config(s->conf, CONF_PARAM, "SecureOCSPResponder", FALSE);
  if (c != NULL) {
    st->ocsp_url = c->argv[0];
  }

  c = find_config(s->conf, CONF_PARAM, "SecureOCSPTimeout", FALSE);
  if (c != NULL) {
    st->ocsp_timeout = *((long *) c->argv[0]);
  }

  st->ca_path = get_param_ptr(s->conf, "SecureCACertificate", FALSE);
  st->crl_path = get_param_ptr(s->conf, "SecureCARevocation", FALSE);

  c = find_config(s->conf, CONF_PARAM, "SecureCertMap", FALSE);
  if (c != NULL) {
    st->certmap_path = c->argv[0];
    st->certmap = c->argv[1];
  }

  /* Several SecurePortAccess lines add up. */
  st->port_access = make_array(s->pool, 4, sizeof(char *));
  c = find_config(s->conf, CONF_PARAM, "SecurePortAccess", FALSE);
  while (c != NULL) {
    array_cat(st->port_access, c->argv[0]);
    c = find_config_next(c, c->next, CONF_PARAM, "SecurePortAccess", FALSE);
  }
  load_cipher_settings(s, st);
}
