/*
 * libFuzzer target for the RFC 4514 parser of lib/secftp/dn.c.
 *
 * Checks, for every input that parses: formatting and parsing again gives
 * the same DN; the DN survives a trip through an OpenSSL X509_NAME (when
 * OpenSSL accepts the values); and it is a suffix of itself.
 *
 *   make fuzz && build/fuzz/dn -max_total_time=60 t/fuzz/corpus/dn
 */

#include "dn.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/objects.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Builds the X509_NAME of dn, or NULL if OpenSSL refuses a value (a C
 * that is not two letters, say).
 */
static X509_NAME *to_x509(const struct secftp_dn *dn) {
  X509_NAME *name = X509_NAME_new();
  size_t i, j;

  for (i = dn->nrdns; name != NULL && i-- > 0; ) {
    for (j = 0; j < dn->rdns[i].navas; j++) {
      const struct secftp_dn_ava *ava = &dn->rdns[i].avas[j];
      ASN1_OBJECT *obj = OBJ_txt2obj(ava->oid, 1);
      int ok;

      ok = obj != NULL &&
        X509_NAME_add_entry_by_OBJ(name, obj, MBSTRING_UTF8, ava->value,
          (int) ava->value_len, -1, j == 0 ? 0 : -1) == 1;
      ASN1_OBJECT_free(obj);
      if (!ok) {
        X509_NAME_free(name);
        return NULL;
      }
    }
  }

  return name;
}

static void check_x509(const struct secftp_dn *dn) {
  X509_NAME *name = to_x509(dn);
  struct secftp_dn *back;
  char *text;

  if (name == NULL) {
    return;
  }

  back = secftp_dn_from_x509(name);
  if (back == NULL ||
      back->tainted ||
      secftp_dn_equal(dn, back) != 1 ||
      (dn->nrdns > 0 && secftp_dn_match_suffix(dn, back) != 1)) {
    abort();
  }

  text = secftp_dn_format_x509(name);
  if (text == NULL) {
    abort();
  }

  free(text);
  secftp_dn_free(back);
  X509_NAME_free(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct secftp_dn *dn, *again;
  const char *why = NULL;
  char *text;

  dn = secftp_dn_parse((const char *) data, size, &why);
  if (dn == NULL) {
    if (why == NULL) {
      abort();
    }
    return 0;
  }

  text = secftp_dn_format(dn);
  if (text == NULL) {
    abort();
  }

  again = secftp_dn_parse(text, strlen(text), &why);
  if (again == NULL ||
      secftp_dn_equal(dn, again) != 1) {
    abort();
  }

  check_x509(dn);

  secftp_dn_free(again);
  free(text);
  secftp_dn_free(dn);
  return 0;
}
