/*
 * masq: SecureMasqueradeAddress.
 *
 * A NAT gateway's FTP helper rewrites the address in a PASV reply it can
 * read; it cannot read one inside TLS, so FTPS behind NAT needs the public
 * address from the server itself, while plain FTP on the same host keeps
 * MasqueradeAddress (usually none, leaving the rewriting to the gateway).
 *
 * ProFTPD's PASV (and PORT) handlers already make this distinction: on a
 * session whose protocol is "ftps" they prefer a "TLSMasqueradeAddress"
 * configuration record, holding a resolved pr_netaddr_t, to
 * "MasqueradeAddress" (ProFTPD bug 3862).  mod_secftp marks protected
 * sessions "ftps", so this directive stores its address under that record
 * name and the core does the rest.  EPSV replies carry no address at all.
 */

#include "secftp/masq.h"

/* The record name ProFTPD's core looks up on FTPS sessions. */
#define CORE_FTPS_MASQ_NAME	"TLSMasqueradeAddress"

modret_t *secftp_set_masquerade_address(cmd_rec *cmd) {
  const pr_netaddr_t *addr;
  config_rec *c;

  SECFTP_CHECK_ONE_ARG(cmd);
  CHECK_CONF(cmd, CONF_ROOT|CONF_VIRTUAL|CONF_GLOBAL);

  if (*((char *) cmd->argv[1]) == '\0') {
    CONF_ERROR(cmd, "missing the address");
  }

  /* Unlike MasqueradeAddress, an unresolvable name is an error at once:
   * the core uses this record without resolving it again.
   */
  addr = pr_netaddr_get_addr2(cmd->server->pool, cmd->argv[1], NULL,
    PR_NETADDR_GET_ADDR_FL_INCL_DEVICE);
  if (addr == NULL) {
    CONF_ERROR(cmd, pstrcat(cmd->tmp_pool, "unable to resolve '",
      (char *) cmd->argv[1], "'", NULL));
  }

  if (find_config(cmd->server->conf, CONF_PARAM, CORE_FTPS_MASQ_NAME,
      FALSE) != NULL) {
    CONF_ERROR(cmd, "only one SecureMasqueradeAddress (or mod_tls "
      "TLSMasqueradeAddress) per server");
  }

  c = add_config_param(CORE_FTPS_MASQ_NAME, 2, (void *) addr, NULL);
  c->argv[1] = pstrdup(c->pool, cmd->argv[1]);
  return PR_HANDLED(cmd);
}
