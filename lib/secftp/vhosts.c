/*
 * vhosts: the per-server registry of TLS contexts and settings.
 */

#include "secftp/vhosts.h"

struct server_tls {
  struct server_tls *next;
  server_rec *server;
  SSL_CTX *ctx;
  struct secftp_settings settings;
};

static struct server_tls *server_tls_list = NULL;

int secftp_vhosts_add(server_rec *s, SSL_CTX *ctx,
    const struct secftp_settings *st) {
  struct server_tls *stls;

  stls = pcalloc(s->pool, sizeof(*stls));
  if (stls == NULL) {
    errno = ENOMEM;
    return -1;
  }

  stls->server = s;
  stls->ctx = ctx;
  stls->settings = *st;
  stls->next = server_tls_list;
  server_tls_list = stls;
  return 0;
}

static struct server_tls *find_server(server_rec *s) {
  struct server_tls *stls;

  for (stls = server_tls_list; stls != NULL; stls = stls->next) {
    if (stls->server == s) {
      return stls;
    }
  }

  return NULL;
}

SSL_CTX *secftp_vhosts_ctx(server_rec *s) {
  struct server_tls *stls = find_server(s);

  return stls != NULL ? stls->ctx : NULL;
}

struct secftp_settings *secftp_vhosts_settings_rw(server_rec *s) {
  struct server_tls *stls = find_server(s);

  return stls != NULL ? &stls->settings : NULL;
}

const struct secftp_settings *secftp_vhosts_settings(server_rec *s) {
  return secftp_vhosts_settings_rw(s);
}

void secftp_vhosts_each(void (*fn)(server_rec *s, SSL_CTX *ctx,
    const struct secftp_settings *st, void *data), void *data) {
  struct server_tls *stls;

  for (stls = server_tls_list; stls != NULL; stls = stls->next) {
    fn(stls->server, stls->ctx, &stls->settings, data);
  }
}

void secftp_vhosts_free(void) {
  struct server_tls *stls;

  for (stls = server_tls_list; stls != NULL; stls = stls->next) {
    SSL_CTX_free(stls->ctx);
    stls->ctx = NULL;
  }

  server_tls_list = NULL;
}

/* Whether a session of here can come to use s: the same server, or a
 * name-based one on the same port (HOST or SNI switches to it).
 */
static int reachable_from(server_rec *s, server_rec *here) {
  return s == here ||
    (here != NULL && s->ServerPort == here->ServerPort);
}

/* Whether a kept server still uses secret. */
static int secret_in_use(const struct secftp_fleet_secret *secret) {
  struct server_tls *stls;

  for (stls = server_tls_list; stls != NULL; stls = stls->next) {
    if (stls->settings.ticket_key_secret == secret) {
      return TRUE;
    }
  }

  return FALSE;
}

unsigned int secftp_vhosts_scrub_unreachable(server_rec *here,
    void (*scrub_ctx)(SSL_CTX *ctx),
    void (*scrub_secret)(const struct secftp_fleet_secret *secret)) {
  struct server_tls *stls, **link = &server_tls_list, *dropped = NULL;
  unsigned int n = 0;

  while ((stls = *link) != NULL) {
    if (reachable_from(stls->server, here)) {
      link = &stls->next;
      continue;
    }

    /* Private keys go with the context (OpenSSL clears them as it frees
     * them); this process's copy of its ticket keys is wiped first.
     */
    *link = stls->next;
    scrub_ctx(stls->ctx);
    SSL_CTX_free(stls->ctx);
    stls->ctx = NULL;
    stls->next = dropped;
    dropped = stls;
  }

  for (stls = dropped; stls != NULL; stls = stls->next) {
    const struct secftp_fleet_secret *secret =
      stls->settings.ticket_key_secret;

    if (secret != NULL &&
        !secret_in_use(secret)) {
      scrub_secret(secret);
    }
    stls->settings.ticket_key_secret = NULL;
  }

  for (stls = server_tls_list; stls != NULL; stls = stls->next) {
    n++;
  }

  return n;
}
