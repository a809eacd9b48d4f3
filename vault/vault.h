/*
 * vault/vault.h — Ansible Vault, byte for byte: the envelope (1.1 and 1.2
 * with label), inline `!vault` values in YAML, and the YAML document model
 * (libyaml). Pure: buffers in, buffers out, no file, no process, no
 * terminal; runs inside the sandboxed worker (sandbox/worker.h).
 *
 * Calling sequence (render, in the worker):
 *	struct es_ydoc *doc; int used;
 *	es_vault_load_doc(bytes, len, secrets, &doc, &used);
 *	for (i = 0; i < doc->n; i++) ... doc->e[i].key, .kind, .val, .vlen
 *	es_ydoc_free(doc);                 // wipes every value at once
 *
 * Errors: ES_ENOTVAULT (not a vault where one is required), ES_EFORMAT
 * (malformed envelope), ES_EKEY (no candidate secret's MAC matched; the
 * detail names the labels tried), ES_EYAML (bad YAML, with the line),
 * ES_ELIMIT (size bounds), ES_EVALUE (a plaintext that cannot be written
 * as YAML), -ENOMEM. Inline failures name the line (and key) of the value.
 *
 * The document model is a mapping at the top (an empty document is zero
 * keys); duplicate keys, merge keys (<<), non-scalar or !vault keys, more
 * than one document, nesting over ES_YDOC_MAX_DEPTH and more than
 * ES_YDOC_MAX_ALIASES anchors+aliases are ES_EYAML with the line. Values
 * keep their text as written (never re-typed); a top-level alias takes the
 * anchored node's value. Only top-level !vault values are decrypted by
 * es_vault_load_doc(); the rewrites below handle them at any depth.
 */
#ifndef ENVSEAL_VAULT_H
#define ENVSEAL_VAULT_H

#include "common/envseal.h"
#include "crypto/crypto.h"

/* Largest vault file accepted. */
#define ES_VAULT_MAX ((size_t)64 << 20)
/* Most top-level keys in one document. */
#define ES_VAULT_MAX_KEYS 100000

/* Scalar style as written, for the renderer's typing decisions. */
enum es_ystyle {
	ES_YS_PLAIN,
	ES_YS_SINGLE,
	ES_YS_DOUBLE,
	ES_YS_LITERAL,
	ES_YS_FOLDED,
	ES_YS_NONE,       /* not a scalar */
};

enum es_ykind {
	ES_Y_SCALAR,      /* val holds the scalar's text (decrypted if vaulted) */
	ES_Y_NULL,        /* null / empty plain scalar / ~ */
	ES_Y_MAPPING,
	ES_Y_SEQUENCE,
};

struct es_yentry {
	char *key;                /* top-level key, in the arena */
	size_t line;              /* 1-based line of the key */
	enum es_ykind kind;
	int vaulted;              /* the value was a !vault scalar */
	/* ES_Y_SCALAR: the text as written (decrypted when vaulted), never
	 * re-typed; never NULL for a scalar, NUL-terminated after vlen bytes.
	 * It points into the document's arena and dies with the document. */
	const unsigned char *val;
	size_t vlen;
	enum es_ystyle style;     /* scalar style as written (added) */
};

/* The guarded memory holding a document's values (vault/yaml.c): a few
 * large sodium_malloc'd chunks instead of one guarded area per value. */
struct es_yarena;

struct es_ydoc {
	struct es_yentry *e;
	size_t n;
	size_t cap;               /* entries allocated (readers only) */
	struct es_yarena *arena;  /* owned; NULL for a document built by hand */
	int enveloped;            /* es_vault_load_doc: a whole-file envelope */
};

/* Whole-file vault: decrypt then parse; plain YAML with inline !vault
 * values: parse and decrypt each. *used = index of the secret that worked
 * (-1 when nothing was encrypted). */
int es_vault_load_doc(const unsigned char *in, size_t len,
    const struct es_secrets *secrets, struct es_ydoc **doc, int *used);
void es_ydoc_free(struct es_ydoc *doc);

/* `envseal vault view/decrypt`: whole-file vault -> its plaintext; YAML
 * with inline values -> the same YAML with each !vault scalar replaced by
 * its plaintext as a correctly quoted scalar, every other line untouched. */
int es_vault_decrypt_view(const unsigned char *in, size_t len,
    const struct es_secrets *secrets, struct es_sbuf *out, int *used);

/* `envseal vault rekey`: same file under new_secret; new_label NULL keeps
 * each envelope's label. */
int es_vault_rekey(const unsigned char *in, size_t len,
    const struct es_secrets *secrets, const struct es_secret *new_secret,
    const char *new_label, struct es_sbuf *out, int *used);

/* --- additions (vault engineer) --- */

/* Bounds of the YAML document model, against hostile documents. */
/* Nesting deeper than any vars file needs; bounds the parser's stack. */
#define ES_YDOC_MAX_DEPTH 64
/* Anchors plus aliases: vars files rarely use more than a handful, and
 * a bound stops alias fan-out ("billion laughs"). */
#define ES_YDOC_MAX_ALIASES 256
/* Inline !vault values in one file: one per key at most, in practice. */
#define ES_VAULT_MAX_INLINE ES_VAULT_MAX_KEYS


/*
 * The whole-file envelope. es_vault_is_envelope() is ansible's
 * is_encrypted(): every byte ASCII and the text starts with
 * "$ANSIBLE_VAULT". es_vault_open() decrypts one envelope (ES_ENOTVAULT,
 * ES_EFORMAT, ES_EKEY; secrets whose label matches the envelope's are
 * tried first, then the rest in order; *used = index that worked).
 * es_vault_seal() writes ansible's exact bytes (lowercase, 80 columns,
 * final LF; 1.1 unless label is set and not "default") with a salt from
 * es_salt_next(); out is appended to.
 */
int es_vault_is_envelope(const unsigned char *in, size_t len);
int es_vault_open(const unsigned char *in, size_t len,
    const struct es_secrets *secrets, struct es_sbuf *pt, int *used);
int es_vault_seal(const unsigned char *pt, size_t len,
    const struct es_secret *secret, const char *label, struct es_sbuf *out);
/* The label of an envelope (default when it has none) into buf; 0 or
 * ES_ENOTVAULT/ES_EFORMAT. */
int es_vault_label(const unsigned char *in, size_t len, char *buf,
    size_t bufsz);
/* 1 when label may be written into a header: 1..ES_LABEL_MAX printable
 * ASCII bytes, no ';', no surrounding space. */
int es_vault_label_ok(const char *label);

/*
 * Ordered secret indexes to try for an envelope labelled label: matching
 * labels first, then the rest, in list order; with secrets->id_match only
 * the matching ones (possibly none). Returns the count.
 */
size_t es_vault_try_order(const struct es_secrets *secrets, const char *label,
    size_t order[ES_SECRETS_MAX]);

/*
 * Append value to out as one double-quoted YAML scalar that every YAML
 * 1.1/1.2 parser reads back as exactly value (escapes for \\, ", control
 * and non-printable characters; UTF-8 kept raw). ES_EVALUE when value is
 * not valid UTF-8 (YAML text must be Unicode).
 */
int es_yaml_quote(const unsigned char *value, size_t len, struct es_sbuf *out);

/*
 * One key, nothing else (`envseal vault set/unset`, vault/edit.c). In a
 * whole-file vault the plaintext's line of key (and its indented lines)
 * is replaced by `key: "<val, double-quoted>"`, removed, or added after
 * the last key; the plaintext is sealed again under the secret that
 * opened it and the envelope's label. In a YAML file with inline values
 * the key's lines become `key: !vault |` and the envelope (10 spaces, as
 * encrypt_string writes it), sealed with the secret that opened the old
 * value and its label, or with enc and enc_label for a key that held no
 * !vault value; every other byte of the file stays as it was. val NULL:
 * unset. A value that is already val, or a key unset that is not there,
 * gives the input back byte for byte (ES_VSET_UNCHANGED). The edit is
 * checked by parsing the result: every other key as it was, or
 * ES_EUSAGE naming the key (a document that cannot be edited minimally:
 * flow mapping, quoted key, aliased anchor). key must pass
 * es_vault_key_ok (ES_ENAME). Whole-file values must be UTF-8 (ES_EVALUE).
 */
enum es_vset {
	ES_VSET_UNCHANGED = 0,
	ES_VSET_CHANGED,
	ES_VSET_ADDED,
	ES_VSET_REMOVED,
};
/* Longest key name set takes (an Ansible variable name; ansible has no
 * bound, 255 keeps it one directory entry as a file name would be). */
#define ES_VAULT_KEY_MAX 255
int es_vault_set(const unsigned char *in, size_t len,
    const struct es_secrets *secrets, const struct es_secret *enc,
    const char *enc_label, const char *key, const unsigned char *val,
    size_t vlen, struct es_sbuf *out, enum es_vset *how, int *used);
/* 1 when key is an Ansible variable name: [A-Za-z_][A-Za-z0-9_]*, at
 * most ES_VAULT_KEY_MAX bytes. */
int es_vault_key_ok(const char *key);

/*
 * `envseal vault edit/create`: the edited plaintext pt sealed again. With
 * old (a whole-file vault, oldlen > 0): under the secret that opens old
 * and old's label, as ansible's edit_file keeps them, and when pt is
 * old's plaintext byte for byte, old itself (*changed 0). Without old
 * (create): under enc and enc_label. out is appended to. diff: the keys
 * the edit added, removed and changed (es_vault_key_diff; empty when the
 * plaintexts are not YAML), for the audit record.
 */
struct es_vkeydiff {
	char **added, **removed, **changed;   /* malloc'd names */
	size_t nadded, nremoved, nchanged;
};
int es_vault_reseal(const unsigned char *old, size_t oldlen,
    const struct es_secrets *secrets, const struct es_secret *enc,
    const char *enc_label, const unsigned char *pt, size_t ptlen,
    struct es_sbuf *out, int *changed, int *used, struct es_vkeydiff *diff);
/*
 * The top-level keys added, removed and changed from plaintext a to b
 * (changed: another value, or, in block style, other text on its lines),
 * into out (names only, in document order; keys that are not variable
 * names, es_vault_key_ok, are left out: an audit record carries those).
 * 0; 1 when either is not a YAML mapping the model reads (out empty: no
 * names, not an error); -ENOMEM. Free with es_vkeydiff_free.
 */
int es_vault_key_diff(const unsigned char *a, size_t alen,
    const unsigned char *b, size_t blen, struct es_vkeydiff *out);
void es_vkeydiff_free(struct es_vkeydiff *d);

#endif
