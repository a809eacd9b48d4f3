/*
 * crypto/crypto.h — secrets and the Ansible Vault primitives. Pure: buffers
 * in, buffers out; no file, no process, no terminal. Runs inside the
 * sandboxed worker (see sandbox/worker.h), so it must make no syscall other
 * than memory management.
 *
 * A vault secret is a label plus password bytes in guarded memory.
 * es_secrets is the ordered candidate list built by crypto/keysrc.h.
 *
 * Errors: 0 or a negative code (common/envseal.h).
 */
#ifndef ENVSEAL_CRYPTO_H
#define ENVSEAL_CRYPTO_H

#include <stddef.h>

/* Vault-id labels: ASCII, no ';', bounded. */
#define ES_LABEL_MAX 128
/* Longest password accepted from any source. */
#define ES_SECRET_MAX 65536
/* Most candidate secrets in one run. */
#define ES_SECRETS_MAX 64

struct es_secret {
	char label[ES_LABEL_MAX + 1];   /* "default" when none */
	unsigned char *bytes;           /* es_secure_alloc'd */
	size_t len;
};

struct es_secrets {
	struct es_secret v[ES_SECRETS_MAX];
	size_t n;
};

/* Append a copy of (label, bytes) to list. */
int es_secrets_add(struct es_secrets *list, const char *label,
    const unsigned char *bytes, size_t len);
/* Wipe and free every secret; the list is empty afterwards. */
void es_secrets_free(struct es_secrets *list);

#endif
