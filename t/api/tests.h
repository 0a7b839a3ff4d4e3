/*
 * The Check suites of mod_secftp's pure units: one suite per unit in
 * lib/secftp/, in a file of the same basename under t/api/.
 */

#ifndef SECFTP_TESTS_H
#define SECFTP_TESTS_H

#include <check.h>
#include <errno.h>
#include <string.h>

Suite *tests_get_values_suite(void);
Suite *tests_get_ciphers_suite(void);
Suite *tests_get_ocsp_suite(void);
Suite *tests_get_sniname_suite(void);
Suite *tests_get_dn_suite(void);
Suite *tests_get_certmap_suite(void);
Suite *tests_get_policy_suite(void);
Suite *tests_get_alpn_suite(void);
Suite *tests_get_record_suite(void);
Suite *tests_get_ticketkeys_suite(void);
Suite *tests_get_redisc_suite(void);
Suite *tests_get_lsargs_suite(void);
Suite *tests_get_logesc_suite(void);
Suite *tests_get_passprov_suite(void);
Suite *tests_get_bulk_suite(void);

#endif /* SECFTP_TESTS_H */
