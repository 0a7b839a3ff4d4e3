/*
 * Check suite for lib/secftp/passprov.c: SecurePassPhraseProvider trusted
 * only through a chain of directories its owner alone may write (issue
 * 13), and run with nothing of the caller's.  The files live under
 * build/ (the run directory in /tmp is world-writable, so never trusted).
 */

#include "tests.h"
#include "passprov.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[PATH_MAX / 2], why[512];

/* TRUE when path and every directory above it is root's and writable by
 * nobody else.
 */
static int chain_is_trusted(const char *path) {
  char dir[PATH_MAX];
  struct stat st;

  if (realpath(path, dir) == NULL) {
    return 0;
  }

  for (;;) {
    char *slash;

    if (stat(dir, &st) < 0 ||
        st.st_uid != 0 ||
        (st.st_mode & (S_IWGRP|S_IWOTH))) {
      return 0;
    }

    slash = strrchr(dir, '/');
    if (slash == NULL ||
        slash == dir) {
      return stat("/", &st) == 0 && st.st_uid == 0 &&
        !(st.st_mode & (S_IWGRP|S_IWOTH));
    }
    *slash = '\0';
  }
}

static void setup(void) {
  char rel[PATH_MAX], full[PATH_MAX];
  const char *parent = "build";

  /* build/ in the checkout, unless the checkout itself sits below a
   * directory others may write (a clone under /tmp): then a root-owned
   * place of its own, as the integration tests do (harness.trusted_dir).
   */
  (void) mkdir("build", 0755);
  if (!chain_is_trusted("build")) {
    parent = "/var/lib/mod_secftp-tests";
    (void) mkdir(parent, 0755);
    ck_assert_int_eq(chmod(parent, 0755), 0);
  }

  snprintf(rel, sizeof(rel), "%s/passprov-XXXXXX", parent);
  ck_assert_ptr_nonnull(mkdtemp(rel));
  ck_assert_ptr_nonnull(realpath(rel, full));
  ck_assert_uint_lt(strlen(full), sizeof(base));
  strcpy(base, full);
  ck_assert_int_eq(chmod(base, 0755), 0);
}

static void teardown(void) {
  char cmd[PATH_MAX + 16];

  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
  (void) system(cmd);
}

static const char *make(const char *name, const char *text, mode_t mode) {
  static char path[PATH_MAX];
  FILE *fh;

  snprintf(path, sizeof(path), "%s/%s", base, name);
  fh = fopen(path, "w");
  ck_assert_ptr_nonnull(fh);
  fputs(text, fh);
  fclose(fh);
  ck_assert_int_eq(chmod(path, mode), 0);
  return path;
}

static int try_open(const char *path, int *is_program) {
  int fd;

  why[0] = '\0';
  fd = secftp_passprov_open(path, getuid(), is_program, why, sizeof(why));
  if (fd >= 0) {
    close(fd);
  }
  return fd;
}

START_TEST (passprov_trusted_chain_test) {
  int is_program = -1;
  const char *path = make("pass", "secret\n", 0600);

  ck_assert_msg(try_open(path, &is_program) >= 0, "refused: %s", why);
  ck_assert_int_eq(is_program, 0);
  path = make("prog", "#!/bin/sh\necho secret\n", 0700);
  ck_assert_msg(try_open(path, &is_program) >= 0, "refused: %s", why);
  ck_assert_int_eq(is_program, 1);
}
END_TEST

START_TEST (passprov_refusals_name_the_reason_test) {
  char dir[PATH_MAX / 2 + 16], link[PATH_MAX], path[PATH_MAX];

  ck_assert_int_lt(try_open(make("gw", "x\n", 0620), NULL), 0);
  ck_assert_msg(strstr(why, "writable by its group") != NULL, "%s", why);
  ck_assert_int_lt(try_open(make("ow", "x\n", 0602), NULL), 0);
  ck_assert_msg(strstr(why, "writable by others") != NULL, "%s", why);

  snprintf(dir, sizeof(dir), "%s/open", base);
  ck_assert_int_eq(mkdir(dir, 0777), 0);
  ck_assert_int_eq(chmod(dir, 0777), 0);
  snprintf(path, sizeof(path), "%s/p", dir);
  ck_assert_int_lt(try_open(path, NULL), 0);
  ck_assert_msg(strstr(why, dir) != NULL &&
    strstr(why, "writable by others") != NULL, "%s", why);

  /* a link its owner made is followed (Debian's /bin -> usr/bin); one
   * anybody else owns is not
   */
  snprintf(link, sizeof(link), "%s/link", base);
  ck_assert_int_eq(symlink("t", link), 0);
  make("t", "x\n", 0600);
  ck_assert_msg(try_open(link, NULL) >= 0, "refused: %s", why);
  if (getuid() == 0) {
    ck_assert_int_eq(lchown(link, 65534, 65534), 0);
    ck_assert_int_lt(try_open(link, NULL), 0);
    ck_assert_msg(strstr(why, "a symbolic link not owned") != NULL, "%s",
      why);
  }
  snprintf(path, sizeof(path), "%s/loop", base);
  ck_assert_int_eq(symlink("loop", path), 0);
  ck_assert_int_lt(try_open(path, NULL), 0);
  ck_assert_msg(strstr(why, "too many symbolic links") != NULL, "%s", why);
  ck_assert_msg(try_open("/bin/sh", NULL) >= 0 || getuid() != 0,
    "/bin/sh refused: %s", why);

  ck_assert_int_lt(try_open("relative/p", NULL), 0);
  ck_assert_msg(strstr(why, "absolute") != NULL, "%s", why);
  ck_assert_int_lt(try_open(base, NULL), 0);
  ck_assert_msg(strstr(why, "not a regular file") != NULL, "%s", why);
  ck_assert_int_lt(secftp_passprov_open("/tmp/x", getuid(), NULL, why,
    sizeof(why)), 0);
  ck_assert_msg(strstr(why, "'/tmp'") != NULL, "%s", why);
}
END_TEST

static int run(const char *body, char *buf, size_t size) {
  char text[512];
  int fd, len, is_program = 0;

  snprintf(text, sizeof(text), "#!/bin/sh\n%s", body);
  fd = secftp_passprov_open(make("run.sh", text, 0700), getuid(),
    &is_program, why, sizeof(why));
  ck_assert_msg(fd >= 0, "%s", why);
  len = secftp_passprov_run(fd, "run.sh", "/key/path", buf, size, 3, why,
    sizeof(why));
  close(fd);
  return len;
}

START_TEST (passprov_run_test) {
  char buf[256], text[256];
  int canary;

  ck_assert_int_eq(run("printf 'pw %s\\n' \"$1\"\n", buf, sizeof(buf)), 12);
  ck_assert_str_eq(buf, "pw /key/path");

  /* nothing of the caller: its environment, its descriptors */
  setenv("SECFTP_CANARY", "leak", 1);
  canary = open("/dev/null", O_RDONLY);
  snprintf(text, sizeof(text), "printf '%%s|%%s|' \"$SECFTP_CANARY\" "
    "\"$HOME\"; [ -e /proc/$$/fd/%d ] && echo open || echo closed\n",
    canary);
  ck_assert_int_gt(run(text, buf, sizeof(buf)), 0);
  ck_assert_msg(strcmp(buf, "||closed") == 0, "inherited: %s", buf);
  close(canary);
  unsetenv("SECFTP_CANARY");

  ck_assert_int_lt(run("echo pw; exit 3\n", buf, sizeof(buf)), 0);
  ck_assert_msg(strstr(why, "failed") != NULL, "%s", why);
  ck_assert_int_lt(run("echo pw; exec sleep 30\n", buf, sizeof(buf)), 0);
  ck_assert_msg(strstr(why, "killed") != NULL, "%s", why);
  ck_assert_int_lt(run("exec sleep 30\n", buf, sizeof(buf)), 0);
  ck_assert_msg(strstr(why, "no answer") != NULL, "%s", why);
}
END_TEST

Suite *tests_get_passprov_suite(void) {
  Suite *suite;
  TCase *testcase;

  suite = suite_create("passprov");
  testcase = tcase_create("base");
  tcase_add_checked_fixture(testcase, setup, teardown);
  tcase_set_timeout(testcase, 30);
  tcase_add_test(testcase, passprov_trusted_chain_test);
  tcase_add_test(testcase, passprov_refusals_name_the_reason_test);
  tcase_add_test(testcase, passprov_run_test);
  suite_add_tcase(suite, testcase);
  return suite;
}
