/*
 * libFuzzer target for the SecureCertMap parser and matcher
 * (lib/secftp/certmap.c, lib/secftp/dn.c).
 *
 * Every input is parsed as a whole map; a map that parses is matched
 * against a few fixed certificates (clean, with SANs, with a NUL in the
 * CN).  The certificates are signed with a fixed Ed25519 key, whose
 * signatures are deterministic, so their fingerprints are stable and the
 * seed corpus can hold cert rules that hit.  Set SECFTP_FUZZ_PRINT=1 to
 * print the fingerprints.
 *
 *   make fuzz && build/fuzz/certmap -max_total_time=60 t/fuzz/corpus/certmap
 */

#include "certmap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NCERTS	4

static X509 *certs[NCERTS];

static void add_name(X509_NAME *name, const char *field, const char *value,
    int len) {
  X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
    (const unsigned char *) value, len, -1, 0);
}

static void add_san(X509 *cert, int upn) {
  GENERAL_NAMES *sans = GENERAL_NAMES_new();
  GENERAL_NAME *gn = GENERAL_NAME_new();
  ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

  ASN1_STRING_set(ia5, "alice@example.com", -1);
  GENERAL_NAME_set0_value(gn, GEN_EMAIL, ia5);
  sk_GENERAL_NAME_push(sans, gn);

  if (upn) {
    ASN1_TYPE *any = ASN1_TYPE_new();
    ASN1_UTF8STRING *utf8 = ASN1_UTF8STRING_new();

    gn = GENERAL_NAME_new();
    ASN1_STRING_set(utf8, "alice@corp.example", -1);
    ASN1_TYPE_set(any, V_ASN1_UTF8STRING, utf8);
    GENERAL_NAME_set0_othername(gn,
      OBJ_txt2obj(SECFTP_CERTMAP_UPN_OID, 1), any);
    sk_GENERAL_NAME_push(sans, gn);
  }

  X509_add1_ext_i2d(cert, NID_subject_alt_name, sans, 0, X509V3_ADD_APPEND);
  GENERAL_NAMES_free(sans);
}

static X509 *make_cert(EVP_PKEY *key, int kind) {
  X509 *cert = X509_new();
  X509_NAME *subject = X509_get_subject_name(cert);
  X509_NAME *issuer = X509_get_issuer_name(cert);

  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1000 + kind);
  ASN1_TIME_set_string(X509_getm_notBefore(cert), "20250101000000Z");
  ASN1_TIME_set_string(X509_getm_notAfter(cert), "20350101000000Z");
  X509_set_pubkey(cert, key);

  add_name(issuer, "C", "DE", -1);
  add_name(issuer, "O", "Example Corp", -1);
  add_name(issuer, "CN", "Example CA", -1);

  add_name(subject, "C", "DE", -1);
  add_name(subject, "O", "Example Corp", -1);
  add_name(subject, "OU", "Payments", -1);
  switch (kind) {
    case 0:
      add_name(subject, "CN", "alice", -1);
      break;

    case 1:
      add_name(subject, "UID", "u1234", -1);
      add_name(subject, "CN", "Bob", -1);
      add_san(cert, 1);
      break;

    case 2:
      add_name(subject, "CN", "ali\0ce", 6);
      add_san(cert, 0);
      break;

    default:
      add_name(subject, "CN", "a", -1);
      add_name(subject, "CN", "b/c", -1);
      break;
  }

  X509_sign(cert, key, NULL);
  return cert;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  static const unsigned char seed[32] = {
    0x6d, 0x6f, 0x64, 0x5f, 0x73, 0x65, 0x63, 0x66,
    0x74, 0x70, 0x20, 0x66, 0x75, 0x7a, 0x7a, 0x20,
    0x6b, 0x65, 0x79, 0x20, 0x6e, 0x6f, 0x74, 0x20,
    0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x21, 0x21
  };
  EVP_PKEY *key;
  int i;

  key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
    sizeof(seed));
  if (key == NULL) {
    abort();
  }

  for (i = 0; i < NCERTS; i++) {
    char fp[SECFTP_CERTMAP_FINGERPRINT_SIZE];

    certs[i] = make_cert(key, i);
    if (secftp_certmap_fingerprint(certs[i], fp, sizeof(fp)) < 0) {
      abort();
    }

    if (getenv("SECFTP_FUZZ_PRINT") != NULL) {
      printf("cert %d: %s\n", i, fp);
    }
  }

  EVP_PKEY_free(key);
  return 0;
}

static unsigned int count_lines(const uint8_t *data, size_t size) {
  unsigned int n = 1;
  size_t i;

  for (i = 0; i < size; i++) {
    if (data[i] == '\n') {
      n++;
    }
  }

  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct secftp_certmap_error err;
  struct secftp_certmap *map;
  int i;

  map = secftp_certmap_parse((const char *) data, size, &err);
  if (map == NULL) {
    /* Every refusal names an existing line and says why. */
    if (err.line == 0 ||
        err.line > count_lines(data, size) ||
        err.msg[0] == '\0' ||
        memchr(err.msg, '\0', sizeof(err.msg)) == NULL) {
      abort();
    }
    return 0;
  }

  for (i = 0; i < NCERTS; i++) {
    struct secftp_certmap_result res;

    if (secftp_certmap_match(map, certs[i], &res) < 0 ||
        res.reason == NULL) {
      abort();
    }

    if (res.status == SECFTP_CERTMAP_MAPPED) {
      if (res.line == 0 ||
          !secftp_certmap_user_ok((const unsigned char *) res.user,
            strlen(res.user))) {
        abort();
      }

    } else if (res.user[0] != '\0') {
      abort();
    }
  }

  secftp_certmap_free(map);
  return 0;
}
