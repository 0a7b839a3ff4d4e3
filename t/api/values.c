/*
 * Check suite for lib/secftp/values.c.
 */

#include "tests.h"
#include "values.h"

START_TEST (token_lookup_null_test) {
  int value;

  mark_point();
  ck_assert_msg(secftp_token_lookup(NULL, "on", &value) == -1,
    "expected -1 for a NULL table");
  ck_assert_msg(errno == EINVAL, "expected EINVAL, got %d", errno);
  ck_assert_msg(secftp_token_lookup(secftp_ftp_tokens, NULL, &value) == -1,
    "expected -1 for a NULL token");
  ck_assert_msg(secftp_token_lookup(secftp_ftp_tokens, "required", NULL) == -1,
    "expected -1 for a NULL value pointer");
}
END_TEST

START_TEST (token_lookup_policies_test) {
  int value = -1;

  mark_point();
  ck_assert_int_eq(secftp_token_lookup(secftp_ftp_tokens, "REQUIRED", &value),
    0);
  ck_assert_int_eq(value, SECFTP_FTP_REQUIRED);
  ck_assert_int_eq(secftp_token_lookup(secftp_login_tokens, "Verify_User",
    &value), 0);
  ck_assert_int_eq(value, SECFTP_LOGIN_VERIFY_USER);
  ck_assert_int_eq(secftp_token_lookup(secftp_dataconn_tokens, "never",
    &value), 0);
  ck_assert_int_eq(value, SECFTP_DATACONN_NEVER);
  ck_assert_int_eq(secftp_token_lookup(secftp_rfc_level_tokens,
    "ccc_nonotify", &value), 0);
  ck_assert_int_eq(value, SECFTP_RFC_CCC_NONOTIFY);

  mark_point();
  ck_assert_int_eq(secftp_token_lookup(secftp_dataconn_tokens, "safe",
    &value), -1);
  ck_assert_msg(errno == ENOENT, "expected ENOENT, got %d", errno);
  ck_assert_int_eq(secftp_token_lookup(secftp_ftp_tokens, "", &value), -1);
  ck_assert_int_eq(secftp_token_lookup(secftp_ftp_tokens, "required ",
    &value), -1);
}
END_TEST

START_TEST (protocol_tokens_test) {
  int value;

  mark_point();
  ck_assert_int_eq(secftp_token_lookup(secftp_protocol_tokens, "tlsv1.3",
    &value), 0);
  ck_assert_int_eq(value, SECFTP_PROTO_TLS1_3);
  ck_assert_int_eq(secftp_token_lookup(secftp_protocol_tokens, "TLSv1",
    &value), 0);
  ck_assert_int_eq(value, SECFTP_PROTO_TLS1_0);
  ck_assert_msg(secftp_token_lookup(secftp_protocol_tokens, "SSLv3",
    &value) == -1, "SSLv3 must never be accepted");
  ck_assert_msg(secftp_token_lookup(secftp_protocol_tokens, "SSLv2",
    &value) == -1, "SSLv2 must never be accepted");
}
END_TEST

START_TEST (token_name_test) {
  mark_point();
  ck_assert_str_eq(secftp_token_name(secftp_rfc_level_tokens,
    SECFTP_RFC_DRAFT), "draft");
  ck_assert_str_eq(secftp_token_name(secftp_protocol_tokens,
    SECFTP_PROTO_TLS1_0), "TLSv1");
  ck_assert_msg(secftp_token_name(secftp_ftp_tokens, 42) == NULL,
    "expected NULL for an unknown value");
  ck_assert_msg(secftp_token_name(NULL, 0) == NULL,
    "expected NULL for a NULL table");
}
END_TEST

START_TEST (parse_bool_test) {
  mark_point();
  ck_assert_int_eq(secftp_parse_bool("on"), 1);
  ck_assert_int_eq(secftp_parse_bool("OFF"), 0);
  ck_assert_int_eq(secftp_parse_bool("yes"), 1);
  ck_assert_int_eq(secftp_parse_bool("0"), 0);
  ck_assert_int_eq(secftp_parse_bool("maybe"), -1);
  ck_assert_int_eq(secftp_parse_bool(NULL), -1);
}
END_TEST

START_TEST (parse_seconds_test) {
  long secs = 0;

  mark_point();
  ck_assert_int_eq(secftp_parse_seconds("30", 1, 3600, &secs), 0);
  ck_assert_int_eq(secs, 30);
  ck_assert_int_eq(secftp_parse_seconds("0", 1, 3600, &secs), -1);
  ck_assert_msg(errno == ERANGE, "expected ERANGE, got %d", errno);
  ck_assert_int_eq(secftp_parse_seconds("3601", 1, 3600, &secs), -1);
  ck_assert_int_eq(secftp_parse_seconds("-5", 0, 3600, &secs), -1);
  ck_assert_msg(errno == EINVAL, "expected EINVAL, got %d", errno);
  ck_assert_int_eq(secftp_parse_seconds("+5", 0, 3600, &secs), -1);
  ck_assert_int_eq(secftp_parse_seconds(" 5", 0, 3600, &secs), -1);
  ck_assert_int_eq(secftp_parse_seconds("5s", 0, 3600, &secs), -1);
  ck_assert_int_eq(secftp_parse_seconds("", 0, 3600, &secs), -1);
  ck_assert_int_eq(secftp_parse_seconds("99999999999999999999999", 0, 3600,
    &secs), -1);
}
END_TEST

START_TEST (parse_duration_test) {
  long secs = 0;

  mark_point();
  ck_assert_int_eq(secftp_parse_duration("12h", 1, &secs), 0);
  ck_assert_int_eq(secs, 12 * 3600);
  ck_assert_int_eq(secftp_parse_duration("90m", 1, &secs), 0);
  ck_assert_int_eq(secs, 5400);
  ck_assert_int_eq(secftp_parse_duration("45S", 1, &secs), 0);
  ck_assert_int_eq(secs, 45);
  ck_assert_int_eq(secftp_parse_duration("7", 1, &secs), 0);
  ck_assert_int_eq(secs, 7);
  ck_assert_int_eq(secftp_parse_duration("0s", 1, &secs), -1);
  ck_assert_int_eq(secftp_parse_duration("h", 1, &secs), -1);
  ck_assert_int_eq(secftp_parse_duration("3d", 1, &secs), -1);
  ck_assert_int_eq(secftp_parse_duration("", 1, &secs), -1);
  ck_assert_int_eq(secftp_parse_duration("9223372036854775807h", 1, &secs),
    -1);
}
END_TEST

START_TEST (parse_pbsz_test) {
  unsigned long size = 1;

  mark_point();
  ck_assert_int_eq(secftp_parse_pbsz("0", &size), 0);
  ck_assert_int_eq(size, 0);
  ck_assert_int_eq(secftp_parse_pbsz("4294967295", &size), 0);
  ck_assert_msg(size == 4294967295UL, "expected 2^32-1, got %lu", size);
  ck_assert_int_eq(secftp_parse_pbsz("4294967296", &size), -1);
  ck_assert_int_eq(secftp_parse_pbsz("abc", &size), -1);
  ck_assert_int_eq(secftp_parse_pbsz("-1", &size), -1);
  ck_assert_int_eq(secftp_parse_pbsz("", &size), -1);
  ck_assert_int_eq(secftp_parse_pbsz("12 ", &size), -1);
  ck_assert_int_eq(secftp_parse_pbsz(NULL, &size), -1);
}
END_TEST

Suite *tests_get_values_suite(void) {
  Suite *suite;
  TCase *testcase;

  suite = suite_create("values");
  testcase = tcase_create("base");

  tcase_add_test(testcase, token_lookup_null_test);
  tcase_add_test(testcase, token_lookup_policies_test);
  tcase_add_test(testcase, protocol_tokens_test);
  tcase_add_test(testcase, token_name_test);
  tcase_add_test(testcase, parse_bool_test);
  tcase_add_test(testcase, parse_seconds_test);
  tcase_add_test(testcase, parse_duration_test);
  tcase_add_test(testcase, parse_pbsz_test);

  suite_add_tcase(suite, testcase);
  return suite;
}
