/*
 * masq: SecureMasqueradeAddress, the address given in PASV replies on
 * protected control connections (FTPS behind NAT).
 */

#ifndef SECFTP_MASQ_H
#define SECFTP_MASQ_H

#include "mod_secftp.h"

/* usage: SecureMasqueradeAddress address|name */
modret_t *secftp_set_masquerade_address(cmd_rec *cmd);

#endif /* SECFTP_MASQ_H */
