/*
 * session: protection state and published TLS facts.
 */

#include "secftp/session.h"
#include "secftp/log.h"

struct secftp_session secftp_sess;

int secftp_session_enabled(void) {
  return secftp_sess.settings.engine &&
    secftp_sess.ctx != NULL;
}

void secftp_session_set_fact(const char *name, const char *value) {
  const char *copy;

  if (name == NULL ||
      value == NULL) {
    return;
  }

  /* Facts live as long as the session, in its pool: a client that repeats
   * PROT P, say, must not make that pool grow with every command.
   */
  copy = pr_table_get(session.notes, name, NULL);
  if (copy != NULL &&
      strcmp(copy, value) == 0) {
    return;
  }

  copy = pstrdup(session.pool, value);
  if (pr_table_set(session.notes, name, (void *) copy, 0) < 0 &&
      pr_table_add(session.notes, pstrdup(session.pool, name),
        (void *) copy, 0) < 0) {
    pr_trace_msg(SECFTP_TRACE, 3, "unable to set note %s: %s", name,
      strerror(errno));
  }

  if (secftp_sess.settings.opts & SECFTP_OPT_STD_ENV_VARS) {
    (void) pr_env_set(session.pool, name, copy);
  }
}

void secftp_session_clear_fact(const char *name) {
  if (name == NULL) {
    return;
  }

  (void) pr_table_remove(session.notes, name, NULL);
  if (secftp_sess.settings.opts & SECFTP_OPT_STD_ENV_VARS) {
    (void) pr_env_unset(session.pool, name);
  }
}

void secftp_session_set_prot(char prot) {
  char value[2];

  secftp_sess.prot = prot;
  value[0] = prot;
  value[1] = '\0';
  secftp_session_set_fact("SECFTP_DATA_PROT", value);
}

void secftp_session_announce_prot(void) {
  cmd_rec *cmd;
  pool *tmp_pool;
  char arg[2];

  arg[0] = secftp_sess.prot;
  arg[1] = '\0';

  tmp_pool = make_sub_pool(session.pool);
  cmd = pr_cmd_alloc(tmp_pool, 2, pstrdup(tmp_pool, C_PROT),
    pstrdup(tmp_pool, arg));
  cmd->arg = pstrdup(tmp_pool, arg);
  (void) pr_cmd_dispatch_phase(cmd, POST_CMD, 0);
  destroy_pool(tmp_pool);
}

void secftp_session_publish_tls(SSL *ssl) {
  secftp_session_set_fact("SECFTP", "1");
  secftp_session_set_fact("SECFTP_PROTOCOL", SSL_get_version(ssl));
  secftp_session_set_fact("SECFTP_CIPHER", SSL_get_cipher_name(ssl));
}
