/*
 * passprov: SecurePassPhraseProvider, opened and run safely.
 *
 * The provider (a program run as root, or a file holding the passphrase)
 * is trusted only when it and every directory up to / is owned by the
 * trusted owner (root) and writable by nobody else; a symbolic link on the
 * way must be the owner's too (Debian's /bin -> usr/bin), and its target
 * is checked the same way.  It is opened once, component by component
 * (openat, so nothing can be swapped between the check and the use), and
 * a program is
 * run from that descriptor (fexecve), with a minimal environment, no
 * descriptor above 2 (but a script's own, which its interpreter reads),
 * and a bounded run time.  Every refusal says why.
 *
 * Pure C (libc only) so that Check can drive it with its own owner.
 */

#ifndef SECFTP_PASSPROV_H
#define SECFTP_PASSPROV_H

#include <stddef.h>
#include <sys/types.h>

/* The environment a provider program gets. */
#define SECFTP_PASSPROV_PATH	"PATH=/usr/sbin:/usr/bin:/sbin:/bin"

/* Opens path (absolute) after checking it and every directory above it:
 * owned by owner, not writable by group or others, symbolic links only of
 * owner's (followed, at most 40), a regular file at the end.  Returns the descriptor (with *is_program set
 * when the file is executable by its owner), or -1 with the reason in why
 * (whylen bytes).
 */
int secftp_passprov_open(const char *path, uid_t owner, int *is_program,
  char *why, size_t whylen);

/* Reads the first line of fd (without its line ending) into buf (size
 * bytes), waiting until deadline (time(2)) at most.  Returns its length,
 * or -1 with errno ETIMEDOUT, ENAMETOOLONG (no line end within size - 1
 * bytes), or another read error.  Nothing after the line stays in buf.
 */
int secftp_passprov_read_line(int fd, char *buf, size_t size,
  time_t deadline);

/* Runs the program open on progfd (from secftp_passprov_open) with the
 * arguments name key_path, and reads the first line it prints into buf.
 * The program gets timeout seconds in all; then it is killed (with its
 * process group).  Returns the length, or -1 with the reason in why.
 */
int secftp_passprov_run(int progfd, const char *name, const char *key_path,
  char *buf, size_t size, unsigned int timeout, char *why, size_t whylen);

#endif /* SECFTP_PASSPROV_H */
