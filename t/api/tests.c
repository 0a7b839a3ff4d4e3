/*
 * Runs the Check suites of mod_secftp's pure units.
 *
 * SECFTP_TEST_SUITE=name runs one suite; SECFTP_TEST_NOFORK=1 runs the tests
 * in this process (for gdb, ASan and valgrind).
 */

#include "tests.h"

#include <stdio.h>
#include <stdlib.h>

struct testsuite {
  const char *name;
  Suite *(*get_suite)(void);
};

static const struct testsuite suites[] = {
  { "values", tests_get_values_suite },
  { "ciphers", tests_get_ciphers_suite },
  { "ocsp", tests_get_ocsp_suite },
  { "sniname", tests_get_sniname_suite },
  { "dn", tests_get_dn_suite },
  { "certmap", tests_get_certmap_suite },
  { "policy", tests_get_policy_suite },
  { "alpn", tests_get_alpn_suite },
  { "record", tests_get_record_suite },
  { "ticketkeys", tests_get_ticketkeys_suite },
  { "redisc", tests_get_redisc_suite },
  { "lsargs", tests_get_lsargs_suite },
  { "logesc", tests_get_logesc_suite },
  { "passprov", tests_get_passprov_suite },
  { "bulk", tests_get_bulk_suite },
  { NULL, NULL }
};

int main(void) {
  const char *only, *nofork;
  const struct testsuite *ts;
  SRunner *runner = NULL;
  int nfailed;

  only = getenv("SECFTP_TEST_SUITE");
  nofork = getenv("SECFTP_TEST_NOFORK");

  for (ts = suites; ts->name != NULL; ts++) {
    if (only != NULL &&
        strcmp(only, ts->name) != 0) {
      continue;
    }

    if (runner == NULL) {
      runner = srunner_create(ts->get_suite());

    } else {
      srunner_add_suite(runner, ts->get_suite());
    }
  }

  if (runner == NULL) {
    fprintf(stderr, "no suite named '%s'\n", only);
    return EXIT_FAILURE;
  }

  if (nofork != NULL &&
      strcmp(nofork, "1") == 0) {
    srunner_set_fork_status(runner, CK_NOFORK);
  }

  srunner_run_all(runner, CK_NORMAL);
  nfailed = srunner_ntests_failed(runner);
  srunner_free(runner);

  return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
