/*
 * run/rotate.h — `envseal rotate`: every vault of a set re-encrypted under
 * a new key, as one run that a crash cannot leave half-done without a
 * record of where it stopped, and that the same command finishes.
 *
 * Calling sequence (the caller holds the root lock and the audit run):
 *	struct es_rotate rot;
 *	r = es_rotate_run(root, paths, n, &keys, &rot);  // stage, commit
 *	... rot.f[i].state, rot.f[i].replaced, rot.failed ...
 *	es_rotate_free(&rot);
 *
 * The order, and why:
 *  1. Journal check. An unfinished journal (state "staged") must name the
 *     same files, and each file must hold the ciphertext it had before or
 *     the one it was given (sha256 of the bytes on disk): else
 *     ES_EINTEGRITY naming the file, nothing replaced.
 *  2. Per file, one job in the sandboxed worker (sandbox/worker.h
 *     ES_JOB_ROTATE; the parent never parses decrypted content and never
 *     holds a plaintext): does it open with the new key (an inline file:
 *     the new key alone)? Then it is "already" and is skipped. Else rekey
 *     (the key that opened a whole file; every candidate for an inline
 *     file, so one whose values are partly rotated still opens), then open
 *     the result with the new key alone and compare its plaintext with the
 *     original's (constant time, guarded memory, wiped), in the worker: a
 *     mismatch is ES_EINTEGRITY. The job memoizes each derived key for the
 *     file's own salts (crypto.h es_av_memo_on): a whole file costs two
 *     PBKDF2 derivations, the old key on its salt and the new on the new.
 *  3. Stage every re-encrypted file as an fsync'd temp beside its target,
 *     with its owner and mode (fs/fs.h es_user_stage_file). Any failure so
 *     far: the temps go, nothing was replaced.
 *  4. Journal "staged" (fs/, fsync'd): paths, sha256 before and after,
 *     state per file. From here a rerun knows the run.
 *  5. Rename each temp over its target, fsync its directory, audited
 *     (intent before, outcome after). A file is at every instant either
 *     the old ciphertext or the new one, each readable by its key.
 *  6. Journal "done".
 * A kill anywhere: before 4 no file changed (stale temps are swept by the
 * next write beside them); between 4 and 6 some files are under the new
 * key, the rest under the old, and the rerun with both keys skips the
 * first and rotates the rest, after checking them against the journal.
 *
 * The journal, /var/lib/envseal/rotate.journal under the root (0600,
 * the caller's, in the 0700 state directory), holds no secret: a header,
 * the run's state, one line per file "file STATE BEFORE AFTER PATH"
 * (STATE rotate|already|done, hex sha256s of the ciphertext, PATH
 * absolute). Check mode (ES_ROOT_CHECK) decides every file and writes
 * nothing: no temp, no journal.
 *
 * Errors: 0 or a negative code with a detail naming the file; rot->failed
 * is then the index of the file that failed, or -1 (none in particular).
 */
#ifndef ENVSEAL_ROTATE_H
#define ENVSEAL_ROTATE_H

#include "crypto/crypto.h"

#include <stddef.h>

struct es_root;

/* Files in one rotation: more than a fleet's vaults, few enough that the
 * journal and the staged temps stay small. */
#define ES_ROTATE_MAX_FILES 4096
/* The journal's largest size: a line per file of at most a path and two
 * hashes and a word. */
#define ES_ROTATE_JOURNAL_MAX ((size_t)ES_ROTATE_MAX_FILES * 3300)

/* The journal under the root. */
#define ES_ROTATE_JOURNAL "/var/lib/envseal/rotate.journal"

struct es_rotate_keys {
	const struct es_secrets *old;      /* candidates for the old key */
	const struct es_secret *new_secret;
	const char *new_label;             /* NULL: each value keeps its own */
};

enum es_rotate_state {
	ES_ROT_PENDING = 0,   /* not reached (a failure came first) */
	ES_ROT_ROTATE,        /* under an old key: re-encrypted (or would be) */
	ES_ROT_ALREADY,       /* opened with the new key alone: skipped */
	ES_ROT_FAILED,
};

struct es_rotate_file {
	const char *path;                 /* as given (not owned) */
	char *abs;                        /* absolute, as the journal has it */
	enum es_rotate_state state;
	int replaced;                     /* renamed in this run */
	char before[65], after[65];       /* sha256 hex of the ciphertext */
};

struct es_rotate {
	struct es_rotate_file *f;
	size_t n;
	long failed;         /* index into f, or -1 */
	int resumed;         /* an unfinished journal of these files was found */
};

/* "rotate", "already", "pending", "failed" (text and --json). */
const char *es_rotate_state_name(enum es_rotate_state s);

int es_rotate_run(struct es_root *root, const char *const *paths, size_t n,
    const struct es_rotate_keys *keys, struct es_rotate *out);
void es_rotate_free(struct es_rotate *rot);

#endif
