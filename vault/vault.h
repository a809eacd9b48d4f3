/*
 * vault/vault.h — Ansible Vault, byte for byte: the envelope (1.1 and 1.2
 * with label), inline `!vault` values in YAML, and the YAML document model
 * (libyaml). Pure: buffers in, buffers out, no file, no process, no
 * terminal; runs inside the sandboxed worker (sandbox/worker.h).
 *
 * Calling sequence (render, in the worker):
 *	struct es_ydoc *doc; int used;
 *	es_vault_load_doc(bytes, len, secrets, &doc, &used);
 *	for (i = 0; i < doc->n; i++) ... doc->e[i].key, .kind, .value ...
 *	es_ydoc_free(doc);
 *
 * Errors: ES_ENOTVAULT (not a vault where one is required), ES_EFORMAT
 * (malformed envelope), ES_EKEY (no candidate secret's MAC matched; the
 * detail names the labels tried), ES_EYAML (bad YAML, with the line),
 * ES_ELIMIT (size bounds), -ENOMEM.
 */
#ifndef ENVSEAL_VAULT_H
#define ENVSEAL_VAULT_H

#include "common/envseal.h"
#include "crypto/crypto.h"

/* Largest vault file accepted. */
#define ES_VAULT_MAX ((size_t)64 << 20)
/* Most top-level keys in one document. */
#define ES_VAULT_MAX_KEYS 100000

enum es_ykind {
	ES_Y_SCALAR,      /* value holds the scalar's text (decrypted if vaulted) */
	ES_Y_NULL,        /* null / empty plain scalar / ~ */
	ES_Y_MAPPING,
	ES_Y_SEQUENCE,
};

struct es_yentry {
	char *key;                /* top-level key (names are not secret) */
	size_t line;              /* 1-based line of the key */
	enum es_ykind kind;
	int vaulted;              /* the value was a !vault scalar */
	struct es_sbuf value;     /* ES_Y_SCALAR: text as written, never re-typed */
};

struct es_ydoc {
	struct es_yentry *e;
	size_t n;
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

#endif
