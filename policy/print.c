/*
 * policy/print.c — `envseal policy show`: the effective policy (defaults
 * filled in) as YAML, through libyaml's emitter so that every string is
 * quoted exactly as YAML needs. Loading the output gives the same policy.
 */
#include "policy/policy.h"
#include "common/envseal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Longest number or mode text we print ("2147483646", "07777"). */
#define NUM_MAX 24

struct em {
	yaml_emitter_t e;
	int failed;
};

static void
emit(struct em *m, yaml_event_t *ev, int ok)
{
	if (m->failed)
		return;
	if (!ok || !yaml_emitter_emit(&m->e, ev))
		m->failed = 1;
}

/* plain: a number or a key that needs no quotes; else double-quoted when
 * YAML would read it as something other than a string. */
static void
str(struct em *m, const char *s, int plain)
{
	yaml_event_t ev;

	emit(m, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL,
	    (yaml_char_t *)(uintptr_t)s, (int)strlen(s), 1, 1,
	    plain ? YAML_PLAIN_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE));
}

static void
quoted(struct em *m, const char *s)
{
	yaml_event_t ev;

	emit(m, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL,
	    (yaml_char_t *)(uintptr_t)s, (int)strlen(s), 1, 1,
	    YAML_DOUBLE_QUOTED_SCALAR_STYLE));
}

static void
map_start(struct em *m, int flow)
{
	yaml_event_t ev;

	emit(m, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
	    flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE));
}

static void
map_end(struct em *m)
{
	yaml_event_t ev;

	emit(m, &ev, yaml_mapping_end_event_initialize(&ev));
}

static void
seq_start(struct em *m, int flow)
{
	yaml_event_t ev;

	emit(m, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
	    flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE));
}

static void
seq_end(struct em *m)
{
	yaml_event_t ev;

	emit(m, &ev, yaml_sequence_end_event_initialize(&ev));
}

static void
kv(struct em *m, const char *k, const char *v)
{
	str(m, k, 1);
	str(m, v, 0);
}

static void
kv_num(struct em *m, const char *k, long v)
{
	char num[NUM_MAX];
	int r = snprintf(num, sizeof num, "%ld", v);

	if (r < 0 || (size_t)r >= sizeof num)
		BUG("number does not fit NUM_MAX");
	str(m, k, 1);
	str(m, num, 1);
}

static void
kv_mode(struct em *m, const char *k, mode_t mode)
{
	char num[NUM_MAX];
	/* A leading 0 and at least three digits, as the loader reads a mode:
	 * "%04o" would print 01750 as "1750", which does not load back. */
	int r = snprintf(num, sizeof num, "0%03o", (unsigned)mode);

	if (r < 0 || (size_t)r >= sizeof num)
		BUG("mode does not fit NUM_MAX");
	str(m, k, 1);
	quoted(m, num);
}

static void
kv_list(struct em *m, const char *k, char *const *v, size_t n)
{
	size_t i;

	str(m, k, 1);
	seq_start(m, 1);
	for (i = 0; i < n; i++)
		str(m, v[i], 0);
	seq_end(m);
}

static void
print_service(struct em *m, const struct es_service *s)
{
	str(m, "service", 1);
	map_start(m, 0);
	kv(m, "name", s->name);
	kv(m, "user", s->user);
	kv(m, "group", s->group);
	if (s->uid >= 0)
		kv_num(m, "uid", s->uid);
	if (s->gid >= 0)
		kv_num(m, "gid", s->gid);
	kv(m, "gecos", s->gecos);
	kv(m, "home", s->home);
	kv(m, "shell", s->shell);
	kv(m, "exec", s->exec);
	if (s->listen_port)
		kv_num(m, "listen_port", (long)s->listen_port);
	kv_list(m, "ip_allow", s->ip_allow, s->n_ip_allow);
	kv_list(m, "read_write_paths", s->read_write_paths,
	    s->n_read_write_paths);
	kv(m, "unit", s->unit);
	if (s->env_service) {
		str(m, "env_service", 1);
		str(m, "true", 1);
		kv(m, "env_credential", s->env_credential);
		str(m, "env_credential_plain", 1);
		str(m, s->env_credential_plain ? "true" : "false", 1);
	}
	map_end(m);
}

static void
print_dirs(struct em *m, const struct es_policy *p)
{
	size_t i;

	str(m, "directories", 1);
	seq_start(m, 0);
	for (i = 0; i < p->ndirs; i++) {
		map_start(m, 1);
		kv(m, "path", p->dirs[i].path);
		kv(m, "owner", p->dirs[i].owner);
		kv(m, "group", p->dirs[i].group);
		kv_mode(m, "mode", p->dirs[i].mode);
		map_end(m);
	}
	seq_end(m);
}

static void
print_vars(struct em *m, const char *k, const struct es_env_var *v,
    size_t n, int values_quoted)
{
	size_t i;

	str(m, k, 1);
	map_start(m, 0);
	for (i = 0; i < n; i++) {
		str(m, v[i].name, 1);
		if (values_quoted)
			quoted(m, v[i].value);
		else
			str(m, v[i].value, 0);
	}
	map_end(m);
}

static void
print_env_files(struct em *m, const struct es_policy *p)
{
	size_t i;

	str(m, "env_files", 1);
	seq_start(m, 0);
	for (i = 0; i < p->nenv_files; i++) {
		const struct es_env_file *f = &p->env_files[i];

		map_start(m, 0);
		kv(m, "path", f->path);
		kv(m, "vault", f->vault);
		kv(m, "owner", f->owner);
		kv(m, "group", f->group);
		kv_mode(m, "mode", f->mode);
		str(m, "allow_plaintext", 1);
		str(m, f->allow_plaintext ? "true" : "false", 1);
		if (f->explicit_vars)
			print_vars(m, "vars", f->vars, f->nvars, 0);
		if (f->nstatics)
			print_vars(m, "static", f->statics, f->nstatics, 1);
		if (f->nrecipients)
			kv_list(m, "recipients", f->recipients, f->nrecipients);
		map_end(m);
	}
	seq_end(m);
}

static void
print_body(struct em *m, const struct es_policy *p)
{
	yaml_event_t ev;

	emit(m, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	emit(m, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL,
	    NULL, 1));
	map_start(m, 0);
	kv_num(m, "envseal", 1);
	if (p->service)
		print_service(m, p->service);
	if (p->dirs)
		print_dirs(m, p);
	if (p->env_files)
		print_env_files(m, p);
	map_end(m);
	emit(m, &ev, yaml_document_end_event_initialize(&ev, 1));
	emit(m, &ev, yaml_stream_end_event_initialize(&ev));
}

/* The YAML body into a malloc'd buffer; unicode: let UTF-8 through
 * (else libyaml writes every non-ASCII character as an escape). */
static int
emit_body(const struct es_policy *p, int unicode, char **buf, size_t *len)
{
	struct em m = { .failed = 0 };
	FILE *f;

	if ((f = open_memstream(buf, len)) == NULL)
		return -ENOMEM;
	if (!yaml_emitter_initialize(&m.e)) {
		fclose(f);
		return -ENOMEM;
	}
	yaml_emitter_set_output_file(&m.e, f);
	yaml_emitter_set_unicode(&m.e, unicode);
	yaml_emitter_set_width(&m.e, -1);
	print_body(&m, p);
	if (!m.failed && !yaml_emitter_flush(&m.e))
		m.failed = 1;
	yaml_emitter_delete(&m.e);
	if (fclose(f) != 0)
		m.failed = 1;
	if (m.failed)
		return es_failf(-EIO, "policy show: YAML emitter failed");
	return 0;
}

int
es_policy_print(const struct es_policy *p, FILE *out)
{
	char hex[65], *buf = NULL;
	size_t len = 0;
	int r;

	es_hex(hex, p->sha256, sizeof p->sha256);
	/* The source and hash are comments: the YAML itself round-trips. */
	if (fprintf(out, "# effective policy from %s\n# sha256 %s\n",
	    p->source, hex) < 0)
		return -EIO;
	/* libyaml lets bidi controls through as printable; a policy that
	 * holds one (or anything es_text_safe refuses) is written all-ASCII,
	 * with YAML's own escapes, so it still loads as the same policy. */
	if ((r = emit_body(p, 1, &buf, &len)) == 0 &&
	    !es_text_safe(buf, len, ES_ESC_KEEP_NL)) {
		free(buf);
		buf = NULL;
		r = emit_body(p, 0, &buf, &len);
	}
	if (r == 0 && fwrite(buf, 1, len, out) != len)
		r = -EIO;
	free(buf);
	return r;
}
