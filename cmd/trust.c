/*
 * cmd/trust.c — signed policies: when the root holds any minisign public
 * key in /etc/envseal/trusted-keys/NAME.pub (or --trusted-key names one),
 * render, apply, provision and verify use a policy only with a valid
 * signature POLICY.minisig by one of those keys, trusted comment
 * included; the embedded default, which has no signature, is refused
 * then too. The bytes verified are the bytes loaded: the policy is read
 * once. Without any trusted key nothing changes.
 */
#include "cmd/cmd.h"
#include "common/envseal.h"
#include "crypto/minisign.h"
#include "fs/fs.h"
#include "fs/inspect.h"
#include "policy/policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where a root keeps the keys it trusts to sign policies. */
#define TRUST_DIR "/etc/envseal/trusted-keys"
/* Keys trusted at once: a handful of signers; more is a mistake. */
#define TRUST_KEYS_MAX 32
/* Room for the key ids named in a refusal: each 16 hex and ", ". */
#define TRUST_IDS_MAX (TRUST_KEYS_MAX * (ES_MS_KEYID_HEX + 2) + 1)
/* ".minisig" beside the policy. */
#define TRUST_SIG_SUFFIX ".minisig"

struct trust_keys {
	struct es_ms_pubkey v[TRUST_KEYS_MAX];
	size_t n;
	char ids[TRUST_IDS_MAX];
};

/* The detail recorded last, with "PREFIX: " before it and code as the
 * error (es_failf cannot take its own detail as an argument: the
 * buffer it writes is the one it would read). */
int
cmd_fail_prefix(int code, const char *prefix)
{
	char d[ES_ERRDETAIL_MAX];

	/* Whole: both hold ES_ERRDETAIL_MAX bytes. */
	(void)snprintf(d, sizeof d, "%s", es_errdetail());
	return es_failf(code, "%s: %s; refused", prefix, d);
}

static int
keys_add(struct trust_keys *k, const unsigned char *buf, size_t len,
    const char *what)
{
	char id[ES_MS_KEYID_HEX + 1];
	int r;

	if (k->n == TRUST_KEYS_MAX)
		return es_failf(ES_ELIMIT, "more than %d trusted keys",
		    TRUST_KEYS_MAX);
	if ((r = es_ms_pubkey_parse((const char *)buf, len, &k->v[k->n])) != 0)
		return cmd_fail_prefix(r, what);
	es_ms_keyid(k->v[k->n].keynum, id);
	/* Cut on purpose: TRUST_IDS_MAX holds TRUST_KEYS_MAX ids. */
	(void)snprintf(k->ids + strlen(k->ids), sizeof k->ids -
	    strlen(k->ids), "%s%s", k->n ? ", " : "", id);
	k->n++;
	return 0;
}

static int
on_key_file(void *arg, const char *name, const unsigned char *buf,
    size_t len)
{
	char what[sizeof TRUST_DIR + 256];

	(void)snprintf(what, sizeof what, "%s/%s", TRUST_DIR, name);
	return keys_add(arg, buf, len, what);
}

/* The keys the root holds, and the one --trusted-key names. */
static int
keys_load(const char *rootdir, const char *extra, struct trust_keys *k)
{
	struct es_root *root = NULL;
	unsigned char *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = es_root_open(&root, rootdir, ES_ROOT_CHECK)) != 0)
		return r;
	r = es_inspect_read_dir(root, TRUST_DIR, ".pub", ES_MS_FILE_MAX,
	    TRUST_KEYS_MAX, on_key_file, k);
	es_root_close(root);
	if (r != 0 || extra == NULL)
		return r;
	if ((r = es_trust_read(extra, "trusted key", ES_MS_FILE_MAX, &buf,
	    &len)) == 0)
		r = keys_add(k, buf, len, extra);
	free(buf);
	return r;
}

/* The signature beside path, checked against every trusted key. */
static int
check_sig(const char *path, const unsigned char *msg, size_t len,
    const struct trust_keys *k, char *signer)
{
	char sigpath[ES_PATH_MAX + sizeof TRUST_SIG_SUFFIX], id[17];
	unsigned char *buf = NULL;
	struct es_ms_sig sig;
	size_t slen = 0, i;
	int n, r;

	n = snprintf(sigpath, sizeof sigpath, "%s%s", path, TRUST_SIG_SUFFIX);
	if (n < 0 || (size_t)n >= sizeof sigpath)
		return es_failf(ES_ELIMIT, "%s: path too long", path);
	r = es_trust_read(sigpath, "policy signature", ES_MS_FILE_MAX, &buf,
	    &slen);
	if (r == -ENOENT)
		return es_failf(ES_EINTEGRITY, "policy %s: no signature %s; "
		    "this root trusts only policies signed by %s; refused",
		    path, sigpath, k->ids);
	if (r != 0)
		return r;
	r = es_ms_sig_parse((const char *)buf, slen, &sig);
	free(buf);
	if (r != 0)
		return cmd_fail_prefix(ES_EINTEGRITY, sigpath);
	es_ms_keyid(sig.keynum, id);
	for (i = 0; i < k->n; i++) {
		if (memcmp(k->v[i].keynum, sig.keynum, ES_MS_KEYNUM) != 0)
			continue;
		if ((r = es_ms_verify(&k->v[i], &sig, msg, len)) != 0)
			return cmd_fail_prefix(ES_EINTEGRITY, path);
		memcpy(signer, id, sizeof id);
		return 0;
	}
	return es_failf(ES_EINTEGRITY, "policy %s: signed by key %s, which "
	    "this root does not trust (it trusts %s); refused", path, id,
	    k->ids);
}

int
cmd_policy_load_trusted(const char *rootdir, const char *path,
    const char *extra_key, struct es_policy **out, char *signer)
{
	return cmd_policy_load_trusted_as(rootdir, path, extra_key, out, signer,
	    0);
}

int
cmd_policy_load_trusted_as(const char *rootdir, const char *path,
    const char *extra_key, struct es_policy **out, char *signer,
    int unseen_ok)
{
	struct trust_keys *k;
	unsigned char *buf = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	signer[0] = '\0';
	if ((k = calloc(1, sizeof *k)) == NULL)
		return -ENOMEM;
	r = keys_load(rootdir, extra_key, k);
	/* An auditor who may not read the root's trusted keys (/etc/envseal
	 * is root 0700) cannot know whether the policy had to be signed:
	 * verify says so ("?": unknown) instead of failing; a command that
	 * writes never gets this leniency. */
	if (r == -EACCES && unseen_ok && k->n == 0 && extra_key == NULL) {
		es_errclear();
		free(k);
		signer[0] = '?';
		signer[1] = '\0';
		return es_policy_load(path, out);
	}
	if (r != 0 || k->n == 0) {
		free(k);
		return r != 0 ? r : es_policy_load(path, out);
	}
	if (path == NULL) {
		r = es_failf(ES_EINTEGRITY, "the embedded default policy has no "
		    "signature; this root trusts only policies signed by %s "
		    "(give --policy FILE with FILE.minisig); refused", k->ids);
		goto out;
	}
	/* One read: the bytes verified are the bytes parsed. */
	if ((r = es_trust_read(path, "policy", ES_POLICY_MAX_BYTES, &buf,
	    &len)) != 0) {
		r = r == ES_EUNSAFE ? ES_EPOLICY : r;
		goto out;
	}
	if ((r = check_sig(path, buf, len, k, signer)) == 0)
		r = es_policy_load_buf(path, buf, len, out);
out:
	free(buf);
	free(k);
	return r;
}
