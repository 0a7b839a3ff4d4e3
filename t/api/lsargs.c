/*
 * Check suite for lib/secftp/lsargs.c: command arguments read as ProFTPD
 * 1.3.8's mod_ls, mod_facts and core read them (issue 13: options glued
 * to the path, tabs, "--", strict ListOptions, STAT's own first step).
 */

#include "tests.h"
#include "lsargs.h"

#include <string.h>

static struct secftp_lsargs res;

/* Paths that "exist" for have_options(). */
static int exists(const char *path, void *data) {
  const char *const *names = data;

  for (; *names != NULL; names++) {
    if (strcmp(*names, path) == 0) {
      return 1;
    }
  }

  return 0;
}

static const char *none[] = { NULL };

/* The path of line ("LIST -l/x"): the argument after one separator, the
 * word count as ProFTPD makes it.
 */
static const char *resolve_with(enum secftp_lsargs_cmd cmd, const char *line,
    int strict, const char **names) {
  const char *arg = line + strcspn(line, " \t");

  if (*arg != '\0') {
    arg++;
  }

  ck_assert_int_eq(secftp_lsargs_resolve(cmd, arg,
    secftp_lsargs_count_words(line), strict, exists, names, &res), 0);
  return res.path;
}

static const char *resolve(enum secftp_lsargs_cmd cmd, const char *line) {
  return resolve_with(cmd, line, 0, none);
}

START_TEST (lsargs_glued_options_test) {
  ck_assert_str_eq(resolve(SECFTP_LSARGS_LIST, "LIST -l/priv"), "/priv");
  ck_assert_str_eq(resolve(SECFTP_LSARGS_NLST, "NLST -a/priv"), "/priv");
  ck_assert_str_eq(resolve(SECFTP_LSARGS_LIST, "LIST -lR/pub/.."), "/pub/..");
  ck_assert(res.opts & SECFTP_LSARGS_OPT_R);
  ck_assert_str_eq(resolve(SECFTP_LSARGS_LIST, "LIST -l-a/priv"), "/priv");
  ck_assert_str_eq(resolve(SECFTP_LSARGS_LIST, "LIST -l--/priv"), "/priv");
  /* letters and digits only: "lpriv" is an option group */
  ck_assert_str_eq(resolve(SECFTP_LSARGS_LIST, "LIST -lpriv/x"), "/x");
}
END_TEST

START_TEST (lsargs_white_space_test) {
  ck_assert_str_eq(resolve(SECFTP_LSARGS_LIST, "LIST -l\tpriv"), "priv");
  ck_assert_str_eq(resolve(SECFTP_LSARGS_LIST, "LIST\t-l\tpriv"), "priv");
  ck_assert_str_eq(resolve(SECFTP_LSARGS_LIST, "LIST -l\t\tpriv"), "priv");
  ck_assert_str_eq(resolve(SECFTP_LSARGS_LIST, "LIST -l priv"), "priv");
  /* two spaces after the options: mod_ls keeps one */
  ck_assert_str_eq(resolve(SECFTP_LSARGS_LIST, "LIST -l  priv"), " priv");
  ck_assert_str_eq(resolve(SECFTP_LSARGS_LIST, "LIST -l -a priv"), "priv");
  ck_assert_str_eq(resolve(SECFTP_LSARGS_LIST, "LIST -- priv"), "priv");
  ck_assert_str_eq(resolve(SECFTP_LSARGS_LIST, "LIST  -l priv"), "priv");
  ck_assert_str_eq(resolve(SECFTP_LSARGS_LIST, "LIST -la -R"), "");
  ck_assert(res.opts & SECFTP_LSARGS_OPT_R);
  ck_assert_str_eq(resolve(SECFTP_LSARGS_LIST, "LIST"), "");
  ck_assert_int_eq(res.kind, SECFTP_LSARGS_CONTENTS);
}
END_TEST

START_TEST (lsargs_existing_path_is_not_options_test) {
  static const char *dash[] = { "-la", NULL };

  /* one word naming an existing file: a path, not options */
  ck_assert_str_eq(resolve_with(SECFTP_LSARGS_LIST, "LIST -la", 0, dash),
    "-la");
  ck_assert_int_eq(res.opts, 0);
  /* more words: options again */
  ck_assert_str_eq(resolve_with(SECFTP_LSARGS_LIST, "LIST -la x", 0, dash),
    "x");
}
END_TEST

START_TEST (lsargs_strict_test) {
  /* strict ListOptions: whole words skipped, -R ignored */
  ck_assert_str_eq(resolve_with(SECFTP_LSARGS_LIST, "LIST -lR/priv", 1,
    none), "");
  ck_assert_int_eq(res.opts, 0);
  ck_assert_str_eq(resolve_with(SECFTP_LSARGS_NLST, "NLST -l\tpriv", 1,
    none), "priv");
}
END_TEST

START_TEST (lsargs_stat_test) {
  ck_assert_str_eq(resolve(SECFTP_LSARGS_STAT, "STAT -l/priv"), "");
  ck_assert_str_eq(resolve(SECFTP_LSARGS_STAT, "STAT -x -l/priv"), "/priv");
  ck_assert_str_eq(resolve(SECFTP_LSARGS_STAT, "STAT -la priv"), "priv");
  ck_assert_str_eq(resolve(SECFTP_LSARGS_STAT, "STAT priv"), "priv");
  /* STAT's first '-' word is dropped unread; the next one is parsed */
  ck_assert_str_eq(resolve(SECFTP_LSARGS_STAT, "STAT -lR /"), "/");
  ck_assert_uint_eq(res.opts, 0);
  ck_assert_str_eq(resolve(SECFTP_LSARGS_STAT, "STAT -x -lR/p"), "/p");
  ck_assert(res.opts & SECFTP_LSARGS_OPT_R);
  resolve(SECFTP_LSARGS_STAT, "STAT");
  ck_assert_int_eq(res.kind, SECFTP_LSARGS_NOTHING);
}
END_TEST

START_TEST (lsargs_facts_take_whole_argument_test) {
  ck_assert_str_eq(resolve(SECFTP_LSARGS_MLST, "MLST -l priv/x"),
    "-l priv/x");
  ck_assert_int_eq(res.kind, SECFTP_LSARGS_FACTS);
  ck_assert_int_eq(res.expands, 0);
  ck_assert_str_eq(resolve(SECFTP_LSARGS_SIZE, "SIZE a b"), "a b");
  ck_assert_str_eq(resolve(SECFTP_LSARGS_MDTM, "MDTM"), "");
  ck_assert_str_eq(resolve(SECFTP_LSARGS_MLSD, "MLSD -l/priv"), "-l/priv");
  ck_assert_int_eq(res.kind, SECFTP_LSARGS_CONTENTS);
}
END_TEST

START_TEST (lsargs_words_and_options_test) {
  ck_assert_uint_eq(secftp_lsargs_count_words("LIST"), 1);
  ck_assert_uint_eq(secftp_lsargs_count_words("LIST  -l\tx "), 3);
  ck_assert_uint_eq(secftp_lsargs_count_words("LIST \"a b\" c"), 3);
  ck_assert_uint_eq(secftp_lsargs_count_words("LIST \"a\\\" b\""), 2);
  ck_assert_uint_eq(secftp_lsargs_count_words(""), 0);
  ck_assert_uint_eq(secftp_lsargs_options("-a -R"), SECFTP_LSARGS_OPT_R);
  ck_assert_uint_eq(secftp_lsargs_options("-aL +R"), SECFTP_LSARGS_OPT_L);
  ck_assert_uint_eq(secftp_lsargs_options("+R"), 0);
  ck_assert_uint_eq(secftp_lsargs_options(NULL), 0);
  ck_assert_int_eq(secftp_lsargs_resolve(SECFTP_LSARGS_LIST, NULL, 1, 0,
    NULL, NULL, &res), -1);
}
END_TEST

Suite *tests_get_lsargs_suite(void) {
  Suite *suite;
  TCase *testcase;

  suite = suite_create("lsargs");
  testcase = tcase_create("base");
  tcase_add_test(testcase, lsargs_glued_options_test);
  tcase_add_test(testcase, lsargs_white_space_test);
  tcase_add_test(testcase, lsargs_existing_path_is_not_options_test);
  tcase_add_test(testcase, lsargs_strict_test);
  tcase_add_test(testcase, lsargs_stat_test);
  tcase_add_test(testcase, lsargs_facts_take_whole_argument_test);
  tcase_add_test(testcase, lsargs_words_and_options_test);
  suite_add_tcase(suite, testcase);
  return suite;
}
