/* tests/fuzz/fuzz_vault_set.c — libFuzzer target: the one-key edit of
 * `vault set/unset` (vault/edit.c) on any YAML text, and the key diff of
 * `vault edit`. Whatever the input: no crash, no leak; an edit that
 * succeeds is one es_vault_set accepts again as unchanged (set the same
 * value twice: the second gives its input back byte for byte), an unset
 * leaves no key to unset, and a text diffed with itself names no key. */
#include "vault/vault.h"

#include <string.h>
#include <sodium.h>

static struct es_secrets sec;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0 || es_salt_seed() != 0 ||
	    es_secrets_add(&sec, "default", (const unsigned char *)"fz", 2))
		abort();
	return 0;
}

/* set (val) or unset (NULL) key on data; then the same again must be
 * ES_VSET_UNCHANGED and give the first result back. */
static void
twice(const unsigned char *data, size_t size, const char *key,
    const char *val)
{
	struct es_sbuf a = { 0 }, b = { 0 };
	enum es_vset how;
	size_t vlen = val ? strlen(val) : 0;
	int used;

	if (es_vault_set(data, size, &sec, &sec.v[0], "default", key,
	    (const unsigned char *)val, vlen, &a, &how, &used) == 0) {
		if (es_vault_set(a.p ? a.p : (const unsigned char *)"", a.len,
		    &sec, &sec.v[0], "default", key, (const unsigned char *)val,
		    vlen, &b, &how, &used) != 0)
			abort();   /* our own edit is not editable again */
		if (how != ES_VSET_UNCHANGED || a.len != b.len ||
		    (a.len && memcmp(a.p, b.p, a.len) != 0))
			abort();   /* the same edit twice changed something */
	}
	es_sbuf_free(&a);
	es_sbuf_free(&b);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct es_vkeydiff d;

	if (size > 16384 || es_vault_is_envelope(data, size))
		return 0;
	twice(data, size, "k", "v\"\n");
	twice(data, size, "a", NULL);
	if (es_vault_key_diff(data, size, data, size, &d) == 0 &&
	    (d.nadded || d.nremoved || d.nchanged))
		abort();   /* a text differs from itself */
	es_vkeydiff_free(&d);
	return 0;
}
