/*
 * Check suite for lib/secftp/ciphers.c.
 */

#include "tests.h"
#include "ciphers.h"
#include "values.h"

#include <openssl/ssl.h>

#define NTOKENS(a)	(sizeof(a) / sizeof((a)[0]))

static char tls12[SECFTP_CIPHERS_LIST_MAX], tls13[SECFTP_CIPHERS_LIST_MAX];
static char err[SECFTP_CIPHERS_ERR_MAX];

static int translate(const char *const *tokens, size_t ntokens) {
  return secftp_ciphers_translate(tokens, ntokens, tls12, sizeof(tls12),
    tls13, sizeof(tls13), err, sizeof(err));
}

static int translate_one(const char *token) {
  return translate(&token, 1);
}

/* The token must be refused with errno code and a message quoting it. */
static void assert_refused(const char *token, int code) {
  ck_assert_msg(translate_one(token) == -1, "'%s' was accepted as '%s|%s'",
    token, tls12, tls13);
  ck_assert_msg(errno == code, "'%s': expected errno %d, got %d (%s)", token,
    code, errno, err);
  ck_assert_msg(strstr(err, token) != NULL,
    "'%s': the message does not name it: %s", token, err);
  ck_assert_msg(tls12[0] == '\0' && tls13[0] == '\0',
    "'%s': lists not cleared on error", token);
}

static int check(unsigned int protocols, const char *list12,
    const char *list13) {
  return secftp_ciphers_check_protocols(protocols, list12, list13, err,
    sizeof(err));
}

static int groups_translate(const char *const *tokens, size_t ntokens,
    char *groups, size_t groups_len) {
  return secftp_groups_translate(tokens, ntokens, groups, groups_len, err,
    sizeof(err));
}

/* Independent of the unit: what makes a suite acceptable here. */
static int is_strong(const SSL_CIPHER *cipher) {
  int kx = SSL_CIPHER_get_kx_nid(cipher);
  int auth = SSL_CIPHER_get_auth_nid(cipher);

  return SSL_CIPHER_get_cipher_nid(cipher) != NID_undef &&
    SSL_CIPHER_get_bits(cipher, NULL) >= 128 &&
    SSL_CIPHER_get_digest_nid(cipher) != NID_md5 &&
    auth != NID_auth_null && auth != NID_auth_psk && auth != NID_auth_srp &&
    kx != NID_kx_psk && kx != NID_kx_rsa_psk && kx != NID_kx_dhe_psk &&
    kx != NID_kx_ecdhe_psk && kx != NID_kx_srp;
}

START_TEST (translate_null_test) {
  const char *tokens[] = { "ECDHE-RSA-AES128-GCM-SHA256" };
  const char *with_null[] = { "ECDHE-RSA-AES128-GCM-SHA256", NULL };

  mark_point();
  ck_assert_int_eq(secftp_ciphers_translate(NULL, 1, tls12, sizeof(tls12),
    tls13, sizeof(tls13), err, sizeof(err)), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_int_eq(translate(tokens, 0), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_int_eq(secftp_ciphers_translate(tokens, 1, NULL, sizeof(tls12),
    tls13, sizeof(tls13), err, sizeof(err)), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_int_eq(secftp_ciphers_translate(tokens, 1, tls12, 0,
    tls13, sizeof(tls13), err, sizeof(err)), -1);
  ck_assert_int_eq(secftp_ciphers_translate(tokens, 1, tls12, sizeof(tls12),
    NULL, sizeof(tls13), err, sizeof(err)), -1);
  ck_assert_int_eq(secftp_ciphers_translate(tokens, 1, tls12, sizeof(tls12),
    tls13, 0, err, sizeof(err)), -1);
  ck_assert_int_eq(secftp_ciphers_translate(tokens, 1, tls12, sizeof(tls12),
    tls13, sizeof(tls13), NULL, sizeof(err)), -1);
  ck_assert_int_eq(secftp_ciphers_translate(tokens, 1, tls12, sizeof(tls12),
    tls13, sizeof(tls13), err, 0), -1);
  ck_assert_int_eq(errno, EINVAL);

  mark_point();
  ck_assert_int_eq(translate(with_null, 2), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_msg(strstr(err, "empty") != NULL, "unexpected message: %s", err);
}
END_TEST

START_TEST (translate_names_test) {
  const char *tokens[] = {
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_AES_128_GCM_SHA256",
    "AES128-SHA"
  };

  mark_point();
  ck_assert_msg(translate(tokens, NTOKENS(tokens)) == 0, "%s", err);
  ck_assert_str_eq(tls12, "ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "AES128-SHA");
  ck_assert_str_eq(tls13, "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256");
  ck_assert_str_eq(err, "");
}
END_TEST

START_TEST (translate_case_test) {
  const char *tokens[] = {
    "tls_ecdhe_rsa_with_aes_128_gcm_sha256",
    "ecdhe-rsa-aes256-gcm-sha384",
    "Tls_Chacha20_Poly1305_Sha256",
    "TLS_aes_128_CCM_sha256"
  };

  mark_point();
  ck_assert_msg(translate(tokens, NTOKENS(tokens)) == 0, "%s", err);
  ck_assert_str_eq(tls12,
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384");
  ck_assert_str_eq(tls13,
    "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256");
}
END_TEST

START_TEST (translate_order_test) {
  const char *forward[] = {
    "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"
  };
  const char *backward[] = {
    "TLS_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-AES256-GCM-SHA384"
  };
  SSL_CTX *ctx;
  STACK_OF(SSL_CIPHER) *ciphers;

  mark_point();
  ck_assert_msg(translate(forward, NTOKENS(forward)) == 0, "%s", err);
  ck_assert_str_eq(tls12,
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256");
  ck_assert_str_eq(tls13,
    "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256");

  /* The order survives into OpenSSL: 1.3 suites first, then 1.2. */
  mark_point();
  ctx = SSL_CTX_new(TLS_server_method());
  ck_assert_ptr_nonnull(ctx);
  ck_assert_int_eq(SSL_CTX_set_cipher_list(ctx, tls12), 1);
  ck_assert_int_eq(SSL_CTX_set_ciphersuites(ctx, tls13), 1);
  ciphers = SSL_CTX_get_ciphers(ctx);
  ck_assert_int_eq(sk_SSL_CIPHER_num(ciphers), 4);
  ck_assert_str_eq(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, 0)),
    "TLS_CHACHA20_POLY1305_SHA256");
  ck_assert_str_eq(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, 2)),
    "ECDHE-RSA-AES256-GCM-SHA384");
  SSL_CTX_free(ctx);

  mark_point();
  ck_assert_msg(translate(backward, NTOKENS(backward)) == 0, "%s", err);
  ck_assert_str_eq(tls12,
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384");
  ck_assert_str_eq(tls13,
    "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256");
}
END_TEST

START_TEST (translate_duplicate_test) {
  const char *tokens[] = {
    "ECDHE-RSA-AES128-GCM-SHA256", "TLS_AES_128_GCM_SHA256",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "tls_aes_128_gcm_sha256",
    "ecdhe-rsa-aes128-gcm-sha256"
  };

  mark_point();
  ck_assert_msg(translate(tokens, NTOKENS(tokens)) == 0, "%s", err);
  ck_assert_str_eq(tls12,
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384");
  ck_assert_str_eq(tls13, "TLS_AES_128_GCM_SHA256");
}
END_TEST

START_TEST (translate_weak_test) {
  /* Each class, in both spellings where one exists; some (RC4, DES,
   * export) are not even offered by OpenSSL 3 and are refused by name.
   */
  static const char *const weak[] = {
    "NULL-SHA", "NULL-SHA256", "TLS_RSA_WITH_NULL_SHA256",
    "ECDHE-RSA-NULL-SHA", "TLS_NULL_WITH_NULL_NULL",
    "ADH-AES128-GCM-SHA256", "TLS_DH_anon_WITH_AES_128_GCM_SHA256",
    "AECDH-AES128-SHA", "TLS_ECDH_anon_WITH_AES_256_CBC_SHA",
    "EXP-RC4-MD5", "EXP-DES-CBC-SHA", "EXP1024-DES-CBC-SHA",
    "TLS_RSA_EXPORT_WITH_RC4_40_MD5", "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA",
    "RC4-SHA", "RC4-MD5", "ECDHE-RSA-RC4-SHA",
    "TLS_ECDHE_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_RC4_128_MD5",
    "DES-CBC-SHA", "EDH-RSA-DES-CBC-SHA", "TLS_RSA_WITH_DES_CBC_SHA",
    "DES-CBC3-SHA", "ECDHE-RSA-DES-CBC3-SHA",
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
    "NULL-MD5", "TLS_RSA_WITH_NULL_MD5",
    "PSK-AES128-GCM-SHA256", "TLS_PSK_WITH_AES_128_GCM_SHA256",
    "ECDHE-PSK-CHACHA20-POLY1305", "SRP-AES-128-CBC-SHA",
    "TLS_SRP_SHA_WITH_AES_128_CBC_SHA",
    NULL
  };
  size_t i;

  for (i = 0; weak[i] != NULL; i++) {
    mark_point();
    assert_refused(weak[i], EPERM);
  }

  mark_point();
  ck_assert_int_eq(translate_one("DES-CBC3-SHA"), -1);
  ck_assert_msg(strstr(err, "3DES") != NULL, "not named 3DES: %s", err);
  ck_assert_int_eq(translate_one("TLS_DH_anon_WITH_AES_128_GCM_SHA256"), -1);
  ck_assert_msg(strstr(err, "anonymous") != NULL, "not anonymous: %s", err);
}
END_TEST

START_TEST (translate_weak_after_good_test) {
  const char *tokens[] = {
    "TLS_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "RC4-SHA",
    "ECDHE-RSA-AES256-GCM-SHA384"
  };

  mark_point();
  ck_assert_int_eq(translate(tokens, NTOKENS(tokens)), -1);
  ck_assert_int_eq(errno, EPERM);
  ck_assert_msg(strstr(err, "'RC4-SHA'") != NULL, "message: %s", err);
  ck_assert_str_eq(tls12, "");
  ck_assert_str_eq(tls13, "");
}
END_TEST

/* Every suite OpenSSL offers, by both names: strong ones are accepted and
 * land in the list of their version, weak ones are refused.
 */
START_TEST (translate_catalog_test) {
  SSL_CTX *ctx;
  STACK_OF(SSL_CIPHER) *ciphers;
  int i, accepted = 0, refused = 0;

  mark_point();
  ctx = SSL_CTX_new(TLS_server_method());
  ck_assert_ptr_nonnull(ctx);
  ck_assert_int_eq(SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL"), 1);
  ciphers = SSL_CTX_get_ciphers(ctx);

  for (i = 0; i < sk_SSL_CIPHER_num(ciphers); i++) {
    const SSL_CIPHER *cipher = sk_SSL_CIPHER_value(ciphers, i);
    const char *name = SSL_CIPHER_get_name(cipher);
    const char *names[2];
    int j, is13;

    names[0] = name;
    names[1] = SSL_CIPHER_standard_name(cipher);
    is13 = strcmp(SSL_CIPHER_get_version(cipher), "TLSv1.3") == 0;
    for (j = 0; j < 2; j++) {
      if (is_strong(cipher)) {
        ck_assert_msg(translate_one(names[j]) == 0, "%s refused: %s",
          names[j], err);
        ck_assert_str_eq(is13 ? tls13 : tls12, name);
        ck_assert_str_eq(is13 ? tls12 : tls13, "");
        accepted++;

      } else {
        ck_assert_msg(translate_one(names[j]) == -1, "%s accepted",
          names[j]);
        ck_assert_msg(errno == EPERM, "%s: errno %d", names[j], errno);
        refused++;
      }
    }
  }

  SSL_CTX_free(ctx);
  ck_assert_msg(accepted > 40, "only %d names accepted", accepted);
  ck_assert_msg(refused > 40, "only %d names refused", refused);
}
END_TEST

START_TEST (translate_keyword_test) {
  static const char *const invalid[] = {
    "ALL", "HIGH", "DEFAULT", "aNULL", "eNULL", "ECDHE", "AESGCM",
    "COMPLEMENTOFALL", "!aNULL", "+RSA", "-ALL", "@SECLEVEL=0",
    "ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA", "HIGH:!aNULL:!MD5",
    "ECDHE-RSA-AES128-GCM-SHA256 AES128-SHA", "AES128-SHA,AES256-SHA",
    NULL
  };
  size_t i;

  for (i = 0; invalid[i] != NULL; i++) {
    mark_point();
    ck_assert_msg(translate_one(invalid[i]) == -1, "'%s' accepted",
      invalid[i]);
    ck_assert_msg(errno == EINVAL || errno == ENOENT || errno == EPERM,
      "'%s': errno %d", invalid[i], errno);
    ck_assert_msg(strstr(err, invalid[i]) != NULL, "'%s': message %s",
      invalid[i], err);
  }

  mark_point();
  ck_assert_int_eq(translate_one("HIGH"), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_msg(strstr(err, "keyword") != NULL, "message: %s", err);
  ck_assert_int_eq(translate_one("!aNULL"), -1);
  ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST (translate_unknown_test) {
  static const char *const unknown[] = {
    "TLS_FOO_WITH_BAR_SHA256", "ECDHE-RSA-AES128-GCM-SHA257",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM", "X", "0", "--", "__",
    NULL
  };
  size_t i;

  for (i = 0; unknown[i] != NULL; i++) {
    mark_point();
    assert_refused(unknown[i], ENOENT);
  }
}
END_TEST

START_TEST (translate_bad_token_test) {
  char long_token[1000];

  mark_point();
  ck_assert_int_eq(translate_one(""), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_msg(strstr(err, "empty") != NULL, "message: %s", err);

  mark_point();
  memset(long_token, 'A', sizeof(long_token) - 1);
  long_token[sizeof(long_token) - 1] = '\0';
  ck_assert_int_eq(translate_one(long_token), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_msg(strstr(err, "too long") != NULL, "message: %s", err);
  ck_assert_msg(strstr(err, "AAAA...") != NULL, "message: %s", err);
  ck_assert_msg(strlen(err) < 200, "message not bounded: %zu", strlen(err));

  mark_point();
  ck_assert_int_eq(translate_one("AES128\x01SHA"), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_msg(strstr(err, "AES128?SHA") != NULL, "message: %s", err);
}
END_TEST

START_TEST (translate_nospace_test) {
  const char *tokens[] = {
    "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384"
  };
  char small12[40], small13[8], small_err[16];

  mark_point();
  ck_assert_int_eq(secftp_ciphers_translate(tokens, 2, small12,
    sizeof(small12), tls13, sizeof(tls13), err, sizeof(err)), -1);
  ck_assert_int_eq(errno, ENOSPC);
  ck_assert_str_eq(small12, "");
  ck_assert_msg(strstr(err, "ECDHE-RSA-AES256-GCM-SHA384") != NULL,
    "message: %s", err);

  mark_point();
  tokens[0] = "TLS_AES_128_GCM_SHA256";
  ck_assert_int_eq(secftp_ciphers_translate(tokens, 1, tls12, sizeof(tls12),
    small13, sizeof(small13), err, sizeof(err)), -1);
  ck_assert_int_eq(errno, ENOSPC);

  /* A small error buffer truncates the message, nothing more. */
  mark_point();
  ck_assert_int_eq(secftp_ciphers_translate(tokens, 1, tls12, sizeof(tls12),
    tls13, sizeof(tls13), small_err, sizeof(small_err)), 0);
  tokens[0] = "RC4-SHA";
  ck_assert_int_eq(secftp_ciphers_translate(tokens, 1, tls12, sizeof(tls12),
    tls13, sizeof(tls13), small_err, sizeof(small_err)), -1);
  ck_assert_int_eq(strlen(small_err), sizeof(small_err) - 1);
}
END_TEST

START_TEST (check_protocols_test) {
  const char *only13[] = { "TLS_AES_128_GCM_SHA256" };
  const char *only12[] = { "ECDHE-RSA-AES128-GCM-SHA256" };
  const char *cbc[] = {
    "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA"
  };

  mark_point();
  ck_assert_int_eq(secftp_ciphers_check_protocols(SECFTP_PROTO_DEFAULT, NULL,
    "", err, sizeof(err)), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_int_eq(secftp_ciphers_check_protocols(SECFTP_PROTO_DEFAULT, "",
    NULL, err, sizeof(err)), -1);
  ck_assert_int_eq(secftp_ciphers_check_protocols(SECFTP_PROTO_DEFAULT, "",
    "", NULL, sizeof(err)), -1);
  ck_assert_int_eq(secftp_ciphers_check_protocols(SECFTP_PROTO_DEFAULT, "",
    "", err, 0), -1);
  ck_assert_int_eq(check(0, "", ""), -1);
  ck_assert_int_eq(errno, EINVAL);

  mark_point();
  ck_assert_msg(check(SECFTP_PROTO_DEFAULT, secftp_ciphers_default_tls12(),
    secftp_ciphers_default_tls13()) == 0, "%s", err);

  /* Only TLS 1.3 suites named, TLS 1.2 enabled. */
  mark_point();
  ck_assert_int_eq(translate(only13, 1), 0);
  ck_assert_int_eq(check(SECFTP_PROTO_DEFAULT, tls12, tls13), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_msg(strstr(err, "TLSv1.2") != NULL, "message: %s", err);
  ck_assert_msg(check(SECFTP_PROTO_TLS1_3, tls12, tls13) == 0, "%s", err);

  /* Only TLS 1.2 suites named, TLS 1.3 enabled. */
  mark_point();
  ck_assert_int_eq(translate(only12, 1), 0);
  ck_assert_int_eq(check(SECFTP_PROTO_DEFAULT, tls12, tls13), -1);
  ck_assert_msg(strstr(err, "TLSv1.3") != NULL, "message: %s", err);
  ck_assert_msg(check(SECFTP_PROTO_TLS1_2, tls12, tls13) == 0, "%s", err);

  /* GCM suites are TLS 1.2 only: TLSv1 and TLSv1.1 need a CBC suite. */
  mark_point();
  ck_assert_int_eq(check(SECFTP_PROTO_TLS1_0 | SECFTP_PROTO_TLS1_2, tls12,
    ""), -1);
  ck_assert_msg(strstr(err, "TLSv1 ") != NULL, "message: %s", err);
  ck_assert_int_eq(check(SECFTP_PROTO_TLS1_1, tls12, ""), -1);
  ck_assert_msg(strstr(err, "TLSv1.1") != NULL, "message: %s", err);
  ck_assert_int_eq(translate(cbc, NTOKENS(cbc)), 0);
  ck_assert_msg(check(SECFTP_PROTO_LEGACY | SECFTP_PROTO_TLS1_2, tls12,
    tls13) == 0, "%s", err);

  /* The defaults have no suite for the legacy versions. */
  mark_point();
  ck_assert_int_eq(check(SECFTP_PROTO_TLS1_1, secftp_ciphers_default_tls12(),
    secftp_ciphers_default_tls13()), -1);

  /* Names that are not suites serve nothing. */
  mark_point();
  ck_assert_int_eq(check(SECFTP_PROTO_DEFAULT, "BOGUS:ALL", "TLS_FOO"), -1);
}
END_TEST

START_TEST (defaults_test) {
  SSL_CTX *ctx;
  STACK_OF(SSL_CIPHER) *ciphers;
  char copy[SECFTP_CIPHERS_LIST_MAX], *tokens[16], *p;
  size_t ntokens = 0;
  int i;

  /* Loaded into OpenSSL, the defaults are forward-secret AEAD suites. */
  mark_point();
  ctx = SSL_CTX_new(TLS_server_method());
  ck_assert_ptr_nonnull(ctx);
  ck_assert_int_eq(SSL_CTX_set_cipher_list(ctx,
    secftp_ciphers_default_tls12()), 1);
  ck_assert_int_eq(SSL_CTX_set_ciphersuites(ctx,
    secftp_ciphers_default_tls13()), 1);
  ciphers = SSL_CTX_get_ciphers(ctx);
  ck_assert_int_eq(sk_SSL_CIPHER_num(ciphers), 9);
  ck_assert_str_eq(SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, 0)),
    "TLS_AES_128_GCM_SHA256");
  for (i = 0; i < sk_SSL_CIPHER_num(ciphers); i++) {
    const SSL_CIPHER *cipher = sk_SSL_CIPHER_value(ciphers, i);
    const char *name = SSL_CIPHER_get_name(cipher);
    int kx = SSL_CIPHER_get_kx_nid(cipher);

    ck_assert_msg(is_strong(cipher), "%s is weak", name);
    ck_assert_msg(SSL_CIPHER_is_aead(cipher), "%s is not AEAD", name);
    ck_assert_msg(kx == NID_kx_ecdhe || kx == NID_kx_any,
      "%s is not forward-secret", name);
  }
  SSL_CTX_free(ctx);

  /* The defaults are what the directive would make of them. */
  mark_point();
  snprintf(copy, sizeof(copy), "%s:%s", secftp_ciphers_default_tls12(),
    secftp_ciphers_default_tls13());
  for (p = strtok(copy, ":"); p != NULL; p = strtok(NULL, ":")) {
    tokens[ntokens++] = p;
  }
  ck_assert_msg(translate((const char *const *) tokens, ntokens) == 0, "%s",
    err);
  ck_assert_str_eq(tls12, secftp_ciphers_default_tls12());
  ck_assert_str_eq(tls13, secftp_ciphers_default_tls13());
}
END_TEST

START_TEST (groups_null_test) {
  const char *tokens[] = { "X25519" };
  char groups[SECFTP_GROUPS_LIST_MAX];

  mark_point();
  ck_assert_int_eq(groups_translate(NULL, 1, groups, sizeof(groups)), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_int_eq(groups_translate(tokens, 0, groups, sizeof(groups)), -1);
  ck_assert_int_eq(groups_translate(tokens, 1, NULL, sizeof(groups)), -1);
  ck_assert_int_eq(groups_translate(tokens, 1, groups, 0), -1);
  ck_assert_int_eq(secftp_groups_translate(tokens, 1, groups, sizeof(groups),
    NULL, sizeof(err)), -1);
  ck_assert_int_eq(secftp_groups_translate(tokens, 1, groups, sizeof(groups),
    err, 0), -1);
  ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST (groups_good_test) {
  const char *tokens[] = {
    "X25519", "p-256", "P-384", "FFDHE2048", "prime256v1", "secp256r1",
    "x25519", "X448"
  };
  char groups[SECFTP_GROUPS_LIST_MAX];
  SSL_CTX *ctx;

  mark_point();
  ck_assert_msg(groups_translate(tokens, NTOKENS(tokens), groups,
    sizeof(groups)) == 0, "%s", err);
  ck_assert_str_eq(groups, "X25519:P-256:P-384:ffdhe2048:X448");

  mark_point();
  ctx = SSL_CTX_new(TLS_server_method());
  ck_assert_ptr_nonnull(ctx);
  ck_assert_int_eq(SSL_CTX_set1_groups_list(ctx, groups), 1);
  ck_assert_int_eq(SSL_CTX_set1_groups_list(ctx, secftp_groups_default()), 1);
  SSL_CTX_free(ctx);
  ck_assert_str_eq(secftp_groups_default(), "X25519:P-256:P-384");
}
END_TEST

START_TEST (groups_bad_test) {
  static const char *const bad[] = {
    "P-999", "bogus", "X25519:P-256", "X25519 P-256", "ALL", "-P-256",
    NULL
  };
  const char *tokens[] = { "X25519", "" };
  char groups[SECFTP_GROUPS_LIST_MAX], long_token[200], small[8];
  size_t i;

  for (i = 0; bad[i] != NULL; i++) {
    mark_point();
    ck_assert_msg(groups_translate(&bad[i], 1, groups, sizeof(groups)) == -1,
      "'%s' accepted as '%s'", bad[i], groups);
    ck_assert_msg(errno == EINVAL || errno == ENOENT, "'%s': errno %d",
      bad[i], errno);
    ck_assert_msg(strstr(err, bad[i]) != NULL, "'%s': message %s", bad[i],
      err);
    ck_assert_str_eq(groups, "");
  }

  mark_point();
  ck_assert_int_eq(groups_translate(tokens, 2, groups, sizeof(groups)), -1);
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_msg(strstr(err, "empty") != NULL, "message: %s", err);

  mark_point();
  memset(long_token, 'P', sizeof(long_token) - 1);
  long_token[sizeof(long_token) - 1] = '\0';
  tokens[0] = long_token;
  ck_assert_int_eq(groups_translate(tokens, 1, groups, sizeof(groups)), -1);
  ck_assert_int_eq(errno, EINVAL);

  mark_point();
  tokens[0] = "X25519";
  tokens[1] = "P-256";
  ck_assert_int_eq(groups_translate(tokens, 2, small, sizeof(small)), -1);
  ck_assert_int_eq(errno, ENOSPC);
}
END_TEST

Suite *tests_get_ciphers_suite(void) {
  Suite *suite;
  TCase *testcase;

  suite = suite_create("ciphers");
  testcase = tcase_create("base");

  tcase_add_test(testcase, translate_null_test);
  tcase_add_test(testcase, translate_names_test);
  tcase_add_test(testcase, translate_case_test);
  tcase_add_test(testcase, translate_order_test);
  tcase_add_test(testcase, translate_duplicate_test);
  tcase_add_test(testcase, translate_weak_test);
  tcase_add_test(testcase, translate_weak_after_good_test);
  tcase_add_test(testcase, translate_catalog_test);
  tcase_add_test(testcase, translate_keyword_test);
  tcase_add_test(testcase, translate_unknown_test);
  tcase_add_test(testcase, translate_bad_token_test);
  tcase_add_test(testcase, translate_nospace_test);
  tcase_add_test(testcase, check_protocols_test);
  tcase_add_test(testcase, defaults_test);
  tcase_add_test(testcase, groups_null_test);
  tcase_add_test(testcase, groups_good_test);
  tcase_add_test(testcase, groups_bad_test);

  /* The catalog test makes a few hundred scratch contexts. */
  tcase_set_timeout(testcase, 60);
  suite_add_tcase(suite, testcase);
  return suite;
}
