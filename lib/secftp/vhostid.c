/*
 * vhostid: per virtual host session-id context and record names.
 */

#include "secftp/vhostid.h"

#include <openssl/evp.h>

static int vhostid_idx = -1;

/* Adds one labelled field to the digest; a NULL value counts as absent,
 * distinct from an empty one.
 */
static int digest_field(EVP_MD_CTX *md, const char *label,
    const char *value) {
  unsigned char len[4];
  size_t n = value != NULL ? strlen(value) : 0;

  len[0] = (unsigned char) (n >> 24);
  len[1] = (unsigned char) (n >> 16);
  len[2] = (unsigned char) (n >> 8);
  len[3] = (unsigned char) n;

  return EVP_DigestUpdate(md, label, strlen(label) + 1) == 1 &&
    EVP_DigestUpdate(md, value != NULL ? "+" : "-", 1) == 1 &&
    EVP_DigestUpdate(md, len, sizeof(len)) == 1 &&
    (n == 0 || EVP_DigestUpdate(md, value, n) == 1);
}

static int compute(server_rec *s, const struct secftp_settings *st,
    unsigned char out[SECFTP_VHOSTID_LEN]) {
  char numbers[64];
  EVP_MD_CTX *md;
  unsigned int len = 0;
  int ok;

  pr_snprintf(numbers, sizeof(numbers), "%d/%u", st->verify_depth,
    st->revocation);

  md = EVP_MD_CTX_new();
  ok = md != NULL &&
    EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
    digest_field(md, "mod_secftp vhost", "1") &&
    digest_field(md, "ServerName", s->ServerName) &&
    digest_field(md, "SecureCACertificate", st->ca_path) &&
    digest_field(md, "SecureCARevocation", st->crl_path) &&
    digest_field(md, "SecureCertMap", st->certmap_path) &&
    digest_field(md, "depth/revocation", numbers) &&
    EVP_DigestFinal_ex(md, out, &len) == 1 &&
    len == SECFTP_VHOSTID_LEN;
  EVP_MD_CTX_free(md);
  return ok ? 0 : -1;
}

int secftp_vhostid_setup_ctx(SSL_CTX *ctx, server_rec *s,
    const struct secftp_settings *st) {
  unsigned char *id;

  if (vhostid_idx < 0) {
    vhostid_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
  }

  id = pcalloc(s->pool, SECFTP_VHOSTID_LEN);
  if (vhostid_idx < 0 ||
      compute(s, st, id) < 0 ||
      SSL_CTX_set_session_id_context(ctx, id, SECFTP_VHOSTID_LEN) != 1 ||
      SSL_CTX_set_ex_data(ctx, vhostid_idx, id) != 1) {
    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": unable to set the session "
      "context of server '%s'", s->ServerName);
    return -1;
  }

  return 0;
}

const unsigned char *secftp_vhostid_get(SSL_CTX *ctx) {
  return vhostid_idx >= 0 && ctx != NULL ?
    SSL_CTX_get_ex_data(ctx, vhostid_idx) : NULL;
}

void secftp_vhostid_hex(SSL_CTX *ctx, char out[SECFTP_VHOSTID_HEX_SIZE]) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *id = secftp_vhostid_get(ctx);
  size_t i;

  if (id == NULL) {
    sstrncpy(out, "-", SECFTP_VHOSTID_HEX_SIZE);
    return;
  }

  for (i = 0; i < (SECFTP_VHOSTID_HEX_SIZE - 1) / 2; i++) {
    out[2 * i] = hex[id[i] >> 4];
    out[2 * i + 1] = hex[id[i] & 0x0f];
  }
  out[SECFTP_VHOSTID_HEX_SIZE - 1] = '\0';
}
