/*
 * mod_secftp: FTPS (RFC 4217 / RFC 2228) with z/OS-style security policy
 * for ProFTPD.
 *
 * This file is the module entry only: the directive, command and auth
 * tables, the event listeners, and init/sess_init.  The work is done by the
 * units under lib/secftp/, one concern each.
 *
 * Copyright (c) 2026 the mod_secftp authors.
 * Licensed under the GNU GPL, version 2 or later, with the OpenSSL
 * exception (see COPYING).
 *
 * -----DO NOT EDIT BELOW THIS LINE-----
 * $Archive: mod_secftp.a $
 * $Libraries: -lssl -lcrypto -lhiredis$
 */

#include "mod_secftp.h"
#include "secftp/auth.h"
#include "secftp/certfile.h"
#include "secftp/certuser.h"
#include "secftp/conf.h"
#include "secftp/confpos.h"
#include "secftp/ctrl.h"
#include "secftp/ctrls.h"
#include "secftp/ctrltls.h"
#include "secftp/data.h"
#include "secftp/facts.h"
#include "secftp/keys.h"
#include "secftp/fleet.h"
#include "secftp/log.h"
#include "secftp/loginctx.h"
#include "secftp/redisconf.h"
#include "secftp/masq.h"
#include "secftp/netio.h"
#include "secftp/revocation.h"
#include "secftp/rein.h"
#include "secftp/session.h"
#include "secftp/sessiontab.h"
#include "secftp/sni.h"
#include "secftp/servers.h"
#include "secftp/sscn.h"
#include "secftp/stapling.h"
#include "secftp/ticketcb.h"
#include "secftp/tls.h"
#include "secftp/vhosts.h"
#include "secftp/verify.h"

module secftp_module;

/* Set in the daemon's environment at core.startup: present at
 * core.postparse means a restart.  A module loaded by LoadModule is loaded
 * afresh at a restart, so no static variable of ours survives to tell.
 */
#define SECFTP_STARTED_ENV	"SECFTP_DAEMON_STARTED"

/* Event listeners
 */

/* Certificates' dates are logged, never fatal (certfile.h), once SystemLog
 * is the daemon's log: at startup from core.startup (until then ProFTPD
 * logs to stderr), at a restart right after the contexts are rebuilt.
 */
static void check_certificate_dates(void) {
  PRIVS_ROOT
  secftp_certfile_check_all();
  PRIVS_RELINQUISH
}

static void secftp_startup_ev(const void *event_data, void *user_data) {
  (void) pr_env_set(permanent_pool, SECFTP_STARTED_ENV, "1");
  secftp_log_open_system_log();
  check_certificate_dates();
}

/* The daemon has read its configuration: build every server's TLS context
 * now, as root and before any session forks.  A server that cannot get one
 * stops startup.
 */
static void secftp_postparse_ev(const void *event_data, void *user_data) {
  const char *failed_include;
  int res, restarting;

  /* After a restart ProFTPD leaves SystemLog closed until the next
   * session: what follows, a refusal to go on included, would be lost.
   */
  restarting = pr_env_get(permanent_pool, SECFTP_STARTED_ENV) != NULL;
  if (restarting) {
    secftp_log_open_system_log();
  }

  /* One message, and no checks that would only repeat what the error in
   * that file caused (confpos.h).
   */
  failed_include = secftp_confpos_failed_include();
  if (failed_include != NULL) {
    pr_log_pri(PR_LOG_ERR, "fatal: " MOD_SECFTP_VERSION ": refusing to "
      "start: '%s' was not included because of the error reported above; "
      "fix that line (no other mod_secftp checks were made)",
      failed_include);
    pr_session_end(PR_SESS_END_FL_ERROR);
  }

  /* Keys, CAs, CRLs and passphrase programs may need root; at a restart
   * (SIGHUP) the daemon no longer runs as root by default.
   */
  if (!secftp_loginctx_check_servers()) {
    pr_log_pri(PR_LOG_ERR, "fatal: " MOD_SECFTP_VERSION
      ": directives that cannot take effect where they are written, "
      "refusing to start");
    pr_session_end(PR_SESS_END_FL_ERROR);
  }

  PRIVS_ROOT
  res = secftp_fleet_load_node();
  if (res == 0) {
    res = secftp_servers_build();
  }
  if (res == 0) {
    res = secftp_sscn_build_clients();
  }
  PRIVS_RELINQUISH

  /* Over the network, without root. */
  if (res == 0) {
    res = secftp_stapling_setup();
  }

  if (res < 0) {
    pr_log_pri(PR_LOG_ERR, "fatal: " MOD_SECFTP_VERSION
      ": unusable TLS configuration, refusing to start");
    pr_session_end(PR_SESS_END_FL_ERROR);
  }

  if (restarting) {
    check_certificate_dates();

  } else {
    /* Before startup ProFTPD logs to stderr: proftpd -t (Debian's
     * ExecStartPre) shows the dates too.  SystemLog and SecureFTPLog get
     * them at core.startup.
     */
    PRIVS_ROOT
    secftp_certfile_report();
    PRIVS_RELINQUISH
  }
}

/* Restart and shutdown: the daemon's contexts and maps go; a restart
 * rebuilds them at the next core.postparse.
 */
static void secftp_release_ev(const void *event_data, void *user_data) {
  secftp_certfile_stop_checks();
  secftp_confpos_reset();
  secftp_stapling_release();
  secftp_sscn_free_clients();
  secftp_servers_free();
  secftp_certuser_free_maps();
  secftp_ctrls_restart();
}

/* ftpdctl rmmod: the control action goes with the module. */
static void secftp_unload_ev(const void *event_data, void *user_data) {
  if (event_data != NULL &&
      strcmp((const char *) event_data, "mod_secftp.c") == 0) {
    secftp_ctrls_release();
  }
}

/* ProFTPD itself disconnects a client that sends an HTTP, SMTP or SSH
 * command (ALPACA); the module log says so too.
 */
static void secftp_bad_protocol_ev(const void *event_data,
    void *user_data) {
  const cmd_rec *cmd = event_data;

  secftp_log("client %s sent %s command '%s': closing the connection",
    pr_netaddr_get_ipstr(session.c->remote_addr),
    cmd != NULL ? cmd->protocol : "a foreign",
    cmd != NULL ? (char *) cmd->argv[0] : "");
}

/* SecureOptions LogDataHandshakes: a SecureFTPLog line per protected
 * data connection (otherwise only the trace channel secftp.data has one).
 */
static void secftp_data_handshake_ev(const void *event_data,
    void *user_data) {
  if (secftp_sess.settings.opts & SECFTP_OPT_LOG_DATA_HANDSHAKES) {
    secftp_log_data_handshake((SSL *) event_data);
  }
}

static void secftp_exit_ev(const void *event_data, void *user_data) {
  if (secftp_sess.ctrl_ssl != NULL) {
    (void) secftp_netio_detach(session.c ? session.c->instrm : NULL);
    (void) secftp_netio_detach(session.c ? session.c->outstrm : NULL);
    secftp_tls_close(secftp_sess.ctrl_ssl, FALSE, 0);
    secftp_session_end();
  }

  secftp_log_close();
}

/* Initialization routines
 */

static int secftp_init(void) {
  secftp_confpos_init();
  pr_event_register(&secftp_module, "core.postparse", secftp_postparse_ev,
    NULL);
  pr_event_register(&secftp_module, "core.startup", secftp_startup_ev, NULL);
  pr_event_register(&secftp_module, "core.restart", secftp_release_ev, NULL);
  pr_event_register(&secftp_module, "core.shutdown", secftp_release_ev,
    NULL);
  pr_event_register(&secftp_module, "core.module-unload", secftp_unload_ev,
    NULL);
  (void) secftp_sessiontab_init();
  (void) secftp_ctrls_init();
  return 0;
}

/* This process's copy of a fleet secret no server of the session uses. */
static void scrub_fleet_secret(const struct secftp_fleet_secret *secret) {
  pr_memscrub((void *) secret, sizeof(*secret));
}

static int secftp_sess_init(void) {
  const struct secftp_settings *st;

  secftp_certfile_stop_checks();

  /* Keys this session can never use do not stay in its memory. */
  if (secftp_vhosts_scrub_unreachable(main_server, secftp_ticketcb_scrub,
      scrub_fleet_secret) == 0) {
    secftp_ticketcb_unmap();
  }

  st = secftp_vhosts_settings(main_server);
  secftp_session_begin(st, secftp_vhosts_ctx(main_server));
  if (st == NULL) {
    /* SecureEngine off: the module stays silent for this session. */
    return 0;
  }

  (void) secftp_log_open(st->log_path);
  pr_event_register(&secftp_module, "core.exit", secftp_exit_ev, NULL);
  secftp_sni_sess_init(st);
  pr_event_register(&secftp_module, "core.bad-protocol",
    secftp_bad_protocol_ev, NULL);
  pr_event_register(&secftp_module, SECFTP_EVENT_PREFIX "data-handshake",
    secftp_data_handshake_ev, NULL);

  secftp_data_register_netio();
  if (secftp_netio_install(PR_NETIO_STRM_CTRL|PR_NETIO_STRM_DATA) < 0) {
    return -1;
  }

  secftp_ctrl_add_feats();
  secftp_ctrl_add_help();
  secftp_sscn_sess_init();
  secftp_certuser_sess_init();
  secftp_facts_sess_init();
  secftp_auth_sess_init();
  secftp_sessiontab_sess_init();

  if (st->implicit) {
    /* Implicit FTPS: the handshake comes before the 220 greeting, and the
     * session starts as if AUTH TLS, PBSZ 0 and PROT P had been sent.
     */
    if (secftp_certfile_out_of_service(session.pool, main_server,
        secftp_sess.ctx) != NULL) {
      pr_session_disconnect(&secftp_module,
        PR_SESS_DISCONNECT_BY_APPLICATION, "no valid server certificate");
    }
    secftp_ctrltls_protect("implicit FTPS");
    secftp_session_begin_implicit();
  }

  return 0;
}

/* Module API tables
 */

static conftable secftp_conftab[] = {
  { "CipherSuite",		secftp_set_cipher_suite,	NULL },
  { "SecureALPN",		secftp_set_enum,		NULL },
  { "SecureCACertificate",	secftp_set_ca_path,		NULL },
  { "SecureCARevocation",	secftp_set_ca_path,		NULL },
  { "SecureCertMap",		secftp_set_certmap,		NULL },
  { "SecureCertificate",	secftp_set_certificate,		NULL },
  { "SecureCertificateChain",	secftp_set_certificate_chain,	NULL },
  { "SecureCertificateWarning",	secftp_set_certificate_warning,	NULL },
  { "SecureCipherSuite",	secftp_set_cipher_suite,	NULL },
  { "SecureControlsACLs",	secftp_set_controls_acls,	NULL },
  { "SecureCtrlConn",		secftp_set_enum,		NULL },
  { "SecureDataConn",		secftp_set_enum,		NULL },
  { "SecureEngine",		secftp_set_on_off,		NULL },
  { "SecureFTP",		secftp_set_enum,		NULL },
  { "SecureFTPLog",		secftp_set_log,			NULL },
  { "SecureGroups",		secftp_set_groups,		NULL },
  { "SecureHandshakeTimeout",	secftp_set_handshake_timeout,	NULL },
  { "SecureImplicit",		secftp_set_implicit,		NULL },
  { "SecureKeyring",		secftp_set_keyring,		NULL },
  { "SecureLogin",		secftp_set_enum,		NULL },
  { "SecureOCSPResponder",	secftp_set_ocsp_responder,	NULL },
  { "SecureOCSPTimeout",	secftp_set_ocsp_timeout,	NULL },
  { "SecureMasqueradeAddress",	secftp_set_masquerade_address,	NULL },
  { "SecureOptions",		secftp_set_options,		NULL },
  { "SecurePassPhraseProvider",	secftp_set_passphrase_provider,	NULL },
  { "SecurePassword",		secftp_set_enum,		NULL },
  { "SecurePortAccess",		secftp_set_port_access,		NULL },
  { "SecureProtocol",		secftp_set_protocol,		NULL },
  { "SecureRedisServer",	secftp_set_redis_server,	NULL },
  { "SecureRedisTimeouts",	secftp_set_redis_timeouts,	NULL },
  { "SecureRFCLevel",		secftp_set_enum,		NULL },
  { "SecureSessionCache",	secftp_set_enum,		NULL },
  { "SecureSessionReuse",	secftp_set_enum,		NULL },
  { "SecureStapling",		secftp_set_on_off,		NULL },
  { "SecureStaplingResponder",	secftp_set_stapling_responder,	NULL },
  { "SecureTicketKeyFile",	secftp_set_ticket_key_file,	NULL },
  { "SecureTicketKeyLifetime",	secftp_set_ticket_key_lifetime,	NULL },
  { "SecureVerifyDepth",	secftp_set_verify_depth,	NULL },
  { "SecureVerifyOrder",	secftp_set_verify_order,	NULL },
  { "SecureVerifyServer",	secftp_set_on_off,	NULL },
  { NULL }
};

/* The RFC 2228 verbs are CMD handlers of class CL_SEC, and need no login:
 * a client protects the connection before it sends USER.  The policy gate
 * is a PRE_CMD for C_ANY: wildcard PRE_CMD handlers run before every
 * other handler of every module, so a refused command (USER before AUTH
 * under SecureFTP required, anything but login in a session that REIN
 * logged out) reaches none of them.  STAT's protection lines are added in
 * PRE_CMD, before mod_ls writes its own.
 */
static cmdtable secftp_cmdtab[] = {
  /* First: a host chosen by SNI governs everything else, the gate too. */
  { PRE_CMD,	C_ANY,	G_NONE,	secftp_sni_pre_cmd,	FALSE,	FALSE },
  { PRE_CMD,	C_ANY,	G_NONE,	secftp_pre_any,		FALSE,	FALSE },
  { CMD,	C_AUTH,	G_NONE,	secftp_cmd_auth,	FALSE,	FALSE,	CL_SEC },
  { CMD,	C_PBSZ,	G_NONE,	secftp_cmd_pbsz,	FALSE,	FALSE,	CL_SEC },
  { CMD,	C_PROT,	G_NONE,	secftp_cmd_prot,	FALSE,	FALSE,	CL_SEC },
  { POST_CMD,	C_AUTH,	G_NONE,	secftp_sni_post_auth,	FALSE,	FALSE },
  { CMD,	C_CCC,	G_NONE,	secftp_cmd_ccc,		FALSE,	FALSE,	CL_SEC },
  { CMD,	C_SSCN,	G_NONE,	secftp_cmd_sscn,	FALSE,	FALSE,	CL_SEC },
  { CMD,	C_REIN,	G_NONE,	secftp_cmd_rein,	FALSE,	FALSE,	CL_AUTH },
  { PRE_CMD,	C_STAT,	G_NONE,	secftp_pre_stat,	TRUE,	FALSE },

  /* Certificate login (auth.c): every USER, AUTH, REIN and CCC ends the
   * permission a certificate gave the previous USER, refused or not (a
   * refusal in any PRE_CMD handler still runs POST_CMD_ERR).
   */
  { PRE_CMD,	C_USER,	G_NONE,	secftp_auth_pre_user,	FALSE,	FALSE },
  { PRE_CMD,	C_PASS,	G_NONE,	secftp_auth_pre_pass,	FALSE,	FALSE },
  { POST_CMD,	C_PASS,	G_NONE,	secftp_auth_post_pass,	FALSE,	FALSE },
  { POST_CMD_ERR, C_PASS, G_NONE, secftp_auth_post_pass_err, FALSE, FALSE },
  { PRE_CMD,	C_AUTH,	G_NONE,	secftp_auth_reset,	FALSE,	FALSE },
  { PRE_CMD,	C_REIN,	G_NONE,	secftp_auth_reset,	FALSE,	FALSE },
  { PRE_CMD,	C_CCC,	G_NONE,	secftp_auth_reset,	FALSE,	FALSE },
  { POST_CMD_ERR, C_USER, G_NONE, secftp_auth_reset,	FALSE,	FALSE },
  { POST_CMD_ERR, C_AUTH, G_NONE, secftp_auth_reset,	FALSE,	FALSE },
  { POST_CMD_ERR, C_REIN, G_NONE, secftp_auth_reset,	FALSE,	FALSE },
  { POST_CMD_ERR, C_CCC, G_NONE, secftp_auth_reset,	FALSE,	FALSE },
  /* The login's own context (<Anonymous>, mod_ifsession): loginctx.c. */
  { LOG_CMD,	C_PASS,	G_NONE,	secftp_loginctx_post_login, FALSE, FALSE },
  { PRE_CMD,	C_ANY,	G_NONE,	secftp_data_pre_cmd,	FALSE,	FALSE },
  { POST_CMD_ERR, C_ANY, G_NONE, secftp_data_post_err,	FALSE,	FALSE },
  /* The daemon's view of this session (ftpdctl secftp sessions): a few
   * comparisons per command, a write only when a TLS fact changed.
   */
  { POST_CMD,	C_ANY,	G_NONE,	secftp_sessiontab_post_cmd, FALSE, FALSE },
  { 0,		NULL }
};

/* The certificate decides whether USER needs a password (SecurePassword);
 * the account itself comes from the other auth modules.
 */
static authtable secftp_authtab[] = {
  { 0,	"requires_pass",	secftp_auth_requires_pass },
  { 0,	NULL,			NULL }
};

module secftp_module = {
  NULL, NULL,

  /* Module API version */
  0x20,

  /* Module name */
  "secftp",

  /* Module configuration handler table */
  secftp_conftab,

  /* Module command handler table */
  secftp_cmdtab,

  /* Module authentication handler table */
  secftp_authtab,

  /* Module initialization function */
  secftp_init,

  /* Session initialization function */
  secftp_sess_init,

  /* Module version */
  MOD_SECFTP_VERSION
};
