/*
 * Check suite for lib/secftp/logesc.c: client text escaped for a log line
 * (SPEC 6.1, issue 13: CR/LF/ESC in SNI and USER, bidi controls).
 */

#include "tests.h"
#include "logesc.h"

#include <string.h>

static char out[256];

static const char *esc(const char *in, int flags) {
  (void) secftp_logesc(out, sizeof(out), in, strlen(in), flags);
  return out;
}

START_TEST (logesc_controls_test) {
  ck_assert_str_eq(esc("a\r\nuser root logged in", 0),
    "a\\x0D\\x0Auser root logged in");
  ck_assert_str_eq(esc("\x1b[2J\x07\x7f", 0), "\\x1B[2J\\x07\\x7F");
  ck_assert_str_eq(esc("plain.name", 0), "plain.name");
  /* C1 (U+0085, NEL) and bidi / format controls */
  ck_assert_str_eq(esc("a\xc2\x85" "b", 0), "a\\u{0085}b");
  ck_assert_str_eq(esc("\xe2\x80\xae" "gpj.exe", 0), "\\u{202E}gpj.exe");
  ck_assert_str_eq(esc("x\xef\xbb\xbf", 0), "x\\u{FEFF}");
  /* ordinary non-ASCII passes */
  ck_assert_str_eq(esc("J\xc3\xbcrgen", 0), "J\xc3\xbcrgen");
}
END_TEST

START_TEST (logesc_invalid_utf8_test) {
  ck_assert_str_eq(esc("\xc0\xaf", 0), "\\xC0\\xAF");
  ck_assert_str_eq(esc("\xed\xa0\x80", 0), "\\xED\\xA0\\x80");
  ck_assert_str_eq(esc("\xf4\x90\x80\x80", 0), "\\xF4\\x90\\x80\\x80");
  ck_assert_str_eq(esc("a\xe2\x80", 0), "a\\xE2\\x80");
  ck_assert_str_eq(esc("\xff", 0), "\\xFF");
}
END_TEST

START_TEST (logesc_backslash_and_bounds_test) {
  char small[6];

  ck_assert_str_eq(esc("a\\x0A", SECFTP_LOGESC_BACKSLASH), "a\\\\x0A");
  ck_assert_str_eq(esc("a\\x0A", 0), "a\\x0A");
  /* an escape is never cut: "ab" fits, "\x0A" (4) does not */
  ck_assert_uint_eq(secftp_logesc(small, sizeof(small), "ab\ncd", 5, 0), 8);
  ck_assert_str_eq(small, "ab");
  ck_assert_uint_eq(secftp_logesc(NULL, 0, "\n", 1, 0), 4);
  ck_assert_uint_eq(secftp_logesc(small, sizeof(small), NULL, 3, 0), 0);
}
END_TEST

START_TEST (logesc_is_control_test) {
  ck_assert(secftp_logesc_is_control(0x202e));
  ck_assert(secftp_logesc_is_control(0x200b));
  ck_assert(secftp_logesc_is_control(0x2066));
  ck_assert(secftp_logesc_is_control(0xfeff));
  ck_assert(secftp_logesc_is_control(0x0a));
  ck_assert(!secftp_logesc_is_control('a'));
  ck_assert(!secftp_logesc_is_control(0xe9));
  ck_assert(!secftp_logesc_is_control(0x2010));
}
END_TEST

Suite *tests_get_logesc_suite(void) {
  Suite *suite;
  TCase *testcase;

  suite = suite_create("logesc");
  testcase = tcase_create("base");
  tcase_add_test(testcase, logesc_controls_test);
  tcase_add_test(testcase, logesc_invalid_utf8_test);
  tcase_add_test(testcase, logesc_backslash_and_bounds_test);
  tcase_add_test(testcase, logesc_is_control_test);
  suite_add_tcase(suite, testcase);
  return suite;
}
