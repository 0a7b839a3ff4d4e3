/*
 * ctrlstatus: what `ftpdctl secftp status` says about one vhost.
 */

#include "secftp/ctrlstatus.h"
#include "secftp/certmap.h"
#include "secftp/dn.h"
#include "secftp/tls.h"

#include <openssl/pem.h>
#include <openssl/x509.h>

static const char *asn1_time_text(pool *p, const ASN1_TIME *t) {
  struct tm tm;
  char buf[64];

  if (ASN1_TIME_to_tm(t, &tm) != 1 ||
      strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0) {
    return "(unreadable)";
  }

  return pstrdup(p, buf);
}

static const char *dn_text(pool *p, const X509_NAME *name) {
  char *text = secftp_dn_format_x509(name);
  const char *copy;

  if (text == NULL) {
    return "(unreadable)";
  }

  copy = pstrdup(p, text);
  free(text);
  return copy;
}

static const char *key_text(pool *p, X509 *cert) {
  EVP_PKEY *key = X509_get0_pubkey(cert);
  char bits[32];

  if (key == NULL) {
    return "(unknown)";
  }

  pr_snprintf(bits, sizeof(bits), "%d", EVP_PKEY_get_bits(key));
  return pstrcat(p, EVP_PKEY_get0_type_name(key) != NULL ?
    EVP_PKEY_get0_type_name(key) : "?", " ", bits, " bits", NULL);
}

/* Whole days from now until t (negative once past). */
static long days_until(const ASN1_TIME *t) {
  int days = 0, secs = 0;

  if (ASN1_TIME_diff(&days, &secs, NULL, t) != 1) {
    return 0;
  }

  return (long) days;
}

static X509 *read_pem_cert(const char *path) {
  BIO *bio;
  X509 *cert = NULL;

  PRIVS_ROOT
  bio = BIO_new_file(path, "r");
  PRIVS_RELINQUISH
  if (bio != NULL) {
    cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
  }

  return cert;
}

/* The SecureCertificate file whose first certificate is cert, or NULL
 * (from a SecureKeyring, or the file changed since it was loaded).
 */
static const char *cert_file_of(const struct secftp_settings *st,
    X509 *cert) {
  const struct secftp_cert_files *files = st->certs->elts;
  unsigned int i;

  for (i = 0; i < st->certs->nelts; i++) {
    X509 *on_disk = read_pem_cert(files[i].cert_path);
    int same = on_disk != NULL && X509_cmp(on_disk, cert) == 0;

    X509_free(on_disk);
    if (same) {
      return files[i].cert_path;
    }
  }

  return NULL;
}

/* What is wrong with cert's dates now, or NULL (from p). */
static const char *dates_problem(pool *p, const char *path, X509 *cert) {
  if (X509_cmp_current_time(X509_get0_notAfter(cert)) <= 0) {
    return pstrcat(p, "certificate ", path, " has expired (notAfter ",
      asn1_time_text(p, X509_get0_notAfter(cert)), ")", NULL);
  }

  if (X509_cmp_current_time(X509_get0_notBefore(cert)) >= 0) {
    return pstrcat(p, "certificate ", path, " is not valid yet (notBefore ",
      asn1_time_text(p, X509_get0_notBefore(cert)), ")", NULL);
  }

  return NULL;
}

/* Describes cert; returns why it cannot be served now, or NULL. */
static const char *describe_cert(pr_ctrls_t *ctrl, pool *p,
    const struct secftp_settings *st, X509 *cert) {
  const char *path = cert_file_of(st, cert), *problem;
  char fingerprint[128];
  long days = days_until(X509_get0_notAfter(cert));

  problem = dates_problem(p, path ? path : "(from SecureKeyring)", cert);
  if (secftp_certmap_fingerprint(cert, fingerprint, sizeof(fingerprint)) <
      0) {
    sstrncpy(fingerprint, "(unavailable)", sizeof(fingerprint));
  }

  pr_ctrls_add_response(ctrl, "  certificate: %s (%s)",
    path != NULL ? path : "from SecureKeyring, or replaced on disk since "
      "it was loaded", key_text(p, cert));
  pr_ctrls_add_response(ctrl, "    subject:     %s",
    dn_text(p, X509_get_subject_name(cert)));
  pr_ctrls_add_response(ctrl, "    issuer:      %s",
    dn_text(p, X509_get_issuer_name(cert)));
  pr_ctrls_add_response(ctrl, "    fingerprint: %s", fingerprint);
  pr_ctrls_add_response(ctrl, "    notBefore:   %s",
    asn1_time_text(p, X509_get0_notBefore(cert)));
  pr_ctrls_add_response(ctrl, "    notAfter:    %s (%ld days left)",
    asn1_time_text(p, X509_get0_notAfter(cert)), days);
  if (problem != NULL) {
    pr_ctrls_add_response(ctrl, "    problem:     %s", problem);
  }

  return problem;
}

/* A SecureCertificate file that now holds another certificate than the
 * one served: renewed on disk, not yet reloaded.
 */
static void describe_renewals(pr_ctrls_t *ctrl, pool *p, SSL_CTX *ctx,
    const struct secftp_settings *st) {
  const struct secftp_cert_files *files = st->certs->elts;
  unsigned int i;

  for (i = 0; i < st->certs->nelts; i++) {
    X509 *on_disk = read_pem_cert(files[i].cert_path);
    int served = FALSE, rc;

    if (on_disk == NULL) {
      pr_ctrls_add_response(ctrl, "  on disk: %s is unreadable now",
        files[i].cert_path);
      continue;
    }

    rc = SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_FIRST);
    while (rc == 1 && !served) {
      X509 *loaded = SSL_CTX_get0_certificate(ctx);

      served = loaded != NULL && X509_cmp(loaded, on_disk) == 0;
      rc = SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_NEXT);
    }

    if (!served) {
      pr_ctrls_add_response(ctrl, "  on disk: %s now holds another "
        "certificate (notAfter %s); reload (SIGHUP) to serve it",
        files[i].cert_path, asn1_time_text(p, X509_get0_notAfter(on_disk)));
    }
    X509_free(on_disk);
  }
}

/* Returns NULL when at least one certificate is in date (TLS is in
 * service, doc/mod_secftp.html "Certificates: renewal, reload, expiry"),
 * or why none is.
 */
static const char *describe_certs(pr_ctrls_t *ctrl, pool *p, SSL_CTX *ctx,
    const struct secftp_settings *st) {
  const char *problem = "no certificate loaded";
  int rc, usable = 0;

  rc = SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_FIRST);
  while (rc == 1) {
    X509 *cert = SSL_CTX_get0_certificate(ctx);

    if (cert != NULL) {
      const char *why = describe_cert(ctrl, p, st, cert);

      if (why == NULL) {
        usable++;

      } else if (usable == 0) {
        problem = why;
      }
    }
    rc = SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_NEXT);
  }

  describe_renewals(ctrl, p, ctx, st);
  return usable > 0 ? NULL : problem;
}

static const char *protocols_text(pool *p, unsigned int protocols) {
  static const struct {
    unsigned int bit;
    const char *name;
  } names[] = {
    { SECFTP_PROTO_TLS1_0, "TLSv1" },
    { SECFTP_PROTO_TLS1_1, "TLSv1.1" },
    { SECFTP_PROTO_TLS1_2, "TLSv1.2" },
    { SECFTP_PROTO_TLS1_3, "TLSv1.3" },
  };
  const char *text = "";
  size_t i;

  for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    if (protocols & names[i].bit) {
      text = pstrcat(p, text, *text ? " " : "", names[i].name, NULL);
    }
  }

  return text;
}

/* The suites the context offers, in the server's order of preference. */
static const char *suites_text(pool *p, SSL_CTX *ctx) {
  STACK_OF(SSL_CIPHER) *ciphers = SSL_CTX_get_ciphers(ctx);
  const char *text = "";
  int i;

  for (i = 0; ciphers != NULL && i < sk_SSL_CIPHER_num(ciphers); i++) {
    text = pstrcat(p, text, *text ? " " : "",
      SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, i)), NULL);
  }

  return text;
}

void secftp_ctrlstatus_server(pr_ctrls_t *ctrl, pool *p, server_rec *s) {
  const struct secftp_settings *st = secftp_tls_server_settings(s);
  SSL_CTX *ctx = secftp_tls_server_ctx(s);
  const char *problem;

  pr_ctrls_add_response(ctrl, "vhost '%s' %s:%u%s", s->ServerName,
    s->ServerAddress != NULL ? s->ServerAddress : "*", s->ServerPort,
    st != NULL && st->implicit ? " (implicit FTPS)" : "");

  if (st == NULL ||
      ctx == NULL) {
    pr_ctrls_add_response(ctrl, "  in service: no (SecureEngine off)");
    return;
  }

  problem = describe_certs(ctrl, p, ctx, st);
  pr_ctrls_add_response(ctrl, "  protocols: %s",
    protocols_text(p, st->protocols));
  pr_ctrls_add_response(ctrl, "  suites:    %s", suites_text(p, ctx));
  if (problem != NULL) {
    pr_ctrls_add_response(ctrl, "  in service: no (%s)", problem);

  } else {
    pr_ctrls_add_response(ctrl, "  in service: yes");
  }
}
