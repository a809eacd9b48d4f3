/*
 * verify/report.c — the checks of `envseal verify` as a list, and its two
 * printers (verify/verify.h). Texts hold names and metadata only.
 */
#include "verify/verify_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *
es_vstatus_name(enum es_vstatus s)
{
	static const char *const names[] = { "ok", "drift", "missing",
	    "unknown" };

	BUG_ON((unsigned)s >= sizeof names / sizeof names[0]);
	return names[s];
}

/* A text cut to ES_VERIFY_TEXT_MAX, marked "..." when cut. */
static char *
text_dup(const char *s)
{
	size_t n = strlen(s);
	char *t;

	if (n <= ES_VERIFY_TEXT_MAX)
		return strdup(s);
	if ((t = malloc(ES_VERIFY_TEXT_MAX + 1)) == NULL)
		return NULL;
	memcpy(t, s, ES_VERIFY_TEXT_MAX - 3);
	memcpy(t + ES_VERIFY_TEXT_MAX - 3, "...", 4);
	return t;
}

int
vr_add(struct es_vreport *rep, const char *kind, const char *path,
    enum es_vstatus st, const char *expected, const char *actual)
{
	struct es_vcheck *c, *nv;
	size_t cap;

	if (rep->n == ES_VERIFY_CHECKS_MAX)
		return es_failf(ES_ELIMIT, "verify: more than %d checks",
		    ES_VERIFY_CHECKS_MAX);
	if (rep->n == rep->cap) {
		cap = rep->cap ? 2 * rep->cap : 32;
		if ((nv = realloc(rep->v, cap * sizeof *nv)) == NULL)
			return -ENOMEM;
		rep->v = nv;
		rep->cap = cap;
	}
	c = &rep->v[rep->n];
	c->kind = kind;
	c->status = st;
	c->path = strdup(path);
	c->expected = text_dup(expected != NULL ? expected : "");
	c->actual = text_dup(actual != NULL ? actual : "");
	if (c->path == NULL || c->expected == NULL || c->actual == NULL) {
		free(c->path);
		free(c->expected);
		free(c->actual);
		return -ENOMEM;
	}
	rep->n++;
	return 0;
}

int
vr_addf(struct es_vreport *rep, const char *kind, const char *path,
    enum es_vstatus st, const char *expected, const char *fmt, ...)
{
	char actual[ES_VERIFY_TEXT_MAX + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(actual, sizeof actual, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sizeof actual)
		memcpy(actual + sizeof actual - 4, "...", 4);
	return vr_add(rep, kind, path, st, expected, actual);
}

int
es_vreport_ok(const struct es_vreport *rep)
{
	size_t i;

	for (i = 0; i < rep->n; i++)
		if (rep->v[i].status != ES_V_OK)
			return 0;
	return !rep->integrity;
}

void
es_vreport_print_text(const struct es_vreport *rep, FILE *out)
{
	const struct es_vcheck *c;
	size_t i, bad = 0;

	for (i = 0; i < rep->n; i++) {
		c = &rep->v[i];
		fprintf(out, "%-8s %-7s %s", es_vstatus_name(c->status),
		    c->kind, c->path);
		if (c->status == ES_V_OK)
			fprintf(out, "  %s\n", c->actual);
		else
			fprintf(out, "  expected %s; found %s\n",
			    *c->expected ? c->expected : "-",
			    *c->actual ? c->actual : "-");
		bad += c->status != ES_V_OK;
	}
	fprintf(out, "verify: %zu checks, %zu not ok\n", rep->n, bad);
}

void
es_vreport_print_json(const struct es_vreport *rep, FILE *out)
{
	const struct es_vcheck *c;
	size_t i;

	fprintf(out, "{\"ok\": %s, \"checks\": [",
	    es_vreport_ok(rep) ? "true" : "false");
	for (i = 0; i < rep->n; i++) {
		c = &rep->v[i];
		fputs(i ? ",\n  {\"kind\": " : "\n  {\"kind\": ", out);
		es_fput_json_str(out, c->kind);
		fputs(", \"path\": ", out);
		es_fput_json_str(out, c->path);
		fprintf(out, ", \"status\": \"%s\", \"expected\": ",
		    es_vstatus_name(c->status));
		es_fput_json_str(out, c->expected);
		fputs(", \"actual\": ", out);
		es_fput_json_str(out, c->actual);
		fputc('}', out);
	}
	fputs("\n]}\n", out);
}

void
es_vreport_free(struct es_vreport *rep)
{
	size_t i;

	for (i = 0; i < rep->n; i++) {
		free(rep->v[i].path);
		free(rep->v[i].expected);
		free(rep->v[i].actual);
	}
	free(rep->v);
	memset(rep, 0, sizeof *rep);
}
