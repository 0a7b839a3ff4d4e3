/*
 * reply: policy refusals.
 */

#include "secftp/reply.h"
#include "secftp/log.h"

modret_t *secftp_reply_refuse(cmd_rec *cmd, const struct secftp_verdict *v) {
  int xerrno = v->policy != NULL ? EPERM : EINVAL;

  if (v->policy != NULL) {
    secftp_log("%s refused from %s by policy %s: %s %s",
      (char *) cmd->argv[0], pr_netaddr_get_ipstr(session.c->remote_addr),
      v->policy, v->code, v->reason);
    pr_trace_msg(SECFTP_TRACE_POLICY, 3, "%s refused by %s: %s",
      (char *) cmd->argv[0], v->policy, v->code);

    /* The event's data is the policy's name, as for login refusals. */
    pr_event_generate(SECFTP_EVENT_PREFIX "policy-denied", v->policy);

  } else {
    secftp_log("%s refused from %s: %s %s", (char *) cmd->argv[0],
      pr_netaddr_get_ipstr(session.c->remote_addr), v->code, v->reason);
  }

  pr_response_add_err(v->code, "%s", v->reason);
  pr_cmd_set_errno(cmd, xerrno);
  errno = xerrno;
  return PR_ERROR(cmd);
}
