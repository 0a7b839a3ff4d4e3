/*
 * fleetmap: SecureCertMap redis:KEY.
 */

#include "secftp/fleetmap.h"
#include "secftp/fleet.h"
#include "secftp/log.h"

#include <ctype.h>

#include <openssl/sha.h>
#include <sys/mman.h>

/* The largest map text a Redis key may hold. */
#define MAP_TEXT_MAX	(256 * 1024)

/* Distinct redis: sources a configuration may name. */
#define MAP_SLOTS	8

#define MAP_KEY_MAX	200

/* The last valid text of one source, shared by the node's processes.
 * Writers take the lock; readers copy under the sequence number (odd
 * while a write is under way) and retry if it moved.
 */
struct map_slot {
  char key[MAP_KEY_MAX + 1];
  pid_t lock;
  volatile unsigned int seq;
  int has_good;
  unsigned char good_hash[SHA256_DIGEST_LENGTH];
  unsigned char bad_hash[SHA256_DIGEST_LENGTH];
  size_t len;
  char text[MAP_TEXT_MAX];
};

static struct map_slot *slots = NULL;

/* This process's parsed map, by text hash. */
static struct {
  const struct map_slot *slot;
  unsigned char hash[SHA256_DIGEST_LENGTH];
  struct secftp_certmap *map;
} parsed;

int secftp_fleetmap_is_redis(const char *source) {
  return source != NULL &&
    strncasecmp(source, "redis:", 6) == 0;
}

const char *secftp_fleetmap_check(pool *p, const char *source) {
  const char *key = source + 6, *c;

  if (*key == '\0' ||
      strlen(key) > MAP_KEY_MAX) {
    return pstrcat(p, "bad value '", source, "': expected redis:KEY with a "
      "key of 1 to 200 characters", NULL);
  }

  for (c = key; *c; c++) {
    if (!isgraph((unsigned char) *c)) {
      return pstrcat(p, "bad value '", source, "': the Redis key may not "
        "hold blanks or control characters", NULL);
    }
  }

  return NULL;
}

static struct map_slot *find_slot(const char *key, int create) {
  int i;

  for (i = 0; slots != NULL && i < MAP_SLOTS; i++) {
    if (strcmp(slots[i].key, key) == 0) {
      return &slots[i];
    }

    if (create &&
        slots[i].key[0] == '\0') {
      sstrncpy(slots[i].key, key, sizeof(slots[i].key));
      return &slots[i];
    }
  }

  return NULL;
}

int secftp_fleetmap_setup(server_rec *s, const char *source) {
  if (slots == NULL) {
    void *mem = mmap(NULL, sizeof(struct map_slot) * MAP_SLOTS,
      PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0);

    if (mem == MAP_FAILED) {
      pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": SecureCertMap %s: "
        "unable to map shared memory: %s", source, strerror(errno));
      return -1;
    }
    slots = mem;
  }

  if (find_slot(source + 6, TRUE) == NULL) {
    pr_log_pri(PR_LOG_ERR, MOD_SECFTP_VERSION ": server '%s': more than %d "
      "different SecureCertMap redis: keys", s->ServerName, MAP_SLOTS);
    return -1;
  }

  return 0;
}

/* The sequence number is made odd, then even again, whatever a writer
 * that died half-way left in it.
 */
static void publish_good(struct map_slot *slot, const char *text, size_t len,
    const unsigned char *hash) {
  unsigned int odd;

  if (secftp_fleet_lock(&slot->lock) < 0) {
    return;
  }

  odd = slot->seq | 1;
  slot->seq = odd;
  __sync_synchronize();
  memcpy(slot->text, text, len);
  slot->len = len;
  memcpy(slot->good_hash, hash, SHA256_DIGEST_LENGTH);
  slot->has_good = TRUE;
  __sync_synchronize();
  slot->seq = odd + 1;
  secftp_fleet_unlock(&slot->lock);
}

/* Records hash as refused; TRUE if it was not already (log it then). */
static int mark_bad(struct map_slot *slot, const unsigned char *hash) {
  int fresh;

  if (secftp_fleet_lock(&slot->lock) < 0) {
    return FALSE;
  }

  fresh = memcmp(slot->bad_hash, hash, SHA256_DIGEST_LENGTH) != 0;
  memcpy(slot->bad_hash, hash, SHA256_DIGEST_LENGTH);
  secftp_fleet_unlock(&slot->lock);
  return fresh;
}

/* Copies the last valid text out of slot.  Returns its length, or -1. */
static long copy_good(struct map_slot *slot, char *buf,
    unsigned char *hash) {
  int tries;

  for (tries = 0; tries < 1000; tries++) {
    unsigned int seq = __sync_fetch_and_add(&slot->seq, 0);
    size_t len;
    int has_good;

    if (seq & 1) {
      sched_yield();
      continue;
    }

    has_good = slot->has_good;
    len = slot->len;
    if (len <= MAP_TEXT_MAX) {
      memcpy(buf, slot->text, len);
      memcpy(hash, slot->good_hash, SHA256_DIGEST_LENGTH);
    }

    if (__sync_fetch_and_add(&slot->seq, 0) == seq) {
      return has_good && len <= MAP_TEXT_MAX ? (long) len : -1;
    }
  }

  return -1;
}

/* Parses text into this process's map, unless it already holds it.
 * Returns the map, or NULL with err filled in.
 */
static struct secftp_certmap *use_text(const struct map_slot *slot,
    const char *text, size_t len, const unsigned char *hash,
    struct secftp_certmap_error *err) {
  struct secftp_certmap *map;

  if (parsed.map != NULL &&
      parsed.slot == slot &&
      memcmp(parsed.hash, hash, SHA256_DIGEST_LENGTH) == 0) {
    return parsed.map;
  }

  memset(err, 0, sizeof(*err));
  map = secftp_certmap_parse(text, len, err);
  if (map == NULL) {
    return NULL;
  }

  secftp_certmap_free(parsed.map);
  parsed.map = map;
  parsed.slot = slot;
  memcpy(parsed.hash, hash, SHA256_DIGEST_LENGTH);
  return map;
}

/* The newest text in Redis: applied if valid, refused whole if not.
 * Returns the map, or NULL (unavailable, or refused).
 */
static const struct secftp_certmap *read_redis(struct map_slot *slot,
    const char *source) {
  struct secftp_certmap_error err;
  struct secftp_certmap *map;
  unsigned char hash[SHA256_DIGEST_LENGTH];
  pool *tmp_pool;
  char *text;
  size_t len = 0;
  int fresh;

  tmp_pool = make_sub_pool(session.pool ? session.pool : permanent_pool);
  text = secftp_fleet_redis_get(tmp_pool, slot->key, &len);
  if (text == NULL &&
      errno != ENOENT) {
    /* Unavailable (or not a string): the last valid map serves. */
    destroy_pool(tmp_pool);
    return NULL;
  }

  /* A key deleted or emptied revokes every rule: an empty map (fail
   * closed, SPEC 6.1), which also becomes the last valid map, so that a
   * Redis outage later never brings the revoked rules back.
   */
  if (text == NULL) {
    text = pstrdup(tmp_pool, "");
    len = 0;
  }

  SHA256((const unsigned char *) text, len, hash);
  /* Odd: a writer died half-way; the text is rewritten. */
  fresh = !slot->has_good ||
    (slot->seq & 1) ||
    memcmp(slot->good_hash, hash, sizeof(hash)) != 0;

  if (len > MAP_TEXT_MAX) {
    err.line = 0;
    sstrncpy(err.msg, "larger than 256 KB", sizeof(err.msg));
    map = NULL;

  } else {
    map = use_text(slot, text, len, hash, &err);
  }

  if (map == NULL) {
    if (mark_bad(slot, hash)) {
      secftp_log("SecureCertMap %s: update refused whole (line %u: %s); "
        "the previous map stays in force", source, err.line,
        err.msg[0] ? err.msg : strerror(errno));
    }

  } else if (fresh) {
    publish_good(slot, text, len, hash);
    if (len == 0) {
      secftp_log("SecureCertMap %s: the key is missing or empty: the map "
        "is empty, no certificate maps to anyone (fail closed)", source);

    } else {
      secftp_log("SecureCertMap %s: applied a new map (%lu rules)", source,
        (unsigned long) secftp_certmap_count(map));
    }
  }

  destroy_pool(tmp_pool);
  return map;
}

const struct secftp_certmap *secftp_fleetmap_current(const char *source,
    const struct secftp_certmap *fallback) {
  struct secftp_certmap_error err;
  const struct secftp_certmap *map;
  struct map_slot *slot;
  unsigned char hash[SHA256_DIGEST_LENGTH];
  char *text;
  long len;

  if (!secftp_fleetmap_is_redis(source)) {
    return fallback;
  }

  slot = find_slot(source + 6, FALSE);
  if (slot == NULL) {
    return fallback;
  }

  map = read_redis(slot, source);
  if (map != NULL) {
    return map;
  }

  /* Redis unavailable, or its text refused: the last valid map. */
  text = malloc(MAP_TEXT_MAX);
  if (text == NULL) {
    return fallback;
  }

  len = copy_good(slot, text, hash);
  map = len >= 0 ? use_text(slot, text, (size_t) len, hash, &err) : NULL;
  free(text);
  return map != NULL ? map : fallback;
}
