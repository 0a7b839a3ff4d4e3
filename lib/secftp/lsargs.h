/*
 * lsargs: the path a listing or file-fact command acts on, read from the
 * command's argument exactly as ProFTPD 1.3.8's own modules read it
 * (mod_ls for LIST, NLST and STAT; mod_facts for MLSD and MLST; the core
 * for SIZE and MDTM).  SecureDataConn decides on that path and nothing
 * else (doc/data-channel.md, "Which path a command acts on").
 *
 * What ProFTPD does, and this unit therefore does too:
 * - The argument (cmd->arg) is what follows the command word and one
 *   separator byte: "LIST  x" has the argument " x".
 * - mod_ls reads options only when the argument is not itself an
 *   existing path and not one word (have_options()).  An option group
 *   is a '-' followed by letters and digits; it ends at the first other
 *   byte, so "-l/dir" is the option l and the path "/dir", and "--" is
 *   two empty groups.  Tabs and other white space separate groups.
 * - With "ListOptions ... strict", the client's options are skipped
 *   (up to white space) and ignored.
 * - STAT first drops one leading '-' word, then mod_ls reads options
 *   again from what is left.
 * - MLSD, MLST, SIZE and MDTM act on the whole argument, options or not.
 * Globs and '~user' are left in the path: the caller expands them with
 * ProFTPD's own functions.
 *
 * Pure C (libc only) so that Check and libFuzzer can drive it.
 */

#ifndef SECFTP_LSARGS_H
#define SECFTP_LSARGS_H

#include <stddef.h>

enum secftp_lsargs_cmd {
  SECFTP_LSARGS_LIST,
  SECFTP_LSARGS_NLST,
  SECFTP_LSARGS_STAT,
  SECFTP_LSARGS_MLSD,
  SECFTP_LSARGS_MLST,
  SECFTP_LSARGS_SIZE,
  SECFTP_LSARGS_MDTM
};

/* What the command reveals about its path. */
enum secftp_lsargs_kind {
  SECFTP_LSARGS_NOTHING,	/* STAT without a path: the session status */
  SECFTP_LSARGS_CONTENTS,	/* the names (and facts) inside a directory */
  SECFTP_LSARGS_FACTS		/* the facts of the entry itself */
};

/* -R: mod_ls lists every directory below. */
#define SECFTP_LSARGS_OPT_R	0x01

/* -L: mod_ls shows what symbolic links lead to, not the links. */
#define SECFTP_LSARGS_OPT_L	0x02

struct secftp_lsargs {
  enum secftp_lsargs_kind kind;

  /* The path, pointing into the argument; "" means the working
   * directory.
   */
  const char *path;

  /* SECFTP_LSARGS_OPT_* the client gave. */
  unsigned int opts;

  /* mod_ls expands globs and '~user' in this path (LIST, NLST, STAT). */
  int expands;
};

/* Tells whether path names an existing file (stat(2) succeeds), as
 * mod_ls's have_options() asks.
 */
typedef int (*secftp_lsargs_exists_fn)(const char *path, void *data);

/* Resolves arg (the decoded argument, never NULL) of command cmd, whose
 * line ProFTPD split into argc words (the command word included; see
 * secftp_lsargs_count_words), under ListOptions' strict flag.  exists may
 * be NULL (nothing exists).  Returns 0, or -1 with errno EINVAL.
 */
int secftp_lsargs_resolve(enum secftp_lsargs_cmd cmd, const char *arg,
  unsigned int argc, int strict, secftp_lsargs_exists_fn exists, void *data,
  struct secftp_lsargs *res);

/* The number of words ProFTPD's command parser makes of line (the whole
 * command line without CRLF): white-space separated, a word that starts
 * with a double quote running to the next double quote.
 */
unsigned int secftp_lsargs_count_words(const char *line);

/* The SECFTP_LSARGS_OPT_* a ListOptions string turns on (an 'R' or 'L'
 * in any '-' group; a later "+R" is ignored, so the answer errs towards
 * showing more).
 */
unsigned int secftp_lsargs_options(const char *options);

#endif /* SECFTP_LSARGS_H */
