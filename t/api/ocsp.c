/*
 * Check suite for lib/secftp/ocsp.c, against a real responder: `openssl
 * ocsp` on a loopback port, answering for a throwaway CA whose index knows
 * one good and one revoked certificate (a third one it does not know).
 */

#include "tests.h"
#include "ocsp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include <openssl/ocsp.h>
#include <unistd.h>

#include <openssl/pem.h>

static char dir[] = "/tmp/secftp-ocsp-XXXXXX";
static int port;
static pid_t responder = -1;
static X509 *ca, *good, *revoked, *unknown, *noaia;
static X509_STORE *store;
static char url[64], reason[256];

/* Makes the CA, the certificates and the responder's index with openssl. */
#define SETUP_SCRIPT \
  "set -e; cd %s; " \
  "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes " \
  "  -keyout ca.key -out ca.crt -days 2 -subj /CN=ocsp-test-ca " \
  "  -addext basicConstraints=critical,CA:TRUE " \
  "  -addext keyUsage=critical,keyCertSign,cRLSign,digitalSignature " \
  "  2>/dev/null; " \
  "printf 'authorityInfoAccess=OCSP;URI:%s\\n' > aia.ext; " \
  ": > none.ext; " \
  "n=16; for c in good:aia revoked:aia unknown:aia noaia:none; do " \
  "  name=${c%%%%:*}; ext=${c#*:}; n=$((n+1)); " \
  "  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes " \
  "    -keyout $name.key -out $name.csr -subj /CN=$name 2>/dev/null; " \
  "  openssl x509 -req -in $name.csr -CA ca.crt -CAkey ca.key " \
  "    -set_serial $n -days 2 -extfile $ext.ext -out $name.crt 2>/dev/null; " \
  "done; " \
  "printf 'V\\t301231000000Z\\t\\t11\\tunknown\\t/CN=good\\n" \
  "R\\t301231000000Z\\t240101000000Z\\t12\\tunknown\\t/CN=revoked\\n" \
  "V\\t301231000000Z\\t\\t14\\tunknown\\t/CN=noaia\\n' > index.txt"

static X509 *load(const char *name) {
  char path[128];
  X509 *cert;
  FILE *fp;

  snprintf(path, sizeof(path), "%s/%s.crt", dir, name);
  fp = fopen(path, "r");
  ck_assert_msg(fp != NULL, "no %s", path);
  cert = PEM_read_X509(fp, NULL, NULL, NULL);
  fclose(fp);
  ck_assert_msg(cert != NULL, "unreadable %s", path);
  return cert;
}

static int connectable(int p) {
  struct sockaddr_in sin;
  int fd, res;

  fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_port = htons((unsigned short) p);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  res = connect(fd, (struct sockaddr *) &sin, sizeof(sin));
  close(fd);
  return res == 0;
}

/* True once the responder's log says it accepts requests.  (A probe
 * connection would do, but openssl ocsp then waits on it for good.)
 */
static int responder_ready(const char *log) {
  char line[256];
  FILE *fp;
  int ready = 0;

  fp = fopen(log, "r");
  while (fp != NULL &&
         fgets(line, sizeof(line), fp) != NULL) {
    if (strstr(line, "waiting for OCSP client connections") != NULL) {
      ready = 1;
    }
  }

  if (fp != NULL) {
    fclose(fp);
  }

  return ready;
}

static void start_responder(void) {
  char portstr[16], index[128], cafile[128], cakey[128], log[128];
  int i;

  snprintf(portstr, sizeof(portstr), "%d", port);
  snprintf(index, sizeof(index), "%s/index.txt", dir);
  snprintf(cafile, sizeof(cafile), "%s/ca.crt", dir);
  snprintf(cakey, sizeof(cakey), "%s/ca.key", dir);
  snprintf(log, sizeof(log), "%s/responder.log", dir);

  responder = fork();
  ck_assert(responder >= 0);
  if (responder == 0) {
    if (freopen("/dev/null", "w", stdout) == NULL ||
        freopen(log, "w", stderr) == NULL) {
      _exit(126);
    }
    execlp("openssl", "openssl", "ocsp", "-index", index, "-port", portstr,
      "-rsigner", cafile, "-rkey", cakey, "-CA", cafile, "-ignore_err",
      "-nrequest", "50", (char *) NULL);
    _exit(127);
  }

  for (i = 0; i < 200 && !responder_ready(log); i++) {
    usleep(50000);
  }
  ck_assert_msg(responder_ready(log), "openssl ocsp did not start on %d",
    port);
}

static void setup(void) {
  char cmd[4096];

  ck_assert(mkdtemp(dir) != NULL);
  srand((unsigned int) (time(NULL) ^ getpid()));
  do {
    port = 20000 + rand() % 30000;
  } while (connectable(port));

  snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
  snprintf(cmd, sizeof(cmd), SETUP_SCRIPT, dir, url);
  ck_assert_msg(system(cmd) == 0, "certificate setup failed");

  ca = load("ca");
  good = load("good");
  revoked = load("revoked");
  unknown = load("unknown");
  noaia = load("noaia");
  store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  start_responder();
}

static void teardown(void) {
  char cmd[128];

  if (responder > 0) {
    kill(responder, SIGTERM);
    waitpid(responder, NULL, 0);
    responder = -1;
  }

  X509_free(ca);
  X509_free(good);
  X509_free(revoked);
  X509_free(unknown);
  X509_free(noaia);
  X509_STORE_free(store);
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  (void) system(cmd);
}

static int query(X509 *leaf, const char *with_url, long timeout) {
  return secftp_ocsp_query(leaf, ca, store, with_url, timeout, reason,
    sizeof(reason));
}

START_TEST (ocsp_statuses_test) {
  ck_assert_msg(query(good, url, 5) == SECFTP_OCSP_GOOD, "good: %s", reason);
  ck_assert_msg(query(revoked, url, 5) == SECFTP_OCSP_REVOKED,
    "revoked: %s", reason);
  ck_assert_msg(query(unknown, url, 5) == SECFTP_OCSP_UNKNOWN,
    "unknown: %s", reason);
}
END_TEST

START_TEST (ocsp_aia_url_test) {
  /* No configured URL: the certificate's AIA names the responder. */
  ck_assert_msg(query(good, NULL, 5) == SECFTP_OCSP_GOOD, "AIA: %s", reason);
  ck_assert_msg(query(revoked, "", 5) == SECFTP_OCSP_REVOKED, "AIA: %s",
    reason);

  /* Neither: no responder, which is not a reachability problem. */
  ck_assert_int_eq(query(noaia, NULL, 5), SECFTP_OCSP_INVALID);
  ck_assert_msg(strstr(reason, "SecureOCSPResponder") != NULL, "%s", reason);

  /* A configured URL wins over the AIA. */
  ck_assert_msg(query(noaia, url, 5) == SECFTP_OCSP_GOOD, "url: %s", reason);
}
END_TEST

START_TEST (ocsp_unreachable_test) {
  char closed[64];
  int p = port + 1;
  time_t start;

  while (connectable(p)) {
    p++;
  }

  snprintf(closed, sizeof(closed), "http://127.0.0.1:%d/", p);
  ck_assert_int_eq(query(good, closed, 2), SECFTP_OCSP_UNREACHABLE);

  /* A refused connection fails at once: the timeout (30 s here) bounds
   * only a responder that does not answer.
   */
  start = time(NULL);
  ck_assert_int_eq(query(good, closed, 30), SECFTP_OCSP_UNREACHABLE);
  ck_assert_msg(time(NULL) - start < 5, "a refused connection took %lds",
    (long) (time(NULL) - start));
}
END_TEST

START_TEST (ocsp_fetch_keeps_answer_test) {
  struct secftp_ocsp_answer answer;
  const unsigned char *p;
  OCSP_RESPONSE *rsp;
  char closed[64];
  int q = port + 1;

  /* A verified answer is kept, DER, as a stapling server sends it. */
  ck_assert_int_eq(secftp_ocsp_fetch(good, ca, store, url, 5, &answer,
    reason, sizeof(reason)), SECFTP_OCSP_GOOD);
  ck_assert_ptr_nonnull(answer.der);
  p = answer.der;
  rsp = d2i_OCSP_RESPONSE(NULL, &p, (long) answer.der_len);
  ck_assert_ptr_nonnull(rsp);
  ck_assert_int_eq(OCSP_response_status(rsp),
    OCSP_RESPONSE_STATUS_SUCCESSFUL);
  OCSP_RESPONSE_free(rsp);
  /* This responder sets no nextUpdate. */
  ck_assert_int_eq((int) answer.next_update, 0);
  OPENSSL_free(answer.der);

  ck_assert_int_eq(secftp_ocsp_fetch(revoked, ca, store, url, 5, &answer,
    reason, sizeof(reason)), SECFTP_OCSP_REVOKED);
  ck_assert_ptr_nonnull(answer.der);
  OPENSSL_free(answer.der);

  /* No answer, nothing kept. */
  while (connectable(q)) {
    q++;
  }
  snprintf(closed, sizeof(closed), "http://127.0.0.1:%d/", q);
  ck_assert_int_eq(secftp_ocsp_fetch(good, ca, store, closed, 5, &answer,
    reason, sizeof(reason)), SECFTP_OCSP_UNREACHABLE);
  ck_assert_ptr_null(answer.der);
}
END_TEST

START_TEST (ocsp_timeout_test) {
  struct sockaddr_in sin;
  socklen_t len = sizeof(sin);
  char silent[64];
  time_t start;
  int fd, res;

  /* A listener that accepts connections (backlog) and never answers. */
  fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ck_assert(bind(fd, (struct sockaddr *) &sin, sizeof(sin)) == 0);
  ck_assert(listen(fd, 4) == 0);
  ck_assert(getsockname(fd, (struct sockaddr *) &sin, &len) == 0);
  snprintf(silent, sizeof(silent), "http://127.0.0.1:%d/",
    ntohs(sin.sin_port));

  start = time(NULL);
  res = query(good, silent, 1);
  close(fd);
  ck_assert_int_eq(res, SECFTP_OCSP_UNREACHABLE);
  ck_assert_msg(time(NULL) - start <= 3, "the 1 s timeout took %ld s",
    (long) (time(NULL) - start));
}
END_TEST

START_TEST (ocsp_untrusted_signer_test) {
  X509_STORE *empty = X509_STORE_new();
  int res;

  res = secftp_ocsp_query(good, ca, empty, url, 5, reason, sizeof(reason));
  X509_STORE_free(empty);
  ck_assert_int_eq(res, SECFTP_OCSP_INVALID);
  ck_assert_msg(strstr(reason, "signature") != NULL, "%s", reason);
}
END_TEST

START_TEST (ocsp_bad_args_test) {
  ck_assert_int_eq(secftp_ocsp_query(NULL, ca, store, url, 5, reason,
    sizeof(reason)), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_int_eq(secftp_ocsp_query(good, NULL, store, url, 5, reason,
    sizeof(reason)), -1);
  ck_assert_int_eq(secftp_ocsp_query(good, ca, NULL, url, 5, reason,
    sizeof(reason)), -1);
  ck_assert_int_eq(secftp_ocsp_query(good, ca, store, url, 0, reason,
    sizeof(reason)), -1);
  ck_assert_int_eq(query(good, "https://127.0.0.1/", 5),
    SECFTP_OCSP_INVALID);
}
END_TEST

START_TEST (ocsp_check_url_test) {
  ck_assert_int_eq(secftp_ocsp_check_url("http://ocsp.example.com/"), 0);
  ck_assert_int_eq(secftp_ocsp_check_url("http://127.0.0.1:8080/ocsp"), 0);
  ck_assert_int_eq(secftp_ocsp_check_url("https://ocsp.example.com/"), -1);
  ck_assert_int_eq(secftp_ocsp_check_url("ftp://ocsp.example.com/"), -1);
  ck_assert_int_eq(secftp_ocsp_check_url("ocsp.example.com"), -1);
  ck_assert_int_eq(secftp_ocsp_check_url("http://:99999/"), -1);
  ck_assert_int_eq(secftp_ocsp_check_url(""), -1);
  ck_assert_int_eq(secftp_ocsp_check_url(NULL), -1);
  ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST (ocsp_policy_test) {
  ck_assert_int_eq(secftp_ocsp_accepts(SECFTP_OCSP_GOOD, 0), 1);
  ck_assert_int_eq(secftp_ocsp_accepts(SECFTP_OCSP_REVOKED, 1), 0);
  ck_assert_int_eq(secftp_ocsp_accepts(SECFTP_OCSP_UNKNOWN, 1), 0);
  ck_assert_int_eq(secftp_ocsp_accepts(SECFTP_OCSP_INVALID, 1), 0);
  ck_assert_int_eq(secftp_ocsp_accepts(SECFTP_OCSP_UNREACHABLE, 0), 0);
  ck_assert_int_eq(secftp_ocsp_accepts(SECFTP_OCSP_UNREACHABLE, 1), 1);
  ck_assert_str_eq(secftp_ocsp_result_name(SECFTP_OCSP_UNKNOWN), "unknown");
  ck_assert_ptr_null(secftp_ocsp_result_name(99));
}
END_TEST

Suite *tests_get_ocsp_suite(void) {
  Suite *suite;
  TCase *testcase;

  suite = suite_create("ocsp");
  testcase = tcase_create("responder");
  tcase_add_unchecked_fixture(testcase, setup, teardown);
  tcase_set_timeout(testcase, 60);
  tcase_add_test(testcase, ocsp_statuses_test);
  tcase_add_test(testcase, ocsp_aia_url_test);
  tcase_add_test(testcase, ocsp_unreachable_test);
  tcase_add_test(testcase, ocsp_timeout_test);
  tcase_add_test(testcase, ocsp_fetch_keeps_answer_test);
  tcase_add_test(testcase, ocsp_untrusted_signer_test);
  tcase_add_test(testcase, ocsp_bad_args_test);
  tcase_add_test(testcase, ocsp_check_url_test);
  tcase_add_test(testcase, ocsp_policy_test);
  suite_add_tcase(suite, testcase);
  return suite;
}
