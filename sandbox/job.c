/*
 * sandbox/job.c — es_job_execute(): what the worker does once its filter
 * is in. Pure: memory syscalls only (render/, vault/, crypto/).
 */
#include "sandbox/worker.h"
#include "render/render.h"
#include "vault/age.h"
#include "vault/vault.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/*
 * What es_vault_load_doc() opened, decided on the content, not on a
 * message: a whole-file envelope (doc->enveloped: it decrypted, or the
 * load failed), else
 * each top-level !vault scalar (each decrypted; nested ones are not, and
 * the renderer refuses them as values). A downgrade to plain YAML by
 * whoever can write the vault path counts 0.
 */
static size_t
count_encrypted(const struct es_ydoc *doc)
{
	size_t i, n = 0;

	/* es_vault_load_doc decided it: no second scan of the input. */
	if (doc->enveloped)
		return 1;
	for (i = 0; i < doc->n; i++)
		if (doc->e[i].vaulted && doc->e[i].kind == ES_Y_SCALAR)
			n++;
	return n;
}

/*
 * An age file (vault/age.h): the candidates split by kind — identities
 * (ES_AGE_ID_LABEL) and passwords, tried on an scrypt stanza — as shallow
 * views of job->secrets (never freed here). *used is the index in
 * job->secrets of the key that opened it. pt is the whole plaintext,
 * authenticated to its last chunk, or empty on failure.
 */
static int
age_open(const struct es_job *job, struct es_sbuf *pt, int *used)
{
	struct es_secrets ids, pws;
	size_t map_id[ES_SECRETS_MAX], map_pw[ES_SECRETS_MAX], i;
	struct es_age_result ar;
	int r;

	memset(&ids, 0, sizeof ids);
	memset(&pws, 0, sizeof pws);
	memset(&ar, 0, sizeof ar);
	for (i = 0; job->secrets != NULL && i < job->secrets->n; i++) {
		const struct es_secret *s = &job->secrets->v[i];
		if (strcmp(s->label, ES_AGE_ID_LABEL) == 0) {
			map_id[ids.n] = i;
			ids.v[ids.n++] = *s;
		} else {
			map_pw[pws.n] = i;
			pws.v[pws.n++] = *s;
		}
	}
	r = es_age_decrypt(job->input, job->input_len, &ids, &pws, pt, &ar);
	if (r == 0)
		*used = ar.ident >= 0 ? (int)map_id[ar.ident] :
		    ar.used >= 0 ? (int)map_pw[ar.used] : -1;
	else if (job->input_name != NULL) {
		char d[ES_ERRDETAIL_MAX];
		snprintf(d, sizeof d, "%s", es_errdetail());
		es_failf(r, "%s: %s", job->input_name, d);
	}
	/* The views alias the job's guarded buffers: only forget them. */
	sodium_memzero(&ids, sizeof ids);
	sodium_memzero(&pws, sizeof pws);
	return r;
}

/* The document of the input: an age file's plaintext (YAML; inline !vault
 * values in it opened with the passwords), else the Ansible Vault rules. */
static int
load_doc(const struct es_job *job, struct es_ydoc **doc, int *used,
    int *age)
{
	struct es_sbuf pt = { 0 };
	int r, u = -1;

	*age = es_age_is_age(job->input, job->input_len);
	if (!*age)
		return es_vault_load_doc(job->input, job->input_len,
		    job->secrets, doc, used);
	if ((r = age_open(job, &pt, used)) != 0)
		return r;
	r = es_vault_load_doc(pt.p ? pt.p : (const unsigned char *)"", pt.len,
	    job->secrets, doc, &u);
	es_sbuf_free(&pt);
	return r;
}

static int
job_render(const struct es_job *job, struct es_job_result *res)
{
	const struct es_render_spec *s = job->render;
	struct es_ydoc *doc = NULL;
	struct es_env env;
	struct es_env_diff d;
	int r, age;

	memset(&env, 0, sizeof env);
	if (s == NULL)
		return es_failf(ES_EBUG, "render job without a spec");
	if ((r = load_doc(job, &doc, &res->used, &age)) != 0)
		goto out;
	res->nencrypted = age ? 1 : count_encrypted(doc);
	if (res->nencrypted == 0 && !job->allow_plaintext) {
		r = es_failf(ES_EINTEGRITY, "%s is not encrypted (no vault "
		    "envelope, no !vault value); refused (allow_plaintext: "
		    "true in the policy's env_files entry allows it)",
		    job->input_name ? job->input_name : "vault");
		goto out;
	}
	if ((r = es_render_doc(s, doc, &env)) != 0)
		goto out;
	/* The new side straight from the encoder: no second parse of the
	 * file it just wrote. The old file is parsed: it may be anything. */
	r = es_env_diff_env(s->have_old ? s->old : NULL, s->old_len, &env, &d);
	if (r != 0)
		goto out;
	res->out = env.out;
	res->names = env.names;
	res->nnames = env.nnames;
	memset(&env.out, 0, sizeof env.out);   /* transferred */
	env.names = NULL;
	env.nnames = 0;
	res->added = d.added;
	res->nadded = d.nadded;
	res->removed = d.removed;
	res->nremoved = d.nremoved;
	res->changed = d.changed;
	res->nchanged = d.nchanged;
out:
	es_env_free(&env);
	if (doc != NULL)
		es_ydoc_free(doc);
	return r;
}

/* `vault reencrypt`: the identities open the file, new_secret holds the
 * recipients; nencrypted reports what was done (es_age_reencrypted). */
static int
job_recipients(const struct es_job *job, struct es_job_result *res)
{
	const struct es_secret *rs = job->new_secret;
	struct es_secrets ids;
	enum es_age_reencrypted how = ES_AGE_NEW_KEY;
	size_t i;
	int r;

	if (rs == NULL || strcmp(rs->label, ES_AGE_RECIPIENTS_LABEL) != 0 ||
	    rs->len == 0 || rs->len % ES_AGE_KEY != 0)
		return es_failf(ES_EBUG, "reencrypt job without recipients");
	if (!es_age_is_age(job->input, job->input_len))
		return es_failf(ES_EUSAGE, "%s: not an age file (vault migrate "
		    "turns an Ansible Vault into one)", job->input_name ?
		    job->input_name : "input");
	memset(&ids, 0, sizeof ids);
	for (i = 0; job->secrets != NULL && i < job->secrets->n; i++)
		if (strcmp(job->secrets->v[i].label, ES_AGE_ID_LABEL) == 0)
			ids.v[ids.n++] = job->secrets->v[i];
	r = es_age_reencrypt(job->input, job->input_len, &ids, rs->bytes,
	    rs->len / ES_AGE_KEY, &res->out, &how);
	sodium_memzero(&ids, sizeof ids);   /* a view: forget, never free */
	if (r != 0 && job->input_name != NULL) {
		char d[ES_ERRDETAIL_MAX];
		snprintf(d, sizeof d, "%s", es_errdetail());
		return es_failf(r, "%s: %s", job->input_name, d);
	}
	res->nencrypted = (size_t)how;
	return r;
}

/* `vault set/unset` and `vault edit/create` (vault/edit.c); the detail
 * names the file. */
static int
job_edit(const struct es_job *job, struct es_job_result *res)
{
	const char *lbl = job->new_label ? job->new_label :
	    job->new_secret ? job->new_secret->label : NULL;
	enum es_vset how = ES_VSET_UNCHANGED;
	int r, changed = 0;

	if (job->op == ES_JOB_SET) {
		r = es_vault_set(job->input, job->input_len, job->secrets,
		    job->new_secret, lbl, job->key, job->plain, job->plain_len,
		    &res->out, &how, &res->used);
		res->nencrypted = (size_t)how;
	} else {
		struct es_vkeydiff d;

		r = es_vault_reseal(job->input, job->input_len, job->secrets,
		    job->new_secret, lbl, job->plain ? job->plain :
		    (const unsigned char *)"", job->plain_len, &res->out,
		    &changed, &res->used, &d);
		res->nencrypted = (size_t)changed;
		/* The key names, for the audit record (transferred). */
		res->added = d.added;
		res->nadded = d.nadded;
		res->removed = d.removed;
		res->nremoved = d.nremoved;
		res->changed = d.changed;
		res->nchanged = d.nchanged;
	}
	if (r != 0 && job->input_name != NULL) {
		char d[ES_ERRDETAIL_MAX];

		snprintf(d, sizeof d, "%s", es_errdetail());
		return es_failf(r, "%s: %s", job->input_name, d);
	}
	return r;
}

/* The new key, whichever candidate it came as (an old source may name the
 * new password too: a rerun given both must still skip what is done). */
static int
is_new_key(const struct es_secret *s, const struct es_secret *n)
{
	return s->len == n->len && (s->len == 0 ||
	    sodium_memcmp(s->bytes, n->bytes, s->len) == 0);
}

/* ES_JOB_ROTATE (worker.h), with the derived-key memo on: each of the
 * file's salts is derived once per key, not once per open. */
static int
rotate_steps(const struct es_job *job, struct es_job_result *res)
{
	const struct es_secrets *all = job->secrets;
	struct es_secrets only, one;
	struct es_sbuf a = { 0 }, b = { 0 };
	int r, used = -1, rused = -1, whole;

	memset(&only, 0, sizeof only);
	only.v[only.n++] = *job->new_secret;
	whole = es_vault_is_envelope(job->input, job->input_len);
	if ((r = es_vault_decrypt_view(job->input, job->input_len, all, &a,
	    &used)) != 0)
		goto out;
	res->used = used;
	if (used >= 0 && (size_t)used < all->n &&
	    is_new_key(&all->v[used], job->new_secret)) {
		if (!whole) {
			r = es_vault_decrypt_view(job->input, job->input_len,
			    &only, &b, &rused);
			if (r != 0 && r != ES_EKEY)
				goto out;
			es_sbuf_free(&b);
		}
		if (whole || r == 0) {
			res->nencrypted = ES_JROT_ALREADY;
			r = 0;
			goto out;
		}
	}
	one = *all;
	if (whole && used >= 0) {
		memset(&one, 0, sizeof one);
		one.v[one.n++] = all->v[used];
		one.id_match = all->id_match;
	}
	if ((r = es_vault_rekey(job->input, job->input_len, &one,
	    job->new_secret, job->new_label, &res->out, &rused)) != 0)
		goto out;
	if (es_vault_decrypt_view(res->out.p, res->out.len, &only, &b,
	    &rused) != 0) {
		r = es_failf(ES_EINTEGRITY, "%s: the re-encrypted file does "
		    "not open with the new key; nothing replaced",
		    job->input_name);
		goto out;
	}
	if (a.len != b.len || (a.len > 0 && sodium_memcmp(a.p, b.p, a.len)
	    != 0)) {
		r = es_failf(ES_EINTEGRITY, "%s: the re-encrypted file opens "
		    "to another plaintext; nothing replaced", job->input_name);
		goto out;
	}
	res->nencrypted = ES_JROT_REKEYED;
out:
	es_sbuf_free(&a);
	es_sbuf_free(&b);
	return r;
}

static int
job_rotate(const struct es_job *job, struct es_job_result *res)
{
	int r;

	if (es_age_is_age(job->input, job->input_len))
		return es_failf(ES_EUSAGE, "%s: an age file: rotate is for "
		    "Ansible Vault (vault reencrypt re-wraps an age file); "
		    "nothing replaced", job->input_name);
	if (job->new_secret == NULL || job->secrets == NULL)
		return es_failf(ES_EBUG, "rotate without its keys");
	es_av_memo_on();
	r = rotate_steps(job, res);
	es_av_memo_off();
	return r;
}

int
es_job_execute(const struct es_job *job, struct es_job_result *res)
{
	int r;

	memset(res, 0, sizeof *res);
	res->used = -1;
	switch (job->op) {
	case ES_JOB_RENDER:
		r = job_render(job, res);
		break;
	case ES_JOB_DECRYPT:
		if (es_age_is_age(job->input, job->input_len))
			r = age_open(job, &res->out, &res->used);
		else
			r = es_vault_decrypt_view(job->input, job->input_len,
			    job->secrets, &res->out, &res->used);
		break;
	case ES_JOB_AGE_RECIPIENTS:
		r = job_recipients(job, res);
		break;
	case ES_JOB_REKEY:
		if (es_age_is_age(job->input, job->input_len))
			return es_failf(ES_EUSAGE, "%s: an age file: rekey is "
			    "for Ansible Vault (encrypt the plaintext again "
			    "with vault encrypt -r)", job->input_name ?
			    job->input_name : "input");
		if (job->new_secret == NULL)
			return es_failf(ES_EBUG, "rekey without a secret");
		r = es_vault_rekey(job->input, job->input_len, job->secrets,
		    job->new_secret, job->new_label, &res->out, &res->used);
		break;
	case ES_JOB_ROTATE:
		r = job_rotate(job, res);
		break;
	case ES_JOB_SET:
	case ES_JOB_SEAL:
		r = job_edit(job, res);
		break;
	default:
		return es_failf(ES_EBUG, "unknown job %d", (int)job->op);
	}
	if (r != 0)
		es_job_result_free(res);
	return r;
}

void
es_job_result_free(struct es_job_result *res)
{
	es_sbuf_free(&res->out);
	es_strv_free(res->names, res->nnames);
	es_strv_free(res->added, res->nadded);
	es_strv_free(res->removed, res->nremoved);
	es_strv_free(res->changed, res->nchanged);
	memset(res, 0, sizeof *res);
	res->used = -1;
}
