/*
 * common/envseal.h — what every module of envseal shares: error codes, the
 * error-detail channel, BUG(), and secure growable buffers.
 *
 * Error contract (all modules): library functions return 0 on success or a
 * negative code: -errno for system errors, or one of the ES_E* codes below
 * for domain errors. A function that fails may record a one-line detail
 * with es_fail()/es_failf(); only cmd/ turns the code and the detail into a
 * message and an exit status (es_exit_status()). Library code never prints
 * and never exits.
 *
 * The detail names files, lines, keys and variables. It never carries a
 * secret value: es_failf() callers pass names only, and cmd/ prints nothing
 * else.
 *
 * Secure buffers (struct es_sbuf) live in sodium_malloc'd memory (guard
 * pages, mlock'd, MADV_DONTDUMP) and are wiped when freed. Use them for
 * passwords, derived keys and plaintext.
 */
#ifndef ENVSEAL_COMMON_H
#define ENVSEAL_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ENVSEAL_VERSION "0.1.0"

/* Domain error codes, far below any -errno value. */
enum {
	ES_EUSAGE = -1000,  /* bad command line (exit 2) */
	ES_EPOLICY,         /* invalid policy (exit 2) */
	ES_ENOTVAULT,       /* input is not an Ansible Vault (exit 2) */
	ES_EFORMAT,         /* malformed vault envelope (exit 3) */
	ES_EKEY,            /* no secret opened the vault: wrong key/MAC (exit 3) */
	ES_EINTEGRITY,      /* other integrity failure, e.g. audit chain (exit 3) */
	ES_ESANDBOX,        /* sandbox violation or worker misbehaviour (exit 4) */
	ES_EYAML,           /* bad YAML (exit 2: bad input, not integrity) */
	ES_EVALUE,          /* a value that cannot be rendered (exit 1) */
	ES_ENAME,           /* an invalid variable name (exit 2) */
	ES_EMISSING,        /* a referenced variable is missing/null/nested */
	ES_ELIMIT,          /* a named size bound was exceeded */
	ES_EUNSAFE,         /* hostile filesystem: symlink, FIFO, unsafe dir */
	ES_ECONFLICT,       /* provisioning conflict (id held by another) */
	ES_EKEYSRC,         /* a key source failed (file, script, prompt) */
	ES_ELOCKED,         /* lock not obtained in the bounded wait */
	ES_ENOSYS,          /* kernel lacks a required feature (openat2) */
	ES_EINTERNAL,       /* a runtime failure that is neither the input's
	                       nor the user's fault: a library that failed
	                       to start, a helper process that failed (exit 1) */
	ES_EAGE,            /* malformed age file, armor or key (exit 2) */
	ES_EBUG,            /* a caller broke an internal contract or BUG()
	                       fired: a bug in envseal (exit 70) */
};
/* The last domain code: a range check is ES_EUSAGE .. ES_ECODE_LAST. */
#define ES_ECODE_LAST ES_EBUG

/* Exit statuses (envseal(1) EXIT STATUS; cmd/ returns them). */
enum {
	ES_EXIT_OK = 0,
	ES_EXIT_RUNTIME = 1,
	ES_EXIT_USAGE = 2,
	ES_EXIT_INTEGRITY = 3,
	ES_EXIT_SANDBOX = 4,
	/* `envseal verify` and `policy lint`: the host differs from the
	 * policy, or a lint finding reached --fail-on. Not an error of the
	 * command: what it was asked to find. */
	ES_EXIT_DRIFT = 5,
	/* A bug in envseal (ES_EBUG, a BUG() in the worker): sysexits.h's
	 * EX_SOFTWARE. */
	ES_EXIT_SOFTWARE = 70,
};

/* Longest path accepted anywhere (policy, vault, key source, state):
 * PATH_MAX minus room for temp suffixes. */
#define ES_PATH_MAX 3072

/* Longest error detail kept; longer details are cut, never overflow. */
#define ES_ERRDETAIL_MAX 512

/*
 * Record a one-line detail for code and return code, so that library code
 * can write `return es_failf(ES_EPOLICY, "%s:%zu: %s: unknown key", ...)`.
 * A later call replaces the detail. The detail must name things, never
 * carry a secret.
 */
int es_failf(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The detail recorded last, or "" when none. */
const char *es_errdetail(void);
/* Forget the recorded detail. */
void es_errclear(void);
/* A short description of code (strerror for -errno). */
const char *es_strerror(int code);
/* The exit status (above) for code (0 for 0). */
int es_exit_status(int code);

/* A broken internal invariant: a bug. Crash, never limp on: "envseal: BUG
 * at FILE:LINE: MSG" on stderr, then abort(), unless a handler is set. */
#define BUG(msg) es_bug(__FILE__, __LINE__, (msg))
#define BUG_ON(cond) do { if (cond) BUG(#cond); } while (0)
__attribute__((noreturn)) void es_bug(const char *file, int line,
    const char *msg);
/* Where BUG() goes instead: the sandboxed worker has no stderr and its
 * filter kills abort(), so it reports the BUG to its parent and exits
 * (sandbox/worker.c). The handler must not return; if it does, es_bug()
 * goes on as without one. NULL restores the default. */
typedef void (*es_bug_handler_fn)(const char *file, int line,
    const char *msg);
void es_bug_set_handler(es_bug_handler_fn fn);

/* Largest secure buffer: the vault size bound plus its expansions. */
#define ES_SBUF_MAX ((size_t)256 << 20)

struct es_sbuf {
	unsigned char *p;   /* sodium_malloc'd; NULL when cap == 0 */
	size_t len;
	size_t cap;
};

/* Ensure room for extra more bytes; -ENOMEM or ES_ELIMIT on failure. */
int es_sbuf_reserve(struct es_sbuf *b, size_t extra);
int es_sbuf_append(struct es_sbuf *b, const void *data, size_t n);
int es_sbuf_putc(struct es_sbuf *b, unsigned char c);
/* Wipe and release; b is empty afterwards and may be reused. */
void es_sbuf_free(struct es_sbuf *b);

/* Guarded allocation helpers (sodium_malloc/sodium_free with wipe). */
void *es_secure_alloc(size_t n);
void es_secure_free(void *p);

/* Constant-time equality of two n-byte buffers: 1 equal, 0 not. */
int es_ct_equal(const void *a, const void *b, size_t n);

/* Milliseconds on CLOCK_MONOTONIC (common/clock.c), for every bounded
 * wait; BUG() when the clock is unavailable. */
int64_t es_now_ms(void);

/* Wipe a stack or heap copy of something secret. */
void es_wipe(void *p, size_t n);

/* Lowercase hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void es_hex(char *out, const unsigned char *in, size_t n);

/*
 * Terminal-safe text (common/escape.c), for every name, path, label or
 * detail that came from input and reaches a terminal: C0 controls, DEL,
 * C1 controls (U+0080..U+009F), the Unicode bidi controls (U+061C,
 * U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) and the line and
 * paragraph separators (U+2028, U+2029) are written as "\n", "\t",
 * "\r", "\xHH" or "\u202e"; a byte that is not part of valid UTF-8 is
 * "\xHH" (a raw 0x9b is CSI to an 8-bit terminal). Everything else,
 * other UTF-8 included, passes unchanged. Used where cmd/ prints (errors,
 * notes) and by the report and audit printers, not at each call site.
 */
#define ES_ESC_KEEP_NL 1u    /* flags: '\n' passes (multi-line blocks) */
/* 1 when s[0..len) would be written unchanged. */
int es_text_safe(const char *s, size_t len, unsigned flags);
/* Write s[0..len) to f, escaped. */
void es_fput_esc(FILE *f, const char *s, size_t len, unsigned flags);
/* s as a JSON string on out: quotes, backslash, C0 controls and DEL
 * escaped (\uXXXX), other bytes as they are (the callers' reports hold
 * ASCII names, paths and messages). */
void es_fput_json_str(FILE *out, const char *s);
/* A write-only stream that escapes everything written to it into under
 * (UTF-8 sequences split across writes are joined); fclose() it to flush,
 * under stays open. NULL with errno on failure. */
FILE *es_esc_stream(FILE *under, unsigned flags);
/* The length of the valid UTF-8 sequence at s[0..n) (RFC 3629, as
 * Python's strict decoder: no overlong form, no surrogate, nothing above
 * U+10FFFF; ASCII is 1), or 0 when none starts there. Pure. */
size_t es_utf8_len(const unsigned char *s, size_t n);

#endif
