/*
 * keys/keysrc.h — where vault passwords come from, as ansible has them:
 * ANSIBLE_VAULT_IDENTITY_LIST, --vault-id [LABEL@]SOURCE (file, executable,
 * *-client executable, "prompt"), --vault-password-file, then
 * ANSIBLE_VAULT_PASSWORD_FILE; plus --vault-password-credential NAME
 * ($CREDENTIALS_DIRECTORY/NAME) and a no-echo terminal prompt when nothing
 * else is given.
 *
 * Runs in the parent, before any sandbox: it opens files and runs scripts.
 * Script output is read into guarded memory with a bounded time and size;
 * a failing script is an error naming the script, never its output.
 * While the prompt waits with echo off, SIGINT, SIGTERM, SIGHUP and SIGQUIT
 * restore the terminal and then kill the process with their default
 * action; SIGTSTP restores it, stops, and quiets it again on SIGCONT.
 *
 * Password files, scripts and credentials are opened under fs/'s trusted-
 * input rule (fs/fs.h es_trust_open): owned by root, the caller or
 * $SUDO_UID, not group/world-writable, in directories no one else can
 * write. A script is executed from the descriptor that was checked.
 *
 * Errors: ES_EKEYSRC (or ES_EUSAGE for a malformed option) with a detail
 * naming the source; ES_EUNSAFE when the trusted-input rule refuses it.
 */
#ifndef ENVSEAL_KEYSRC_H
#define ENVSEAL_KEYSRC_H

#include "crypto/crypto.h"

struct es_keysrc_opts {
	const char *vault_ids[ES_SECRETS_MAX];       /* --vault-id, in order */
	size_t n_vault_ids;
	const char *password_files[ES_SECRETS_MAX];  /* --vault-password-file */
	size_t n_password_files;
	const char *credentials[ES_SECRETS_MAX];     /* --vault-password-credential */
	size_t n_credentials;
	/* age identities (keys/keysrc.c): -i/--identity FILE and
	 * --identity-credential NAME, appended first, labelled
	 * ES_AGE_ID_LABEL. Any given: no prompt unless a password source is
	 * named too (an scrypt age file takes a password source). */
	const char *identities[ES_SECRETS_MAX];
	size_t n_identities;
	const char *identity_credentials[ES_SECRETS_MAX];
	size_t n_identity_credentials;
	int no_prompt;     /* never prompt, even on a terminal */
	/* --ask-vault-pass (ansible's spelling): ask for the password after
	 * the --vault-id sources, on the terminal, or without one a line of
	 * stdin per question as ansible's getpass reads a pipe; ask_twice
	 * asks again to confirm (a new password: encrypt). */
	int ask;
	int ask_twice;
	/* Set (the vault commands): an empty password file, or a vaulted
	 * one that no earlier secret opens, given by --vault-id,
	 * --vault-password-file or ANSIBLE_VAULT_PASSWORD_FILE, is skipped
	 * as ansible skips it, its detail handed here for a warning; the
	 * first one is the error when no secret is left. NULL: an error. A
	 * missing file is always an error. */
	void (*skipped)(const char *detail);
	/* No source given and no prompt: 0 with out->n == 0 instead of
	 * ES_EKEYSRC (render: a vault with allow_plaintext needs no key, an
	 * encrypted one then fails naming the missing source). A flag, so
	 * that the caller never decides on an error message's text. */
	int none_ok;
};

/* Build the ordered candidate list; out->id_match from
 * ANSIBLE_VAULT_ID_MATCH (below). Nothing given: a prompt on a terminal
 * unless no_prompt; else ES_EKEYSRC "no vault secret given", or 0 and an
 * empty list when none_ok. */
int es_keysrc_load(const struct es_keysrc_opts *o, struct es_secrets *out);
/* 1 when a --vault-password-file or --vault-id source of o reads standard
 * input ("-", "/dev/stdin", "/dev/fd/0"): a command that reads its own
 * data from stdin must refuse the pair as a usage error. Pure. */
int es_keysrc_reads_stdin(const struct es_keysrc_opts *o);

/* --- additions (vault engineer) --- */

/* A password script gets this long before it is killed (SIGKILL): long
 * enough for a human at a pinentry, short enough that a hung helper does
 * not hang a deploy forever. */
#define ES_KEYSRC_SCRIPT_TIMEOUT_MS 30000

/*
 * Append one source to out. vault_id != 0: spec is "[LABEL@]SOURCE" as
 * --vault-id takes it (SOURCE a file, an executable, a *-client
 * executable, or "prompt"); vault_id == 0: spec is a password file path
 * (label "default"), as --vault-password-file takes it. A password file
 * that is itself a vault is opened with the secrets in earlier (NULL: the
 * ones already in out).
 */
int es_keysrc_add(struct es_secrets *out, const char *spec, int vault_id,
    const struct es_secrets *earlier);
/*
 * ansible's two vault-id settings (config/base.yml), read as ansible-core
 * 2.14 reads them: neither has a type, so each is a string minus one pair
 * of surrounding quotes.
 *
 * ANSIBLE_VAULT_ID_MATCH: on when that string is not empty, so "false",
 * "no" and "0" turn it ON, as in ansible. es_keysrc_load() copies it into
 * out->id_match; es_vault_try_order() then tries an envelope only with
 * secrets of its own label. es_keysrc_id_match_value() is the rule.
 *
 * ANSIBLE_VAULT_ENCRYPT_IDENTITY: the vault-id to encrypt with, unless
 * --encrypt-vault-id (cli, not empty) gives one. es_keysrc_encrypt_id()
 * returns cli, or the setting in buf, or NULL when neither is set.
 * es_keysrc_pick() is ansible's match_encrypt_secret(): with an id, the
 * first secret of that label (none: ES_EUSAGE naming the loaded labels);
 * without, the only secret (several: ES_EUSAGE naming them).
 */
int es_keysrc_id_match_value(const char *value);
int es_keysrc_id_match(void);
const char *es_keysrc_encrypt_id(const char *cli, char *buf, size_t bufsz);
int es_keysrc_pick(const struct es_secrets *s, const char *encrypt_id,
    size_t *idx);

/* Append the sources of ANSIBLE_VAULT_IDENTITY_LIST, or of
 * ANSIBLE_VAULT_PASSWORD_FILE (nothing when unset), as es_keysrc_add()
 * (earlier: as there). For rekey's new secrets, which ansible draws from
 * both when a vault-id to encrypt with is set (cli/vault.py 206-231). */
int es_keysrc_add_identity_list(struct es_secrets *out,
    const struct es_secrets *earlier);
int es_keysrc_add_password_env(struct es_secrets *out,
    const struct es_secrets *earlier);

/* A source "-" (--vault-password-file -, --vault-id LABEL@-) is the
 * password on stdin: not a terminal, at most ES_SECRET_MAX bytes,
 * stripped as a password file is (not opened as a vault). stdin is read
 * once per process: es_keysrc_take_stdin() claims it for a reader (who
 * names it in the error) and fails with ES_EUSAGE for the second. */
int es_keysrc_take_stdin(const char *who);

/* The age identities of o into out (keys/keysrc.c): ES_EKEYSRC,
 * ES_EUNSAFE (trusted-input rule) or ES_EAGE (not an identity file,
 * naming file:line) on failure. */
int es_keysrc_add_age_identities(const struct es_keysrc_opts *o,
    struct es_secrets *out);

/* A question on the terminal (/dev/tty, no echo; ES_EKEYSRC without
 * one): the line typed into out, stripped of all surrounding whitespace
 * when ws, else of CR/LF. */
int es_keysrc_prompt_tty(const char *ask, int ws, struct es_sbuf *out);
/* One line of stdin into out without its newline, read a byte at a time
 * so nothing after it is consumed; ask (when not NULL) on stderr first,
 * as Python's getpass asks without a terminal. End of input before any
 * byte: ES_EKEYSRC. The caller claims stdin (es_keysrc_take_stdin). */
int es_keysrc_ask_line(const char *ask, struct es_sbuf *out);

/* Tests only: a shorter script timeout (0 restores the default). */
void es_keysrc_set_timeout_ms(unsigned ms);

#endif
