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

#endif
