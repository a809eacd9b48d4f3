/*
 * run/vault.h — the runs of `envseal vault` (view, decrypt, encrypt,
 * encrypt-string, rekey, migrate, reencrypt), parent side: read every
 * input (through fs/'s trusted reader), transform it in memory (decrypt
 * and rekey in the sandboxed worker, sandbox/worker.h; encrypt with
 * vault/'s sealer), then write every output through fs/ (owner and mode
 * kept, atomically), audited as root.
 *
 * set, unset, edit and create (run/vault_edit.c, es_vrun_set and
 * es_vrun_edit below) change one file each, in a run of their own.
 *
 * Calling sequence (cmd/vault.c):
 *	struct es_vrun v = { 0 };
 *	es_vrun_alloc(&v, nfiles);
 *	es_keysrc_load(&ks, &v.secrets);           // the key sources
 *	es_vrun_audit_open(&v, "vault decrypt", audit_root);
 *	es_vrun_decrypt_all(&v, files, ES_JOB_DECRYPT, NULL, &bad);
 *	es_vrun_write_all(&v, dests, flags, &bad);
 *	es_audit_end(v.audit, status);             // when v.audit != NULL
 *	... print v.act[i] for i < bad (or all) ...
 *	es_vrun_free(&v);
 *
 * Multi-file runs are all-or-nothing: every input is read and transformed
 * before the first file is replaced, so a wrong key or a bad file changes
 * nothing. A file that is not to change is not written (fs/: "unchanged").
 *
 * Errors: 0 or a negative code with es_errdetail() naming the file (never
 * a value); *bad is the index of the file that failed. Nothing here
 * prints or exits: cmd/ does.
 */
#ifndef ENVSEAL_RUN_VAULT_H
#define ENVSEAL_RUN_VAULT_H

#include "common/envseal.h"
#include "crypto/crypto.h"
#include "fs/fs.h"
#include "sandbox/worker.h"

/* The 10-space indent of ansible's encrypt_string (cli/vault.py 268-285). */
#define ES_VRUN_STRING_INDENT "          "

/* Everything a run holds, released by es_vrun_free(). */
struct es_vrun {
	struct es_secrets secrets;
	struct es_secrets fresh;           /* rekey: the new candidates */
	size_t fresh_idx;                  /* rekey: the one that encrypts */
	struct es_sbuf *in, *out;          /* per file */
	unsigned char **raw;               /* per file: ciphertext, heap */
	size_t *rawlen;
	enum es_action *act;               /* per file: what the write did */
	size_t n;
	struct es_root *audit;
};

int es_vrun_alloc(struct es_vrun *v, size_t n);
/*
 * One job in the sandboxed worker, for run/vault.c and run/vault_edit.c:
 * job holds the op and its inputs (input NULL: none; secrets are set to
 * v's here); a job other than ES_JOB_DECRYPT may seal, so the worker
 * inherits a fresh salt seed first. record 1: the input goes on v->audit's record, opened
 * or not (es_audit_vault). On success res->out holds at least one byte of
 * room; on failure res is freed.
 */
int es_vrun_job(const struct es_vrun *v, struct es_job *job, int record,
    struct es_job_result *res);
void es_vrun_free(struct es_vrun *v);

/* A plaintext file ("-": stdin) into guarded memory. */
int es_vrun_read_input(const char *path, struct es_sbuf *b);
/* The whole of stdin into guarded memory (claims stdin from the key
 * sources, keys/keysrc.h es_keysrc_take_stdin). */
int es_vrun_read_stdin(struct es_sbuf *b);

/*
 * rekey's new secret into v->fresh (v->fresh_idx the one that encrypts),
 * from new_vault_id ("[LABEL@]SOURCE") or new_pwfile. With a vault-id to
 * encrypt with (encrypt_id, else ANSIBLE_VAULT_ENCRYPT_IDENTITY) ansible
 * draws the candidates from ANSIBLE_VAULT_IDENTITY_LIST, the --new-*
 * option and ANSIBLE_VAULT_PASSWORD_FILE, in that order, and writes the
 * label of the one picked (cli/vault.py 206-240). *label: the label to
 * write, or NULL to keep each file's. A password file that is a vault is
 * opened with v->secrets.
 */
int es_vrun_new_secret(struct es_vrun *v, const char *new_vault_id,
    const char *new_pwfile, const char *encrypt_id, const char **label);

/* Every paths[i] through the worker (op ES_JOB_DECRYPT, or ES_JOB_REKEY
 * to v->fresh.v[v->fresh_idx] with new_label, NULL keeping each label),
 * each result into v->out[i]. A rekey whose input already opens with the
 * new secret alone and carries the label it would get keeps its bytes
 * (quiet diffs). */
int es_vrun_decrypt_all(struct es_vrun *v, char *const *paths,
    enum es_job_op op, const char *new_label, size_t *bad);

/* Every paths[i] read (es_vrun_read_input) and sealed with
 * v->secrets.v[k] into v->out[i]; input that is already an Ansible Vault
 * or age file is ES_EUSAGE. When dests[i] is an existing vault that opens
 * with that secret alone to the same plaintext under the same label, its
 * bytes are kept (quiet diffs). */
int es_vrun_encrypt_all(struct es_vrun *v, char *const *paths,
    char *const *dests, size_t k, size_t *bad);

/* As root, the run is audited in the log under audit_root (command
 * names the run) from its first vault on: es_vrun_decrypt_all records
 * each vault it opens (fs/'s es_audit_vault). As anyone else there is no
 * log envseal may append to and this does nothing. A second call does
 * nothing. The caller ends the run (es_audit_fail, es_audit_end on
 * v->audit when it is not NULL) with the exit status. */
int es_vrun_audit_open(struct es_vrun *v, const char *command,
    const char *audit_root);
/* Every v->out[i] to dests[i] ("-": stdout), in the audit run opened
 * above; flags as es_user_write_file's
 * (ES_UW_PRIVATE for plaintext). v->act[i] says what each write did;
 * *bad is the first file not written (v->n when all were). */
int es_vrun_write_all(struct es_vrun *v, char *const *dests, unsigned flags,
    size_t *bad);
/* n bytes to fd, whole (EINTR retried). */
int es_vrun_write_fd(int fd, const unsigned char *p, size_t n);

/* `view`'s text, as ansible-vault 2.14's view prints a plaintext (no
 * pager): decoded as UTF-8 with each byte that is not part of a valid
 * sequence written as '?' (to_text's surrogateescape, then stdout's
 * errors='replace'), and a newline added unless it ends with one
 * (Display.display). Appended to out (guarded memory). decrypt stays
 * byte-exact. */
int es_vrun_view_text(const struct es_sbuf *pt, struct es_sbuf *out);

/* encrypt-string: pt sealed with v->secrets.v[k] and appended to out as
 * "NAME: !vault |" (or "!vault |" when name is NULL), then the envelope
 * indented as ansible indents it. Empty pt: ES_EUSAGE. */
int es_vrun_seal_string(struct es_vrun *v, size_t k, const char *name,
    const struct es_sbuf *pt, struct es_sbuf *out);

/*
 * set and unset (cmd/vault_edit.c): key of file (an inline or whole-file
 * vault) given value (NULL: removed) in the worker (vault/vault.h
 * es_vault_set), every other byte kept, a new value sealed with enc (NULL
 * when none was chosen: the worker then says which is needed). *how:
 * ES_VSET_*. Written (owner and mode kept) only when it changed, and
 * only if the file still holds the bytes it was read as (ES_ECONFLICT:
 * another edit, set or rotate came between); *act what the write did.
 * In the audit run es_vrun_audit_open() opened: the vault, then the
 * file with the key's name.
 */
int es_vrun_set(struct es_vrun *v, const struct es_secret *enc,
    const char *file, const char *key, const struct es_sbuf *value,
    size_t *how, enum es_action *act);

/* What an edit did: nothing (changed 0, act ES_ACT_UNCHANGED), or the
 * file written with the counts of key names it added, removed, changed. */
struct es_vedit {
	int changed;
	size_t nadded, nremoved, nchanged;
	enum es_action act;
};

/*
 * edit and create, as ansible-vault 2.14's edit_file: file's plaintext
 * (nothing when create) to $EDITOR (default vi, split as shlex does,
 * VISUAL not read; its environment without ANSIBLE_VAULT* and ENVSEAL_*)
 * on a file in a private tmpfs directory (fs/fs.h Scratch), gone when
 * this returns; sealed again with enc only when it changed, and written
 * 0600 only if the file still holds what was read (create: still does
 * not exist). An editor that cannot start or is killed saves nothing.
 */
int es_vrun_edit(struct es_vrun *v, const struct es_secret *enc,
    const char *file, int create, struct es_vedit *res);

#endif
