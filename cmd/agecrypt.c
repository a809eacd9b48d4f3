/*
 * cmd/agecrypt.c — the age options of `envseal vault encrypt`:
 * -r/--recipient age1..., -R/--recipients-file FILE, -a/--armor and
 * --age-passphrase, and the encryption they ask for (vault/age.h).
 *
 * Encryption runs in the parent, as Ansible Vault sealing already does:
 * it is ciphertext-only work on bytes read from the caller's own file (no
 * parsing of plaintext, no key material but public keys or the caller's
 * own passphrase), so the worker's confinement buys nothing here. The
 * file key, ephemeral secrets, salt and nonce come from es_salt_next(),
 * seeded from libsodium's randombytes right before (es_salt_seed()).
 *
 * `vault reencrypt` (cmd_age_reencrypt_one) is the other way round: it
 * opens the file, so it runs in the worker (ES_JOB_AGE_RECIPIENTS).
 */
#include "cmd/cmd.h"
#include "cmd/agecrypt.h"
#include "fs/fs.h"
#include "policy/policy.h"
#include "sandbox/worker.h"
#include "vault/age.h"
#include "vault/vault.h"

#include <stdlib.h>
#include <string.h>

/* A recipients file: one age1 line each (~63 bytes) for a large fleet. */
#define AGE_RECIPIENTS_FILE_MAX ((size_t)1 << 20)

int
cmd_age_option(struct cmd_age_opts *a, int opt, const char *arg)
{
	switch (opt) {
	case 'r':
		if (a->nrecipients >= ES_AGE_RECIPIENTS_MAX)
			return -1;
		a->recipients[a->nrecipients++] = arg;
		return 1;
	case 'R':
		if (a->nfiles >= CMD_AGE_FILES_MAX)
			return -1;
		a->files[a->nfiles++] = arg;
		return 1;
	case 'a':
		a->armor = 1;
		return 1;
	case OPT_AGE_PASSPHRASE:
		a->passphrase = 1;
		return 1;
	default:
		return 0;
	}
}

int
cmd_age_wanted(const struct cmd_age_opts *a)
{
	return a->nrecipients || a->nfiles || a->armor || a->passphrase;
}

int
cmd_age_check(const struct cmd_age_opts *a, const char *what)
{
	int have = a->nrecipients || a->nfiles;

	if (a->passphrase && have)
		return cmd_usage("%s: --age-passphrase and -r/-R exclude each "
		    "other (an scrypt stanza must be alone, age spec)", what);
	if (!a->passphrase && !have)
		return cmd_usage("%s: --armor needs -r, -R or --age-passphrase",
		    what);
	return -1;
}

/* Every -r and -R recipient into pk (room for ES_AGE_RECIPIENTS_MAX). */
int
cmd_age_recipients(const struct cmd_age_opts *a, unsigned char *pk, size_t *n)
{
	unsigned char *buf;
	size_t i, len;
	int r;

	*n = 0;
	for (i = 0; i < a->nrecipients; i++) {
		if ((r = es_age_recipient_decode(a->recipients[i],
		    pk + *n * ES_AGE_KEY)) != 0)
			return es_failf(r, "-r %s: %s", a->recipients[i],
			    "not an age X25519 recipient (age1...)");
		(*n)++;
	}
	for (i = 0; i < a->nfiles; i++) {
		if ((r = es_user_read_file(a->files[i], AGE_RECIPIENTS_FILE_MAX,
		    &buf, &len)) != 0)
			return r;
		r = es_age_recipients_parse(buf, len, a->files[i], pk,
		    ES_AGE_RECIPIENTS_MAX, n);
		free(buf);
		if (r != 0)
			return r;
	}
	if (*n == 0)
		return es_failf(ES_EUSAGE, "no recipient in the -R files");
	return 0;
}

int
cmd_age_seal(const struct cmd_age_opts *a, const unsigned char *pk, size_t npk,
    const struct es_secret *pw, const unsigned char *pt, size_t len,
    struct es_sbuf *out)
{
	if (es_age_is_age(pt, len))
		return es_failf(ES_EUSAGE, "already an age file");
	return es_age_encrypt(pt, len, a->passphrase ? NULL : pk,
	    a->passphrase ? 0 : npk, a->passphrase ? pw : NULL,
	    ES_AGE_SCRYPT_WF, a->armor, out);
}

/* --- vault reencrypt ----------------------------------------------------- */

/* An entry's recipients: each age1... string, or a file of them. */
static int
policy_recipients(const struct es_env_file *f, unsigned char *pk, size_t *n)
{
	unsigned char *buf;
	size_t i, len;
	int r;

	*n = 0;
	for (i = 0; i < f->nrecipients; i++) {
		const char *s = f->recipients[i];
		if (strncmp(s, "age1", 4) == 0) {
			if (*n >= ES_AGE_RECIPIENTS_MAX)
				return es_failf(ES_ELIMIT, "more than %d "
				    "recipients", ES_AGE_RECIPIENTS_MAX);
			if ((r = es_age_recipient_decode(s, pk + *n *
			    ES_AGE_KEY)) != 0)
				return es_failf(ES_EPOLICY, "%s: recipients[%zu]:"
				    " not an age X25519 recipient", f->vault, i);
			(*n)++;
			continue;
		}
		if ((r = es_user_read_file(s, (size_t)1 << 20, &buf, &len)) != 0)
			return r;
		r = es_age_recipients_parse(buf, len, s, pk,
		    ES_AGE_RECIPIENTS_MAX, n);
		free(buf);
		if (r != 0)
			return r;
	}
	return 0;
}

int
cmd_age_reencrypt_one(const struct es_env_file *f,
    const struct es_secrets *secrets, unsigned char **raw, size_t *rawlen,
    struct es_sbuf *out, const char **note)
{
	static unsigned char pk[ES_AGE_RECIPIENTS_MAX * ES_AGE_KEY];
	struct es_secret rs = { ES_AGE_RECIPIENTS_LABEL, pk, 0 };
	struct es_job job = { 0 };
	struct es_job_result res;
	size_t npk;
	int r;

	if ((r = policy_recipients(f, pk, &npk)) != 0)
		return r;
	if (npk == 0)
		return es_failf(ES_EPOLICY, "%s: recipients: none", f->vault);
	if ((r = es_user_read_file(f->vault, ES_VAULT_MAX, raw, rawlen)) != 0)
		return r;
	rs.len = npk * ES_AGE_KEY;
	job.op = ES_JOB_AGE_RECIPIENTS;
	job.input_name = f->vault;
	job.input = *raw;
	job.input_len = *rawlen;
	job.secrets = secrets;
	job.new_secret = &rs;
	/* The worker cannot reach getrandom(): it inherits a fresh seed. */
	if ((r = es_salt_seed()) != 0 || (r = es_worker_run(&job, &res)) != 0)
		return r;
	*out = res.out;   /* transferred */
	memset(&res.out, 0, sizeof res.out);
	*note = res.nencrypted == ES_AGE_UNCHANGED ? "recipients unchanged" :
	    res.nencrypted == ES_AGE_REWRAPPED ? "recipients added: file key "
	    "re-wrapped, payload kept byte for byte" : "new file key and "
	    "payload (a recipient was removed, or the file records none): "
	    "the removed hosts knew the old key and the secrets; rotate the "
	    "secrets themselves";
	es_job_result_free(&res);
	return 0;
}
