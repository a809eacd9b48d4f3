/*
 * cmd/rotate.c — `envseal rotate`: options, the run lock and audit run
 * around es_rotate_run() (run/rotate.h) and, with --render, es_render_run()
 * in the same run; the report (text or --json) and the exit status.
 */
#include "cmd/cmd.h"
#include "common/envseal.h"
#include "fs/fs.h"
#include "report/report.h"
#include "policy/policy.h"
#include "run/rotate.h"
#include "run/run.h"
#include "vault/vault.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_POLICY = OPT_CMD_BASE,
	OPT_ROOT,
	OPT_CHECK,
	OPT_JSON,
	OPT_RENDER,
	OPT_HELP,
	OPT_TRUSTED_KEY,
	OPT_NEW_PWFILE,
	OPT_NEW_VAULT_ID,
};

static const struct option rotate_longopts[] = {
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "render", no_argument, NULL, OPT_RENDER },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "trusted-key", required_argument, NULL, OPT_TRUSTED_KEY },
	{ "new-vault-password-file", required_argument, NULL, OPT_NEW_PWFILE },
	{ "new-vault-id", required_argument, NULL, OPT_NEW_VAULT_ID },
	CMD_KEYSRC_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

struct ropts {
	const char *policy, *root, *trusted_key;
	const char *new_pwfile, *new_vault_id;
	int check, json, render;
	struct es_keysrc_opts keys;
	char *const *files;
	size_t nfiles;
	char signer[17];
};

/* What the run holds, freed in one place. */
struct rrun {
	struct es_policy *p;
	const char **paths;
	size_t npaths;
	struct es_secrets old, fresh;
	struct es_rotate rot;
	struct es_report rep;
	struct es_root *root;
};

static void
usage(FILE *f)
{
	cmd_help("rotate", f);
}

static int
take_opt(struct ropts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_POLICY: o->policy = arg; return 0;
	case OPT_ROOT: o->root = arg; return 0;
	case OPT_CHECK: o->check = 1; return 0;
	case OPT_JSON: o->json = 1; return 0;
	case OPT_RENDER: o->render = 1; return 0;
	case OPT_TRUSTED_KEY: o->trusted_key = arg; return 0;
	case OPT_NEW_PWFILE: o->new_pwfile = arg; return 0;
	case OPT_NEW_VAULT_ID: o->new_vault_id = arg; return 0;
	default: return -1;
	}
}

static int
check_opts(const struct ropts *o)
{
	if ((o->new_pwfile == NULL) == (o->new_vault_id == NULL))
		return cmd_usage("rotate: give the new key with exactly one of "
		    "--new-vault-password-file FILE or --new-vault-id "
		    "LABEL@SOURCE");
	if (o->nfiles > 0 && o->policy != NULL)
		return cmd_usage("rotate: give --policy or vault files, not "
		    "both");
	if (o->nfiles > 0 && o->render)
		return cmd_usage("rotate: --render re-renders a policy's env "
		    "files: give --policy, not vault files");
	/* render reads the new key's source again: stdin is read once. */
	if (o->render) {
		struct es_keysrc_opts ks;
		memset(&ks, 0, sizeof ks);
		if (o->new_vault_id != NULL)
			ks.vault_ids[ks.n_vault_ids++] = o->new_vault_id;
		else
			ks.password_files[ks.n_password_files++] =
			    o->new_pwfile;
		if (es_keysrc_reads_stdin(&ks))
			return cmd_usage("rotate: --render reads the new key "
			    "again: give it as a file, not on stdin");
	}
	return 0;
}

/* 0 parsed; -1 help printed; else the usage exit status. */
static int
parse(int argc, char **argv, struct ropts *o)
{
	int c, k;

	memset(o, 0, sizeof *o);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hi:", rotate_longopts, NULL)) !=
	    -1) {
		if ((k = cmd_keysrc_option(&o->keys, c, optarg)) == 1)
			continue;
		if (k < 0)
			return cmd_usage("rotate: too many key sources");
		if (c == 'h' || c == OPT_HELP) {
			usage(stdout);
			return -1;
		}
		if (take_opt(o, c, optarg) != 0) {
			usage(stderr);
			return cmd_bad_option("rotate", c, argv[optind - 1]);
		}
	}
	o->files = argv + optind;
	o->nfiles = (size_t)(argc - optind);
	return check_opts(o);
}

/* The policy's vaults, each once, in the policy's order. */
static int
policy_vaults(struct rrun *v)
{
	size_t i, j;

	if ((v->paths = calloc(v->p->nenv_files + 1, sizeof *v->paths)) ==
	    NULL)
		return -ENOMEM;
	for (i = 0; i < v->p->nenv_files; i++) {
		const char *vault = v->p->env_files[i].vault;
		if (vault == NULL)
			continue;
		for (j = 0; j < v->npaths && strcmp(v->paths[j], vault); j++)
			;
		if (j == v->npaths)
			v->paths[v->npaths++] = vault;
	}
	if (v->npaths == 0)
		return es_failf(ES_EPOLICY, "%s: names no vault to rotate",
		    v->p->source);
	return 0;
}

/* The new key: the source's own label only when LABEL@ was given (else
 * each value keeps its label, as vault rekey). */
static int
load_keys(const struct ropts *o, struct rrun *v, const char **label)
{
	const char *spec = o->new_vault_id ? o->new_vault_id : o->new_pwfile;
	int r;

	*label = NULL;
	if ((r = es_keysrc_load(&o->keys, &v->old)) != 0)
		return r;
	if ((r = es_keysrc_add(&v->fresh, spec, o->new_vault_id != NULL,
	    &v->old)) != 0)
		return cmd_fail_prefix(r, "new key");
	if (o->new_vault_id != NULL && strchr(o->new_vault_id, '@') != NULL)
		*label = v->fresh.v[0].label;
	if (*label != NULL && strcmp(*label, "default") != 0 &&
	    !es_vault_label_ok(*label))
		return es_failf(ES_EUSAGE, "new key: label must be printable "
		    "ASCII without ';'");
	return 0;
}

/* The library never prints; this is what a waiting command says. */
static void
lock_notice(const char *lockpath, void *arg)
{
	(void)arg;
	cmd_note("waiting for the lock %s", lockpath);
}

static int
begin(const struct ropts *o, struct rrun *v)
{
	int r;

	if ((r = es_root_open(&v->root, o->root, o->check ? ES_ROOT_CHECK :
	    0)) != 0)
		return r;
	es_root_set_lock_notice(v->root, lock_notice, NULL);
	es_audit_set_signer(v->root, o->signer);
	if ((r = es_root_lock(v->root)) != 0)
		return r;
	return es_audit_begin(v->root, "rotate", v->p ? v->p->sha256 : NULL);
}

/* --render: the policy's env files from the rotated vaults with the new
 * key's source (loaded again by render, as a render of its own would),
 * in this audit run. Their values did not change: each is "unchanged". */
static int
render_after(const struct ropts *o, struct rrun *v)
{
	struct es_keysrc_opts ks;
	struct es_render_opts ro;
	int r;

	memset(&ks, 0, sizeof ks);
	if (o->new_vault_id != NULL)
		ks.vault_ids[ks.n_vault_ids++] = o->new_vault_id;
	else
		ks.password_files[ks.n_password_files++] = o->new_pwfile;
	ks.no_prompt = 1;
	memset(&ro, 0, sizeof ro);
	ro.keys = &ks;
	ro.flags = o->check ? ES_RENDER_CHECK : 0;
	r = es_render_run(v->root, v->p, &ro, &v->rep);
	if (ro.no_landlock)
		cmd_warn_no_landlock();
	return r;
}

/* --- the report -------------------------------------------------------------- */

/* What file f came to: "rotated" (or "would rotate" under --check),
 * "already" (under the new key: skipped), "failed", "not rotated". */
static const char *
file_word(const struct ropts *o, const struct es_rotate_file *f)
{
	switch (f->state) {
	case ES_ROT_ROTATE:
		return o->check ? "would rotate" : f->replaced ? "rotated" :
		    "not rotated";
	case ES_ROT_ALREADY:
		return "already";
	case ES_ROT_FAILED:
		return "failed";
	default:
		return "not rotated";
	}
}

static size_t
count(const struct ropts *o, const struct es_rotate *rot, const char *word)
{
	size_t i, n = 0;

	for (i = 0; i < rot->n; i++)
		n += strcmp(file_word(o, &rot->f[i]), word) == 0;
	return n;
}

/* After a failure only what was replaced goes on record (the error line
 * named the file that failed): the rest is as it was. */
static void
print_text(const struct ropts *o, const struct rrun *v, int status,
    FILE *out)
{
	const struct es_rotate *rot = &v->rot;
	size_t i;

	for (i = 0; status != 0 && i < rot->n; i++)
		if (rot->f[i].replaced)
			fprintf(out, "rotated %s\n", rot->f[i].path);
	if (status != 0)
		return;
	for (i = 0; i < rot->n; i++) {
		const char *w = file_word(o, &rot->f[i]);
		fprintf(out, "%s %s%s\n", w, rot->f[i].path,
		    !strcmp(w, "already") ? " (under the new key: skipped)" :
		    "");
	}
	if (rot->n > 0)
		fprintf(out, "rotate: %zu %s, %zu already under the new key, "
		    "%zu failed%s\n", o->check ? count(o, rot, "would rotate") :
		    count(o, rot, "rotated"), o->check ? "would rotate" :
		    "rotated", count(o, rot, "already"),
		    count(o, rot, "failed"), rot->resumed ?
		    " (an unfinished rotation finished)" : "");
	if (v->rep.n > 0)
		es_report_print_text(&v->rep, out, 0);
}

static void
json_paths(FILE *out, const char *key, const struct ropts *o,
    const struct es_rotate *rot, const char *word)
{
	size_t i, k = 0;

	fprintf(out, ", \"%s\": [", key);
	for (i = 0; i < rot->n; i++) {
		if (strcmp(file_word(o, &rot->f[i]), word) != 0)
			continue;
		fputs(k++ ? ", " : "", out);
		es_fput_json_str(out, rot->f[i].path);
	}
	fputc(']', out);
}

/* {"changed", ["failed", "rc", "msg",] "check", "resumed", "rotated",
 * "already", "failed_files", "not_rotated", "files" (--render: each env
 * file's path and action)}. */
static void
print_json(const struct ropts *o, const struct rrun *v, int status,
    FILE *out)
{
	const struct es_rotate *rot = &v->rot;
	size_t i;

	fprintf(out, "{\"changed\": %s", (!o->check && count(o, rot,
	    "rotated") > 0) || es_report_changed(&v->rep) ? "true" : "false");
	if (status != 0) {
		fprintf(out, ", \"failed\": true, \"rc\": %d, \"msg\": ", status);
		es_fput_json_str(out, cmd_first_error());
	}
	fprintf(out, ", \"check\": %s, \"resumed\": %s", o->check ? "true" :
	    "false", rot->resumed ? "true" : "false");
	json_paths(out, o->check ? "would_rotate" : "rotated", o, rot,
	    o->check ? "would rotate" : "rotated");
	json_paths(out, "already", o, rot, "already");
	json_paths(out, "failed_files", o, rot, "failed");
	json_paths(out, "not_rotated", o, rot, "not rotated");
	fputs(", \"files\": [", out);
	for (i = 0; i < v->rep.n; i++) {
		fputs(i ? ", {\"path\": " : "{\"path\": ", out);
		es_fput_json_str(out, v->rep.items[i].path);
		fprintf(out, ", \"kind\": \"%s\", \"action\": \"%s\"}",
		    v->rep.items[i].kind, es_action_name(v->rep.items[i].action));
	}
	fputs("]}\n", out);
}

/* Say the error (r), print the report, end the audit run with the exit
 * status; the exit status. */
static int
finish(const struct ropts *o, struct rrun *v, int r)
{
	FILE *out;
	int status, ar;

	status = r == 0 ? 0 : cmd_fail("rotate", r);
	if (v->root != NULL && (ar = es_audit_end(v->root, status)) != 0 &&
	    status == 0)
		status = cmd_fail("rotate", ar);
	/* Paths came from input: escaped on the way. */
	out = es_esc_stream(o->json || status == 0 ? stdout : stderr,
	    ES_ESC_KEEP_NL);
	if (out == NULL)
		return status ? status : cmd_fail("rotate", -ENOMEM);
	if (o->json)
		print_json(o, v, status, out);
	else
		print_text(o, v, status, out);
	if (fclose(out) != 0 && status == 0)
		status = cmd_fail("rotate", -EIO);
	if (fflush(stdout) != 0 && status == 0)
		status = cmd_fail("rotate", -EIO);
	return status;
}

static void
rrun_free(struct rrun *v)
{
	es_rotate_free(&v->rot);
	es_report_free(&v->rep);
	es_secrets_free(&v->old);
	es_secrets_free(&v->fresh);
	es_root_close(v->root);
	free(v->paths);
	es_policy_free(v->p);
}

static int
run(struct ropts *o, struct rrun *v)
{
	struct es_rotate_keys k;
	const char *label;
	int r;

	if (o->nfiles == 0 || o->render) {
		if ((r = cmd_policy_load_trusted(o->root, o->policy,
		    o->trusted_key, &v->p, o->signer)) != 0)
			return r;
	}
	if (o->nfiles > 0) {
		if ((v->paths = calloc(o->nfiles, sizeof *v->paths)) == NULL)
			return -ENOMEM;
		for (v->npaths = 0; v->npaths < o->nfiles; v->npaths++)
			v->paths[v->npaths] = o->files[v->npaths];
	} else if ((r = policy_vaults(v)) != 0)
		return r;
	if ((r = load_keys(o, v, &label)) != 0)
		return r;
	if ((r = begin(o, v)) != 0)
		return r;
	k.old = &v->old;
	k.new_secret = &v->fresh.v[0];
	k.new_label = label;
	if ((r = es_rotate_run(v->root, v->paths, v->npaths, &k, &v->rot)) != 0)
		return r;
	/* The keys are no longer needed: render loads the new one itself. */
	es_secrets_free(&v->old);
	es_secrets_free(&v->fresh);
	if (o->render)
		r = render_after(o, v);
	return r;
}

int
cmd_rotate(int argc, char **argv)
{
	struct ropts o;
	struct rrun v;
	int r;

	memset(&v, 0, sizeof v);
	v.rot.failed = -1;
	if ((r = parse(argc, argv, &o)) != 0) {
		/* A usage error gets its JSON object too. */
		if (r > 0 && cmd_scan_json(argc, argv)) {
			o.json = 1;
			print_json(&o, &v, r, stdout);
		}
		return r < 0 ? 0 : r;
	}
	r = run(&o, &v);
	r = finish(&o, &v, r);
	rrun_free(&v);
	return r;
}
