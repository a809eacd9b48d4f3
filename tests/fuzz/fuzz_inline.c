/* tests/fuzz/fuzz_inline.c — libFuzzer target: the inline !vault scanner
 * and splicer (es_vault_decrypt_view on YAML) and the YAML quoter, whose
 * output must read back through libyaml as exactly the input. */
#include "vault/vault.h"

#include <string.h>
#include <sodium.h>
#include <yaml.h>

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	return 0;
}

/* es_yaml_quote(v) parsed back must be v. */
static void
quote_roundtrip(const unsigned char *data, size_t size)
{
	struct es_sbuf q = { 0 };
	yaml_parser_t p;
	yaml_event_t ev;
	int k, seen = 0;

	if (es_yaml_quote(data, size, &q) != 0) {
		es_sbuf_free(&q);
		return;
	}
	if (!yaml_parser_initialize(&p))
		abort();
	yaml_parser_set_input_string(&p, q.p, q.len);
	for (k = 0; k < 4; k++) {
		if (!yaml_parser_parse(&p, &ev))
			abort();   /* our quoting produced bad YAML */
		if (ev.type == YAML_SCALAR_EVENT) {
			if (ev.data.scalar.length != size ||
			    (size && memcmp(ev.data.scalar.value, data, size)))
				abort();   /* ...or a different value */
			seen = 1;
		}
		yaml_event_delete(&ev);
	}
	if (!seen)
		abort();
	yaml_parser_delete(&p);
	es_sbuf_free(&q);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct es_secrets none = { .n = 0 };
	struct es_sbuf out = { 0 };
	int used;

	/* Whole-file envelopes go to the envelope target. */
	if (!es_vault_is_envelope(data, size)) {
		if (es_vault_decrypt_view(data, size, &none, &out, &used) == 0)
			abort();   /* nothing can decrypt without a secret */
		es_sbuf_free(&out);
	}
	quote_roundtrip(data, size);
	return 0;
}
