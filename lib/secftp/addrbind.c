/*
 * addrbind: the client certificate must name the address it comes from.
 */

#include "secftp/addrbind.h"
#include "secftp/log.h"

#include <openssl/x509v3.h>

const char *secftp_addrbind_settings_problem(
    const struct secftp_settings *st) {
  if ((st->opts & SECFTP_ADDRBIND_OPTS) &&
      st->login == SECFTP_LOGIN_NO_CLIENT_AUTH) {
    return "SecureOptions CertMustNameClientIP, CertMustNameClientHost "
      "and CertMustHaveCN need client certificates: SecureLogin optional, "
      "required or verify_user";
  }

  /* Without reverse lookups ProFTPD knows no host name for the client:
   * every certificate would be refused.
   */
  if ((st->opts & SECFTP_OPT_CERT_MUST_NAME_CLIENT_HOST) &&
      !ServerUseReverseDNS) {
    return "SecureOptions CertMustNameClientHost needs UseReverseDNS on";
  }

  return NULL;
}

/* The client's address as text; an IPv4 client seen through an IPv6
 * socket (::ffff:a.b.c.d) is given in its IPv4 form, as a certificate
 * names it.
 */
static const char *client_ip(void) {
  const pr_netaddr_t *addr = session.c->remote_addr;

  if (pr_netaddr_is_v4mappedv6(addr) == TRUE) {
    const pr_netaddr_t *v4 = pr_netaddr_v6tov4(session.pool, addr);

    if (v4 != NULL) {
      addr = v4;
    }
  }

  return pr_netaddr_get_ipstr(addr);
}

/* TRUE when cert's subject has a non-empty commonName. */
static int has_common_name(X509 *cert) {
  X509_NAME *subject = X509_get_subject_name(cert);
  int i;

  for (i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
       i >= 0;
       i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) {
    ASN1_STRING *cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject,
      i));

    if (cn != NULL &&
        ASN1_STRING_length(cn) > 0) {
      return TRUE;
    }
  }

  return FALSE;
}

/* The client's host name from reverse DNS (which ProFTPD confirms with a
 * forward lookup), or NULL when it has none.
 */
static const char *client_host(void) {
  const char *name = pr_netaddr_get_dnsstr(session.c->remote_addr);

  if (name == NULL ||
      strcmp(name, pr_netaddr_get_ipstr(session.c->remote_addr)) == 0) {
    return NULL;
  }

  return name;
}

/* Why cert does not meet st's binding options, or NULL; *err is the
 * verification error that names the failed check (OpenSSL answers a name
 * mismatch with a bad_certificate alert).
 */
static const char *binding_problem(X509 *cert,
    const struct secftp_settings *st, int *err) {
  if (st->opts & SECFTP_OPT_CERT_MUST_HAVE_CN) {
    if (!has_common_name(cert)) {
      *err = X509_V_ERR_SUBJECT_NAME_EMPTY;
      return "the certificate has no CN (CertMustHaveCN)";
    }
  }

  if (st->opts & SECFTP_OPT_CERT_MUST_NAME_CLIENT_IP) {
    const char *ip = client_ip();

    /* SAN iPAddress entries only (RFC 5280 section 4.2.1.6). */
    if (X509_check_ip_asc(cert, ip, 0) != 1) {
      *err = X509_V_ERR_IP_ADDRESS_MISMATCH;
      return pstrcat(session.pool, "the certificate's subjectAltName does "
        "not name the client address ", ip, " (CertMustNameClientIP)",
        NULL);
    }
  }

  if (st->opts & SECFTP_OPT_CERT_MUST_NAME_CLIENT_HOST) {
    const char *host = client_host();

    /* A SAN dNSName, or the CN even when the certificate has SANs. */
    *err = X509_V_ERR_HOSTNAME_MISMATCH;
    if (host == NULL) {
      return pstrcat(session.pool, "the client address ",
        pr_netaddr_get_ipstr(session.c->remote_addr), " has no reverse "
        "DNS name (CertMustNameClientHost)", NULL);
    }

    if (X509_check_host(cert, host, 0,
        X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT|
        X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) != 1) {
      return pstrcat(session.pool, "the certificate does not name the "
        "client host ", host, " (CertMustNameClientHost)", NULL);
    }
  }

  return NULL;
}

int secftp_addrbind_verify_leaf(X509_STORE_CTX *store_ctx,
    const struct secftp_settings *st, const char **reason) {
  X509 *cert;
  const char *problem;
  int err = X509_V_ERR_APPLICATION_VERIFICATION;

  if (!(st->opts & SECFTP_ADDRBIND_OPTS) ||
      session.c == NULL ||
      session.c->remote_addr == NULL) {
    return 0;
  }

  cert = X509_STORE_CTX_get_current_cert(store_ctx);
  problem = cert != NULL ? binding_problem(cert, st, &err) :
    "no certificate to check";
  if (problem == NULL) {
    pr_trace_msg(SECFTP_TRACE_TLS, 9, "client certificate names its "
      "address as SecureOptions ask");
    return 0;
  }

  X509_STORE_CTX_set_error(store_ctx, err);
  *reason = problem;
  return -1;
}
