/* tests/fuzz/fuzz_envelope.c — libFuzzer target: the Ansible Vault
 * envelope reader (header, outer and inner hex, field split). No secret
 * is offered, so every input is parsed in full and then refused without
 * a PBKDF2; the label-only reader and the writer run too. */
#include "vault/vault.h"

#include <string.h>
#include <sodium.h>

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	es_salt_seed();
	return 0;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct es_secrets none = { .n = 0 };
	struct es_sbuf pt = { 0 };
	char label[ES_LABEL_MAX + 1];
	int used, r;

	r = es_vault_open(data, size, &none, &pt, &used);
	/* With no secret nothing may decrypt. */
	if (r == 0 || pt.len != 0)
		abort();
	(void)es_vault_label(data, size, label, sizeof label);
	(void)es_vault_is_envelope(data, size);
	es_sbuf_free(&pt);
	return 0;
}
