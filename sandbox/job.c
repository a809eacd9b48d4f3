/*
 * sandbox/job.c — es_job_execute(): what the worker does once its filter
 * is in. Pure: memory syscalls only (render/, vault/, crypto/).
 */
#include "sandbox/worker.h"
#include "render/render.h"
#include "vault/vault.h"

#include <string.h>

/*
 * What es_vault_load_doc() opened, decided on the content, not on a
 * message: a whole-file envelope (it decrypted, or the load failed), else
 * each top-level !vault scalar (each decrypted; nested ones are not, and
 * the renderer refuses them as values). A downgrade to plain YAML by
 * whoever can write the vault path counts 0.
 */
static size_t
count_encrypted(const struct es_job *job, const struct es_ydoc *doc)
{
	size_t i, n = 0;

	if (es_vault_is_envelope(job->input, job->input_len))
		return 1;
	for (i = 0; i < doc->n; i++)
		if (doc->e[i].vaulted && doc->e[i].kind == ES_Y_SCALAR)
			n++;
	return n;
}

static int
job_render(const struct es_job *job, struct es_job_result *res)
{
	const struct es_render_spec *s = job->render;
	struct es_ydoc *doc = NULL;
	struct es_env env;
	struct es_env_diff d;
	int r;

	memset(&env, 0, sizeof env);
	if (s == NULL)
		return es_failf(ES_EINTERNAL, "render job without a spec");
	r = es_vault_load_doc(job->input, job->input_len, job->secrets, &doc,
	    &res->used);
	if (r != 0)
		goto out;
	res->nencrypted = count_encrypted(job, doc);
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
		r = es_vault_decrypt_view(job->input, job->input_len,
		    job->secrets, &res->out, &res->used);
		break;
	case ES_JOB_REKEY:
		if (job->new_secret == NULL)
			return es_failf(ES_EINTERNAL, "rekey without a secret");
		r = es_vault_rekey(job->input, job->input_len, job->secrets,
		    job->new_secret, job->new_label, &res->out, &res->used);
		break;
	default:
		return es_failf(ES_EINTERNAL, "unknown job %d", (int)job->op);
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
