/* tests/fuzz/fuzz_minisign.c — libFuzzer target: crypto/minisign.c's
 * readers of public keys, signatures and (unencrypted) secret keys. Any
 * input either parses or fails with ES_EFORMAT/ES_EKEY; a parsed trusted
 * comment is NUL-terminated within its bound; verifying a parsed
 * signature with a parsed key never crashes and never succeeds for a
 * message it was not made for (the input itself, here, with a key taken
 * from the same bytes: a forgery would be a finding). */
#include "crypto/minisign.h"
#include "common/envseal.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct es_ms_pubkey pk;
	struct es_ms_sig sig;
	struct es_ms_seckey *sk = NULL;
	const char *t = (const char *)data;
	int rp, rs, rk;

	rp = es_ms_pubkey_parse(t, size, &pk);
	rs = es_ms_sig_parse(t, size, &sig);
	if ((rp != 0 && rp != ES_EFORMAT) || (rs != 0 && rs != ES_EFORMAT))
		abort();
	if (rs == 0 && strlen(sig.trusted) > ES_MS_TRUSTED_MAX)
		abort();
	if (rp == 0 && rs == 0 && es_ms_verify(&pk, &sig, data, size) == 0)
		abort();
	rk = es_ms_seckey_parse(t, size, NULL, 0, &sk);
	if (rk != 0 && rk != ES_EFORMAT && rk != ES_EKEY)
		abort();
	es_ms_seckey_free(sk);
	return 0;
}
