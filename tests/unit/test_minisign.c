/* tests/unit/test_minisign.c — crypto/minisign.c: a signature made here
 * parses and verifies; every byte of the signed message, the signature,
 * the trusted comment and the global signature matters; legacy
 * (non-prehashed) signatures verify; keys and signatures that are not
 * minisign's are ES_EFORMAT, a wrong key ES_EINTEGRITY. The interop with
 * the real minisign is tests/cli/policy_signed.sh. */
#include "crypto/minisign.h"
#include "common/envseal.h"
#include "tests/unit/t.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

static struct es_ms_seckey *sk;
static struct es_ms_pubkey pk;

/* A key pair as minisign's generate() makes one. */
static void
make_keys(void)
{
	sk = es_secure_alloc(sizeof *sk);
	randombytes_buf(sk->keynum, sizeof sk->keynum);
	crypto_sign_keypair(pk.pk, sk->sk);
	memcpy(pk.keynum, sk->keynum, sizeof pk.keynum);
}

static int
verify_text(const char *text, const unsigned char *msg, size_t len)
{
	struct es_ms_sig sig;
	int r;

	if ((r = es_ms_sig_parse(text, strlen(text), &sig)) != 0)
		return r;
	return es_ms_verify(&pk, &sig, msg, len);
}

static void
test_roundtrip(void)
{
	const unsigned char msg[] = "envseal: 1\n";
	char *text = NULL, *mut;
	size_t len = 0, i, line;
	int all_bad = 1;

	T_CHECK("sign", es_ms_sign(sk, msg, sizeof msg - 1,
	    "timestamp:1\tfile:p.yml\thashed", &text, &len) == 0);
	T_CHECK("sign: minisign's four lines", text != NULL &&
	    !strncmp(text, "untrusted comment: ", 19) &&
	    strstr(text, "\ntrusted comment: timestamp:1\tfile:p.yml\thashed\n")
	    != NULL);
	T_CHECK("verify", verify_text(text, msg, sizeof msg - 1) == 0);
	T_CHECK("one byte of the message: ES_EINTEGRITY",
	    verify_text(text, (const unsigned char *)"envseal: 2\n",
	    sizeof msg - 1) == ES_EINTEGRITY);
	/* Change each base64 character of lines 2 and 4 and each byte of
	 * the trusted comment: every change is refused. */
	mut = strdup(text);
	for (i = 0, line = 1; mut[i]; i++) {
		char keep = mut[i];

		if (mut[i] == '\n') {
			line++;
			continue;
		}
		if (line == 1 || (line == 3 && i < (size_t)(strstr(text,
		    "trusted comment: ") - text) + 17))
			continue;
		if (line == 2 && i < (size_t)(strchr(text, '\n') - text) + 1 + 3)
			continue;   /* "RUT": the algorithm bytes, checked below */
		mut[i] = mut[i] == 'A' ? 'B' : (mut[i] == '=' ? '=' : 'A');
		if (mut[i] != keep && verify_text(mut, msg, sizeof msg - 1) == 0)
			all_bad = 0;
		mut[i] = keep;
	}
	T_CHECK("every byte of signature, comment, global: refused", all_bad);
	free(mut);
	free(text);
}

/* A legacy signature: Ed25519 over the message itself, alg "Ed". */
static void
test_legacy(void)
{
	const unsigned char msg[] = "legacy\n";
	unsigned char raw[2 + 8 + 64], g[64 + 16], global[64];
	char b1[200], b2[200], text[600];

	raw[0] = 'E';
	raw[1] = 'd';
	memcpy(raw + 2, sk->keynum, 8);
	crypto_sign_detached(raw + 10, NULL, msg, sizeof msg - 1, sk->sk);
	memcpy(g, raw + 10, 64);
	memcpy(g + 64, "t", 1);
	crypto_sign_detached(global, NULL, g, 65, sk->sk);
	sodium_bin2base64(b1, sizeof b1, raw, sizeof raw,
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b2, sizeof b2, global, sizeof global,
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(text, sizeof text, "untrusted comment: x\n%s\ntrusted "
	    "comment: t\n%s\n", b1, b2);
	T_CHECK("legacy Ed verifies", verify_text(text, msg, sizeof msg - 1)
	    == 0);
	T_CHECK("legacy: another message refused", verify_text(text,
	    (const unsigned char *)"legacx\n", sizeof msg - 1) ==
	    ES_EINTEGRITY);
}

static void
test_parse(void)
{
	struct es_ms_pubkey p2;
	struct es_ms_sig sig;
	char id[ES_MS_KEYID_HEX + 1];
	unsigned char keynum[8] = { 0xd9, 0xa0, 0x2c, 0xfa, 0xa2, 0x07, 0xa1,
	    0xb2 };
	const char *pub = "untrusted comment: minisign public key "
	    "B2A107A2FA2CA0D9\nRWTZoCz6ogehsu4VhZgBQ0RmV6mhTTRAFLmhx1k4pW9I"
	    "GVQnjx7ROYlu\n";

	es_ms_keyid(keynum, id);
	T_CHECK("key id printed as minisign prints it",
	    !strcmp(id, "B2A107A2FA2CA0D9"));
	T_CHECK("a minisign public key parses",
	    es_ms_pubkey_parse(pub, strlen(pub), &p2) == 0 &&
	    !memcmp(p2.keynum, keynum, 8));
	T_CHECK("no untrusted comment: ES_EFORMAT",
	    es_ms_pubkey_parse("RWTZ\n", 5, &p2) == ES_EFORMAT);
	T_CHECK("short base64: ES_EFORMAT", es_ms_pubkey_parse(
	    "untrusted comment: x\nRWTZoCz6\n", 29, &p2) == ES_EFORMAT);
	T_CHECK("signature without trusted comment: ES_EFORMAT",
	    es_ms_sig_parse("untrusted comment: x\n", 21, &sig) == ES_EFORMAT);
	T_CHECK("empty: ES_EFORMAT", es_ms_sig_parse("", 0, &sig) ==
	    ES_EFORMAT);
}

static void
test_wrong_key(void)
{
	const unsigned char msg[] = "m";
	struct es_ms_pubkey other = pk;
	struct es_ms_sig sig;
	char *text = NULL;
	size_t len;

	es_ms_sign(sk, msg, 1, "c", &text, &len);
	es_ms_sig_parse(text, len, &sig);
	other.keynum[0] ^= 1;
	T_CHECK("another key id: ES_EINTEGRITY",
	    es_ms_verify(&other, &sig, msg, 1) == ES_EINTEGRITY);
	other = pk;
	other.pk[0] ^= 1;
	T_CHECK("same id, another key: ES_EINTEGRITY",
	    es_ms_verify(&other, &sig, msg, 1) == ES_EINTEGRITY);
	free(text);
	T_CHECK("a newline in the trusted comment: ES_EFORMAT",
	    es_ms_sign(sk, msg, 1, "a\nb", &text, &len) == ES_EFORMAT);
	free(text);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	make_keys();
	test_roundtrip();
	test_legacy();
	test_parse();
	test_wrong_key();
	es_secure_free(sk);
	return t_done();
}
