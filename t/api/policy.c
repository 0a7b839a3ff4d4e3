/*
 * Check suite for lib/secftp/policy.c: every row of the control-channel
 * reply table, the order of refusals, and every bad value.
 */

#include "tests.h"
#include "policy.h"

static struct secftp_policy_in in;
static struct secftp_verdict v;

static void setup(void) {
  memset(&in, 0, sizeof(in));
  memset(&v, 0, sizeof(v));
  in.ftp = SECFTP_FTP_ALLOWED;
  in.dataconn = SECFTP_DATACONN_CLEAR;
  in.ctrlconn = SECFTP_CTRLCONN_PRIVATE;
  in.rfc_level = SECFTP_RFC_RFC4217;
}

static void teardown(void) {
}

/* The verdict must carry code and action; policy must match (NULL too). */
static void expect(const char *code, int action, const char *policy) {
  if (code == NULL) {
    ck_assert_msg(v.code == NULL, "expected no code, got %s", v.code);

  } else {
    ck_assert_msg(v.code != NULL && strcmp(v.code, code) == 0,
      "expected %s, got %s (%s)", code, v.code ? v.code : "NULL",
      v.reason ? v.reason : "");
  }

  ck_assert_msg(v.action == action, "expected action %d, got %d", action,
    v.action);

  if (policy == NULL) {
    ck_assert_msg(v.policy == NULL, "expected no policy, got %s", v.policy);

  } else {
    ck_assert_msg(v.policy != NULL && strcmp(v.policy, policy) == 0,
      "expected policy %s, got %s", policy, v.policy ? v.policy : "NULL");
    ck_assert_msg(strstr(v.reason, policy) != NULL,
      "the reason does not name %s: %s", policy, v.reason);
  }

  if (action == SECFTP_ACT_NONE) {
    ck_assert_msg(v.reason != NULL && *v.reason != '\0', "no reason");
  }
}

static void auth(const char *arg) {
  ck_assert_int_eq(secftp_policy_auth(&in, arg, &v), 0);
}

static void pbsz(const char *arg) {
  ck_assert_int_eq(secftp_policy_pbsz(&in, arg, &v), 0);
}

static void prot(const char *arg) {
  ck_assert_int_eq(secftp_policy_prot(&in, arg, &v), 0);
}

static void ccc(void) {
  ck_assert_int_eq(secftp_policy_ccc(&in, &v), 0);
}

static void rein(void) {
  ck_assert_int_eq(secftp_policy_rein(&in, &v), 0);
}

static void precmd(const char *name) {
  ck_assert_int_eq(secftp_policy_precmd(&in, name, NULL, &v), 0);
}

START_TEST (bad_input_test) {
  struct secftp_policy_in bad;

  ck_assert_int_eq(secftp_policy_auth(NULL, "TLS", &v), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_int_eq(secftp_policy_auth(&in, "TLS", NULL), -1);
  ck_assert_int_eq(secftp_policy_pbsz(NULL, "0", &v), -1);
  ck_assert_int_eq(secftp_policy_prot(NULL, "P", &v), -1);
  ck_assert_int_eq(secftp_policy_ccc(NULL, &v), -1);
  ck_assert_int_eq(secftp_policy_ccc(&in, NULL), -1);
  ck_assert_int_eq(secftp_policy_rein(NULL, &v), -1);
  ck_assert_int_eq(secftp_policy_precmd(NULL, "USER", NULL, &v), -1);
  ck_assert_int_eq(secftp_policy_precmd(&in, NULL, NULL, &v), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_int_eq(secftp_policy_precmd(&in, "", NULL, &v), -1);
  ck_assert_int_eq(secftp_policy_reauth_user(NULL, "alice", &v), -1);
  ck_assert_int_eq(secftp_policy_reauth_user("", "alice", &v), -1);
  ck_assert_int_eq(secftp_policy_reauth_user("alice", "alice", NULL), -1);

  /* Every setting out of range, both sides. */
  bad = in; bad.ftp = -1;
  ck_assert_int_eq(secftp_policy_ccc(&bad, &v), -1);
  bad = in; bad.ftp = SECFTP_FTP_REQUIRED + 1;
  ck_assert_int_eq(secftp_policy_ccc(&bad, &v), -1);
  bad = in; bad.dataconn = -1;
  ck_assert_int_eq(secftp_policy_auth(&bad, "TLS", &v), -1);
  bad = in; bad.dataconn = SECFTP_DATACONN_PRIVATE + 1;
  ck_assert_int_eq(secftp_policy_prot(&bad, "P", &v), -1);
  bad = in; bad.ctrlconn = -1;
  ck_assert_int_eq(secftp_policy_pbsz(&bad, "0", &v), -1);
  bad = in; bad.ctrlconn = SECFTP_CTRLCONN_CLEAR + 1;
  ck_assert_int_eq(secftp_policy_ccc(&bad, &v), -1);
  bad = in; bad.rfc_level = -1;
  ck_assert_int_eq(secftp_policy_rein(&bad, &v), -1);
  bad = in; bad.rfc_level = SECFTP_RFC_CCC_NONOTIFY + 1;
  ck_assert_int_eq(secftp_policy_precmd(&bad, "NOOP", NULL, &v), -1);
  ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST (auth_test) {
  auth(NULL);
  expect("501", SECFTP_ACT_NONE, NULL);
  auth("");
  expect("501", SECFTP_ACT_NONE, NULL);
  auth("GSSAPI");
  expect("504", SECFTP_ACT_NONE, NULL);
  auth("TLS-X");
  expect("504", SECFTP_ACT_NONE, NULL);

  auth("TLS");
  expect("234", SECFTP_ACT_AUTH, NULL);
  ck_assert_int_eq(v.implies_private, 0);
  auth("tls-c");
  expect("234", SECFTP_ACT_AUTH, NULL);
  ck_assert_int_eq(v.implies_private, 0);
  auth("SSL");
  expect("234", SECFTP_ACT_AUTH, NULL);
  ck_assert_int_eq(v.implies_private, 1);
  auth("Tls-P");
  ck_assert_int_eq(v.implies_private, 1);

  /* AUTH SSL under SecureDataConn never: as TLS-C. */
  in.dataconn = SECFTP_DATACONN_NEVER;
  auth("SSL");
  expect("234", SECFTP_ACT_AUTH, NULL);
  ck_assert_int_eq(v.implies_private, 0);
}
END_TEST

START_TEST (auth_534_test) {
  in.state = SECFTP_PST_CTRL_TLS;
  auth("TLS");
  expect("534", SECFTP_ACT_NONE, NULL);

  in.state = SECFTP_PST_CCC;
  auth("TLS");
  expect("534", SECFTP_ACT_NONE, NULL);
  ck_assert(strstr(v.reason, "CCC") != NULL);

  in.state = SECFTP_PST_CTRL_TLS|SECFTP_PST_IMPLICIT;
  auth("TLS");
  expect("534", SECFTP_ACT_NONE, "SecureImplicit");

  /* No argument is still 501, even when protected. */
  auth(NULL);
  expect("501", SECFTP_ACT_NONE, NULL);

  in.state = 0;
  in.logged_in = 1;
  in.rfc_level = SECFTP_RFC_DRAFT;
  auth("TLS");
  expect("534", SECFTP_ACT_NONE, "SecureRFCLevel");

  /* draft: AUTH only before USER, so also between USER and PASS. */
  in.logged_in = 0;
  in.user_given = 1;
  auth("TLS");
  expect("534", SECFTP_ACT_NONE, "SecureRFCLevel");
  in.rfc_level = SECFTP_RFC_RFC4217;
  auth("TLS");
  expect("234", SECFTP_ACT_AUTH, NULL);
  in.user_given = 0;
  in.logged_in = 1;

  /* rfc4217 and ccc_nonotify: accepted, with a logout. */
  in.rfc_level = SECFTP_RFC_RFC4217;
  auth("TLS");
  expect("234", SECFTP_ACT_AUTH_LOGOUT, NULL);
  in.rfc_level = SECFTP_RFC_CCC_NONOTIFY;
  auth("TLS");
  expect("234", SECFTP_ACT_AUTH_LOGOUT, NULL);
}
END_TEST

START_TEST (pbsz_test) {
  pbsz("0");
  expect("503", SECFTP_ACT_NONE, NULL);
  in.state = SECFTP_PST_CCC;
  pbsz("0");
  expect("503", SECFTP_ACT_NONE, NULL);
  ck_assert(strstr(v.reason, "CCC") != NULL);

  in.state = SECFTP_PST_CTRL_TLS;
  pbsz("0");
  expect("200", SECFTP_ACT_PBSZ, NULL);
  ck_assert_str_eq(v.reason, "PBSZ=0");
  pbsz("1024");
  expect("200", SECFTP_ACT_PBSZ, NULL);
  pbsz("4294967295");
  expect("200", SECFTP_ACT_PBSZ, NULL);

  pbsz(NULL);
  expect("501", SECFTP_ACT_NONE, NULL);
  pbsz("");
  expect("501", SECFTP_ACT_NONE, NULL);
  pbsz("00000000001");
  expect("200", SECFTP_ACT_PBSZ, NULL);
  pbsz("0004294967295");
  expect("200", SECFTP_ACT_PBSZ, NULL);
  pbsz("0004294967296");
  expect("501", SECFTP_ACT_NONE, NULL);
  pbsz("4294967296");
  expect("501", SECFTP_ACT_NONE, NULL);
  pbsz("99999999999");
  expect("501", SECFTP_ACT_NONE, NULL);
  pbsz("-1");
  expect("501", SECFTP_ACT_NONE, NULL);
  pbsz("+1");
  expect("501", SECFTP_ACT_NONE, NULL);
  pbsz("1k");
  expect("501", SECFTP_ACT_NONE, NULL);
  pbsz(" 1");
  expect("501", SECFTP_ACT_NONE, NULL);
}
END_TEST

START_TEST (prot_test) {
  prot("P");
  expect("503", SECFTP_ACT_NONE, NULL);
  in.state = SECFTP_PST_CCC;
  prot("P");
  expect("503", SECFTP_ACT_NONE, NULL);

  in.state = SECFTP_PST_CTRL_TLS;
  prot("P");
  expect("503", SECFTP_ACT_NONE, NULL);
  ck_assert(strstr(v.reason, "PBSZ") != NULL);
  in.opts = SECFTP_OPT_ALLOW_PROT_NO_PBSZ;
  prot("P");
  expect("200", SECFTP_ACT_PROT, NULL);
  in.opts = 0;

  in.state |= SECFTP_PST_PBSZ;
  prot("P");
  expect("200", SECFTP_ACT_PROT, NULL);
  ck_assert_int_eq(v.prot, 'P');
  prot("p");
  ck_assert_int_eq(v.prot, 'P');
  prot("C");
  expect("200", SECFTP_ACT_PROT, NULL);
  ck_assert_int_eq(v.prot, 'C');
  prot("c");
  ck_assert_int_eq(v.prot, 'C');

  prot("S");
  expect("536", SECFTP_ACT_NONE, NULL);
  prot("e");
  expect("536", SECFTP_ACT_NONE, NULL);
  prot("X");
  expect("504", SECFTP_ACT_NONE, NULL);
  prot("PP");
  expect("504", SECFTP_ACT_NONE, NULL);
  prot("\x70");
  expect("200", SECFTP_ACT_PROT, NULL);
  prot("\xd0");
  expect("504", SECFTP_ACT_NONE, NULL);
  prot(NULL);
  expect("501", SECFTP_ACT_NONE, NULL);
  prot("");
  expect("501", SECFTP_ACT_NONE, NULL);

  in.dataconn = SECFTP_DATACONN_PRIVATE;
  prot("C");
  expect("534", SECFTP_ACT_NONE, "SecureDataConn");
  prot("P");
  expect("200", SECFTP_ACT_PROT, NULL);

  in.dataconn = SECFTP_DATACONN_NEVER;
  prot("P");
  expect("534", SECFTP_ACT_NONE, "SecureDataConn");
  prot("C");
  expect("200", SECFTP_ACT_PROT, NULL);
}
END_TEST

START_TEST (ccc_test) {
  /* Unprotected is 533 before any policy, even before login. */
  ccc();
  expect("533", SECFTP_ACT_NONE, NULL);
  in.ctrlconn = SECFTP_CTRLCONN_CLEAR;
  ccc();
  expect("533", SECFTP_ACT_NONE, NULL);

  in.state = SECFTP_PST_CTRL_TLS;
  ccc();
  expect("534", SECFTP_ACT_NONE, NULL);
  ck_assert(strstr(v.reason, "login") != NULL);

  in.logged_in = 1;
  ccc();
  expect("200", SECFTP_ACT_CCC, NULL);
  in.rfc_level = SECFTP_RFC_CCC_NONOTIFY;
  ccc();
  expect("200", SECFTP_ACT_CCC, NULL);

  in.ctrlconn = SECFTP_CTRLCONN_PRIVATE;
  ccc();
  expect("534", SECFTP_ACT_NONE, "SecureCtrlConn");

  in.ctrlconn = SECFTP_CTRLCONN_CLEAR;
  in.state |= SECFTP_PST_IMPLICIT;
  ccc();
  expect("534", SECFTP_ACT_NONE, "SecureImplicit");

  /* After CCC, a second CCC: not protected. */
  in.state = SECFTP_PST_CCC;
  ccc();
  expect("533", SECFTP_ACT_NONE, NULL);

  /* draft: 500 whatever the state. */
  in.rfc_level = SECFTP_RFC_DRAFT;
  ccc();
  expect("500", SECFTP_ACT_NONE, "SecureRFCLevel");
  in.state = SECFTP_PST_CTRL_TLS;
  ccc();
  expect("500", SECFTP_ACT_NONE, "SecureRFCLevel");
}
END_TEST

START_TEST (rein_test) {
  rein();
  expect("220", SECFTP_ACT_REIN, NULL);
  in.rfc_level = SECFTP_RFC_CCC_NONOTIFY;
  in.state = SECFTP_PST_CTRL_TLS;
  in.logged_in = 1;
  rein();
  expect("220", SECFTP_ACT_REIN, NULL);
  in.rfc_level = SECFTP_RFC_DRAFT;
  rein();
  expect("502", SECFTP_ACT_NONE, "SecureRFCLevel");
}
END_TEST

START_TEST (precmd_required_test) {
  static const char *const pass[] = {
    "FEAT", "AUTH", "HOST", "CLNT", "SYST", "HELP", "NOOP", "QUIT", "feat",
    "PBSZ", "PROT", "CCC", NULL
  };
  static const char *const refused[] = {
    "USER", "PASS", "user", "LIST", "RETR", "STOR", "PWD", "CWD", "REIN",
    "STAT", "SITE", "ACCT", "PASV", NULL
  };
  size_t i;

  /* allowed + clear: everything passes. */
  for (i = 0; refused[i] != NULL; i++) {
    precmd(refused[i]);
    expect(NULL, SECFTP_ACT_PASS, NULL);
  }

  in.ftp = SECFTP_FTP_REQUIRED;
  for (i = 0; pass[i] != NULL; i++) {
    precmd(pass[i]);
    expect(NULL, SECFTP_ACT_PASS, NULL);
  }

  for (i = 0; refused[i] != NULL; i++) {
    precmd(refused[i]);
    expect("530", SECFTP_ACT_NONE, "SecureFTP");
  }

  /* Both policies refuse: SecureFTP is named, it comes first. */
  in.dataconn = SECFTP_DATACONN_PRIVATE;
  precmd("USER");
  expect("530", SECFTP_ACT_NONE, "SecureFTP");

  in.ftp = SECFTP_FTP_ALLOWED;
  precmd("PASS");
  expect("530", SECFTP_ACT_NONE, "SecureDataConn");
  precmd("NOOP");
  expect(NULL, SECFTP_ACT_PASS, NULL);

  /* Protected, or cleared by CCC after a protected login: no gate. */
  in.state = SECFTP_PST_CTRL_TLS;
  precmd("USER");
  expect(NULL, SECFTP_ACT_PASS, NULL);
  in.state = SECFTP_PST_CCC;
  precmd("LIST");
  expect(NULL, SECFTP_ACT_PASS, NULL);

  /* SecureDataConn never / clear do not require AUTH. */
  in.state = 0;
  in.dataconn = SECFTP_DATACONN_NEVER;
  precmd("USER");
  expect(NULL, SECFTP_ACT_PASS, NULL);
}
END_TEST

START_TEST (precmd_foreign_test) {
  static const char *const foreign[] = {
    "GET", "get", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "CONNECT",
    "TRACE", "PATCH", "HELO", "EHLO", "ehlo", "STARTTLS", "SSH-2.0-OpenSSH_9.2",
    "ssh-1.99-x", NULL
  };
  static const char *const ftp[] = {
    "GETX", "SSH", "HELP", "OPTS", "STOR", "RETR", "APPE", "MDTM", NULL
  };
  size_t i;

  for (i = 0; foreign[i] != NULL; i++) {
    ck_assert_msg(secftp_policy_is_foreign_verb(foreign[i]), "%s",
      foreign[i]);
    precmd(foreign[i]);
    expect("500", SECFTP_ACT_CLOSE, NULL);

    /* Before any policy, in every state. */
    in.ftp = SECFTP_FTP_REQUIRED;
    in.state = SECFTP_PST_CTRL_TLS;
    precmd(foreign[i]);
    expect("500", SECFTP_ACT_CLOSE, NULL);
    setup();
  }

  for (i = 0; ftp[i] != NULL; i++) {
    ck_assert_msg(!secftp_policy_is_foreign_verb(ftp[i]), "%s", ftp[i]);
  }

  ck_assert(!secftp_policy_is_foreign_verb(NULL));
}
END_TEST

START_TEST (precmd_logged_out_test) {
  static const char *const pass[] = {
    "FEAT", "AUTH", "NOOP", "QUIT", "PBSZ", "PROT", "CCC", "REIN", "OPTS",
    "LANG", "HOST", NULL
  };
  static const char *const refused[] = {
    "LIST", "RETR", "STOR", "PWD", "CWD", "STAT", "SITE", "PASV", "EPSV",
    NULL
  };
  size_t i;

  in.state = SECFTP_PST_CTRL_TLS;
  in.logged_out = 1;

  precmd("USER");
  expect(NULL, SECFTP_ACT_REAUTH_USER, NULL);
  precmd("pass");
  expect(NULL, SECFTP_ACT_REAUTH_PASS, NULL);

  for (i = 0; pass[i] != NULL; i++) {
    precmd(pass[i]);
    expect(NULL, SECFTP_ACT_PASS, NULL);
  }

  for (i = 0; refused[i] != NULL; i++) {
    precmd(refused[i]);
    expect("530", SECFTP_ACT_NONE, NULL);
  }

  /* Logged in again: the gate opens. */
  in.logged_in = 1;
  precmd("LIST");
  expect(NULL, SECFTP_ACT_PASS, NULL);

  /* REIN cleared TLS under SecureFTP required: AUTH comes first. */
  in.logged_in = 0;
  in.state = 0;
  in.ftp = SECFTP_FTP_REQUIRED;
  precmd("USER");
  expect("530", SECFTP_ACT_NONE, "SecureFTP");
}
END_TEST

START_TEST (reauth_user_test) {
  ck_assert_int_eq(secftp_policy_reauth_user("alice", "alice", &v), 0);
  expect("331", SECFTP_ACT_REAUTH_USER, NULL);
  ck_assert_int_eq(secftp_policy_reauth_user("alice", "bob", &v), 0);
  expect("530", SECFTP_ACT_NONE, NULL);
  ck_assert(strstr(v.reason, "reconnect") != NULL);
  ck_assert_int_eq(secftp_policy_reauth_user("alice", "ALICE", &v), 0);
  expect("530", SECFTP_ACT_NONE, NULL);
  ck_assert_int_eq(secftp_policy_reauth_user("alice", NULL, &v), 0);
  expect("501", SECFTP_ACT_NONE, NULL);
  ck_assert_int_eq(secftp_policy_reauth_user("alice", "", &v), 0);
  expect("501", SECFTP_ACT_NONE, NULL);
}
END_TEST

Suite *tests_get_policy_suite(void) {
  Suite *suite;
  TCase *testcase;

  suite = suite_create("policy");
  testcase = tcase_create("base");
  tcase_add_checked_fixture(testcase, setup, teardown);

  tcase_add_test(testcase, bad_input_test);
  tcase_add_test(testcase, auth_test);
  tcase_add_test(testcase, auth_534_test);
  tcase_add_test(testcase, pbsz_test);
  tcase_add_test(testcase, prot_test);
  tcase_add_test(testcase, ccc_test);
  tcase_add_test(testcase, rein_test);
  tcase_add_test(testcase, precmd_required_test);
  tcase_add_test(testcase, precmd_foreign_test);
  tcase_add_test(testcase, precmd_logged_out_test);
  tcase_add_test(testcase, reauth_user_test);

  suite_add_tcase(suite, testcase);
  return suite;
}
