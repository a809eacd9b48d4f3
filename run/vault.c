/*
 * run/vault.c — the runs of `envseal vault` (run/vault.h): inputs read
 * through fs/, decryption and rekeying in the sandboxed worker, sealing
 * with vault/, outputs written through fs/, audited as root.
 */
#include "run/vault.h"
#include "keys/keysrc.h"
#include "vault/age.h"
#include "vault/vault.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
es_vrun_alloc(struct es_vrun *v, size_t n)
{
	size_t m = n ? n : 1;

	v->n = n;
	v->in = calloc(m, sizeof *v->in);
	v->out = calloc(m, sizeof *v->out);
	v->raw = calloc(m, sizeof *v->raw);
	v->rawlen = calloc(m, sizeof *v->rawlen);
	v->act = calloc(m, sizeof *v->act);
	return v->in && v->out && v->raw && v->rawlen && v->act ? 0 : -ENOMEM;
}

void
es_vrun_free(struct es_vrun *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		if (v->in)
			es_sbuf_free(&v->in[i]);
		if (v->out)
			es_sbuf_free(&v->out[i]);
		if (v->raw && v->raw[i]) {
			es_wipe(v->raw[i], v->rawlen[i]);
			free(v->raw[i]);
		}
	}
	free(v->in);
	free(v->out);
	free(v->raw);
	free(v->rawlen);
	free(v->act);
	es_secrets_free(&v->secrets);
	es_secrets_free(&v->fresh);
	es_root_close(v->audit);
	memset(v, 0, sizeof *v);
}

int
es_vrun_write_fd(int fd, const unsigned char *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return es_failf(-errno, "standard output: %s",
			    strerror(errno));
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int
es_vrun_read_stdin(struct es_sbuf *b)
{
	int r;

	/* The password may have been piped in already (-). */
	if ((r = es_keysrc_take_stdin("input file -")) != 0)
		return r;
	return es_read_fd_secure(STDIN_FILENO, ES_VAULT_MAX, b,
	    "standard input");
}

int
es_vrun_read_input(const char *path, struct es_sbuf *b)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int r;

	if (!strcmp(path, "-"))
		return es_vrun_read_stdin(b);
	if ((r = es_user_read_file(path, ES_VAULT_MAX, &buf, &len)) != 0)
		return r;
	r = es_sbuf_append(b, buf, len);
	if (r == 0 && b->p == NULL)
		r = es_sbuf_reserve(b, 1);
	es_wipe(buf, len);
	free(buf);
	return r;
}

/* Input i for decrypt and rekey: ciphertext (or YAML whose secrets are
 * !vault values), so one heap buffer of its size is fine; stdin still
 * goes to guarded memory. Sets *p, *len. */
static int
read_cipher(struct es_vrun *v, size_t i, const char *path,
    const unsigned char **p, size_t *len)
{
	int r;

	if (!strcmp(path, "-")) {
		if ((r = es_vrun_read_stdin(&v->in[i])) != 0)
			return r;
		*p = v->in[i].p;
		*len = v->in[i].len;
		return 0;
	}
	if ((r = es_user_read_file(path, ES_VAULT_MAX, &v->raw[i],
	    &v->rawlen[i])) != 0)
		return r;
	*p = v->raw[i];
	*len = v->rawlen[i];
	return 0;
}

int
es_vrun_job(const struct es_vrun *v, struct es_job *job, int record,
    struct es_job_result *res)
{
	const struct es_secret *by;
	int r, ar;

	job->secrets = &v->secrets;
	if (job->input == NULL)
		job->input = (const unsigned char *)"";
	/* The worker cannot reach getrandom(): a job that may seal (all
	 * but a decrypt) inherits a fresh seed, drawn for each job since the
	 * parent's generator does not advance with the worker's (a test
	 * build's fixed salt still wins). */
	if (job->op != ES_JOB_DECRYPT && (r = es_salt_seed()) != 0)
		return r;
	r = es_worker_run(job, res);
	/* The vault a job opens goes on record (path, ciphertext sha256 or
	 * keyed fingerprint, the key that opened it), opened or not. */
	if (record) {
		by = r == 0 && res->used >= 0 && (size_t)res->used <
		    v->secrets.n ? &v->secrets.v[res->used] : NULL;
		ar = es_audit_vault(v->audit, job->input_name, job->input,
		    job->input_len, es_vault_is_ciphertext(job->input,
		    job->input_len), by != NULL ? by->label : NULL);
		if (r == 0)
			r = ar;
	}
	if (r != 0) {
		es_job_result_free(res);
		return r;
	}
	return res->out.p == NULL ? es_sbuf_reserve(&res->out, 1) : 0;
}

/* A decrypt or rekey of one input: its bytes into out, the key that
 * opened it into *used (when not NULL). */
static int
run_job(const struct es_vrun *v, enum es_job_op op, const char *name,
    const unsigned char *in, size_t inlen, const char *new_label,
    struct es_sbuf *out, int *used)
{
	struct es_job job = {
		.op = op,
		.input_name = name,
		.input = in,
		.input_len = inlen,
		.new_secret = op == ES_JOB_REKEY ? &v->fresh.v[v->fresh_idx] :
		    NULL,
		.new_label = new_label,
	};
	struct es_job_result res;
	int r;

	if ((r = es_vrun_job(v, &job, 0, &res)) != 0)
		return r;
	*out = res.out;   /* transferred */
	memset(&res.out, 0, sizeof res.out);
	if (used != NULL)
		*used = res.used;
	es_job_result_free(&res);
	return 0;
}

/* 1 when a and b hold the same secret bytes (constant time). */
static int
same_secret(const struct es_secret *a, const struct es_secret *b)
{
	return a->len == b->len && es_ct_equal(a->bytes, b->bytes, a->len);
}

/* 1 when the envelopes a and b start with the same header line. */
static int
same_header(const unsigned char *a, size_t alen, const unsigned char *b,
    size_t blen)
{
	const unsigned char *ea = memchr(a, '\n', alen);
	const unsigned char *eb = memchr(b, '\n', blen);

	return ea && eb && ea - a == eb - b && !memcmp(a, b, (size_t)(ea - a));
}

/*
 * Quiet diffs: a whole-file envelope that the rekey's new secret already
 * opens (the secret that opened it holds the same bytes) and whose header
 * the new envelope repeats has nothing to change: the input's own bytes
 * replace the new envelope, and fs/ then finds the file unchanged.
 */
static int
keep_if_same(struct es_vrun *v, size_t i, const unsigned char *in,
    size_t len, int used)
{
	struct es_sbuf *o = &v->out[i];

	if (used < 0 || (size_t)used >= v->secrets.n ||
	    !es_vault_is_envelope(in, len) ||
	    !same_secret(&v->secrets.v[used], &v->fresh.v[v->fresh_idx]) ||
	    !same_header(in, len, o->p, o->len))
		return 0;
	o->len = 0;
	return es_sbuf_append(o, in, len);
}

int
es_vrun_decrypt_all(struct es_vrun *v, char *const *paths,
    enum es_job_op op, const char *new_label, size_t *bad)
{
	const unsigned char *p;
	size_t i, len;
	int r, ar, used;

	for (i = 0; i < v->n; i++) {
		*bad = i;
		if ((r = read_cipher(v, i, paths[i], &p, &len)) != 0)
			return r;
		used = -1;
		r = run_job(v, op, paths[i], p, len, new_label, &v->out[i],
		    &used);
		/* On record whether or not it opened: path, ciphertext
		 * sha256 (or keyed fingerprint), the key that opened it. */
		ar = es_audit_vault(v->audit, paths[i], p ? p :
		    (const unsigned char *)"", len,
		    es_vault_is_ciphertext(p, len), r == 0 && used >= 0 &&
		    (size_t)used < v->secrets.n ? v->secrets.v[used].label :
		    NULL);
		if (r == 0)
			r = ar;
		if (r != 0)
			return r;
		if (op == ES_JOB_REKEY &&
		    (r = keep_if_same(v, i, p, len, used)) != 0)
			return r;
	}
	return 0;
}

/*
 * Quiet diffs for encrypt --output: when dest is an existing whole-file
 * vault that secret k opens (in the worker) to the same plaintext, and
 * the new envelope would carry the same header, dest's bytes are kept.
 * Any failure here only means "not the same": the new envelope stands.
 */
static int
keep_dest_if_same(struct es_vrun *v, const char *src, const char *dest,
    size_t k, const struct es_sbuf *pt, struct es_sbuf *env)
{
	unsigned char *old = NULL;
	size_t oldlen = 0;
	struct es_sbuf opened = { 0 };
	int used = -1, r = 0;

	/* In place, dest is the plaintext just read: nothing to keep. */
	if (dest == src || !strcmp(dest, "-"))
		return 0;
	if (es_user_read_file(dest, ES_VAULT_MAX, &old, &oldlen) != 0 ||
	    !es_vault_is_envelope(old, oldlen) ||
	    !same_header(old, oldlen, env->p, env->len) ||
	    run_job(v, ES_JOB_DECRYPT, dest, old, oldlen, NULL, &opened,
	    &used) != 0) {
		es_errclear();   /* not the same: the new envelope stands */
		goto out;
	}
	if (used >= 0 && (size_t)used < v->secrets.n &&
	    same_secret(&v->secrets.v[used], &v->secrets.v[k]) &&
	    opened.len == pt->len && es_ct_equal(opened.p, pt->p, pt->len)) {
		env->len = 0;
		r = es_sbuf_append(env, old, oldlen);
	}
out:
	es_sbuf_free(&opened);
	if (old != NULL) {
		es_wipe(old, oldlen);
		free(old);
	}
	return r;
}

int
es_vrun_encrypt_all(struct es_vrun *v, char *const *paths,
    char *const *dests, size_t k, size_t *bad)
{
	const struct es_secret *s = &v->secrets.v[k];
	struct es_sbuf *in;
	size_t i;
	int r;

	for (i = 0; i < v->n; i++) {
		*bad = i;
		in = &v->in[i];
		if ((r = es_vrun_read_input(paths[i], in)) != 0)
			return r;
		if (es_vault_is_envelope(in->p, in->len) || (in->len >= 14 &&
		    !memcmp(in->p, "$ANSIBLE_VAULT", 14)))
			return es_failf(ES_EUSAGE, "already an Ansible Vault");
		if (es_age_is_age(in->p, in->len))
			return es_failf(ES_EUSAGE, "already an age file");
		if ((r = es_vault_seal(in->p, in->len, s, s->label,
		    &v->out[i])) != 0 ||
		    (r = keep_dest_if_same(v, paths[i], dests[i], k, in,
		    &v->out[i])) != 0)
			return r;
		es_sbuf_free(in);
	}
	return 0;
}

int
es_vrun_audit_open(struct es_vrun *v, const char *command,
    const char *audit_root)
{
	int r;

	if (geteuid() != 0 || v->audit != NULL)
		return 0;
	if ((r = es_root_open(&v->audit, audit_root, 0)) != 0)
		return r;
	return es_audit_begin(v->audit, command, NULL);
}

int
es_vrun_write_all(struct es_vrun *v, char *const *dests, unsigned flags,
    size_t *bad)
{
	size_t i;
	int r = 0;

	for (i = 0; i < v->n && r == 0; i++) {
		*bad = i;
		if (!strcmp(dests[i], "-"))
			r = es_vrun_write_fd(STDOUT_FILENO, v->out[i].p,
			    v->out[i].len);
		else
			r = es_user_write_file(v->audit, dests[i], v->out[i].p,
			    v->out[i].len, 0, flags, &v->act[i]);
	}
	if (r == 0)
		*bad = v->n;
	return r;
}

/* "NAME: !vault |" (or "!vault |"), then the envelope indented by 10. */
static int
put_yaml_block(const char *name, const struct es_sbuf *env,
    struct es_sbuf *out)
{
	size_t i = 0, j;
	int r;

	if (name != NULL && ((r = es_sbuf_append(out, name, strlen(name))) != 0 ||
	    (r = es_sbuf_append(out, ": ", 2)) != 0))
		return r;
	if ((r = es_sbuf_append(out, "!vault |\n", 9)) != 0)
		return r;
	while (i < env->len) {
		for (j = i; j < env->len && env->p[j] != '\n'; j++)
			;
		if ((r = es_sbuf_append(out, ES_VRUN_STRING_INDENT,
		    strlen(ES_VRUN_STRING_INDENT))) != 0 ||
		    (r = es_sbuf_append(out, env->p + i, j - i + 1)) != 0)
			return r;
		i = j + 1;
	}
	return 0;
}

int
es_vrun_seal_string(struct es_vrun *v, size_t k, const char *name,
    const struct es_sbuf *pt, struct es_sbuf *out)
{
	struct es_sbuf env = { 0 };
	int r;

	if (pt->len == 0)
		return es_failf(ES_EUSAGE, "empty string to encrypt");
	r = es_vault_seal(pt->p, pt->len, &v->secrets.v[k],
	    v->secrets.v[k].label, &env);
	if (r == 0)
		r = put_yaml_block(name, &env, out);
	es_sbuf_free(&env);
	return r;
}

int
es_vrun_view_text(const struct es_sbuf *pt, struct es_sbuf *out)
{
	size_t i = 0, k;
	int r = 0;

	while (i < pt->len && r == 0) {
		if ((k = es_utf8_len(pt->p + i, pt->len - i)) == 0) {
			r = es_sbuf_putc(out, '?');
			i++;
		} else {
			r = es_sbuf_append(out, pt->p + i, k);
			i += k;
		}
	}
	if (r == 0 && (pt->len == 0 || pt->p[pt->len - 1] != '\n'))
		r = es_sbuf_putc(out, '\n');
	return r;
}

int
es_vrun_new_secret(struct es_vrun *v, const char *new_vault_id,
    const char *new_pwfile, const char *encrypt_id, const char **label)
{
	const char *spec = new_vault_id ? new_vault_id : new_pwfile;
	char buf[ES_LABEL_MAX + 2];
	const char *id = es_keysrc_encrypt_id(encrypt_id, buf, sizeof buf);
	int r = 0;

	v->fresh_idx = 0;
	if (id != NULL)
		r = es_keysrc_add_identity_list(&v->fresh, &v->secrets);
	if (r == 0)
		r = es_keysrc_add(&v->fresh, spec, new_vault_id != NULL,
		    &v->secrets);
	if (r == 0 && id != NULL &&
	    (r = es_keysrc_add_password_env(&v->fresh, &v->secrets)) == 0)
		r = es_keysrc_pick(&v->fresh, id, &v->fresh_idx);
	if (r != 0)
		return r;
	/* A label only when one was given or picked: otherwise each file
	 * keeps its own. */
	if (id != NULL)
		*label = v->fresh.v[v->fresh_idx].label;
	else
		*label = new_vault_id && strchr(new_vault_id, '@') ?
		    v->fresh.v[0].label : NULL;
	if (*label && strcmp(*label, "default") != 0 &&
	    !es_vault_label_ok(*label))
		return es_failf(ES_EUSAGE, "label must be printable ASCII "
		    "without ';'");
	return 0;
}
