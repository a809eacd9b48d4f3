/*
 * cmd/lint.c — `envseal policy lint [--policy FILE] [--format
 * text|json|sarif] [--fail-on low|medium|high] [--max-exposure N]`:
 * options, the findings of policy/lint.h and of ES008
 * (provision/provision.h, es_lint_exposure) in one of three forms, the
 * exit status. No rule lives here.
 */
#include "cmd/cmd.h"
#include "common/envseal.h"
#include "policy/lint.h"
#include "policy/policy.h"
#include "provision/provision.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_POLICY = OPT_CMD_BASE,
	OPT_FORMAT,
	OPT_FAIL_ON,
	OPT_MAX_EXPOSURE,
	OPT_HELP,
};

enum lint_format { FMT_TEXT, FMT_JSON, FMT_SARIF };

/* ES008's threshold: systemd-analyze calls a unit "OK" up to 2.0 (its
 * first band above "SAFE"); its scale runs 0.0 to 10.0. */
#define LINT_MAX_EXPOSURE 2.0
#define LINT_EXPOSURE_TOP 10.0

/* s as a threshold in 0.0..10.0: 0, or -1. */
static int
parse_exposure(const char *s, double *out)
{
	char *end;
	double v;

	if (*s < '0' || *s > '9')
		return -1;   /* strtod's "inf", "nan", " 1", "-0" */
	v = strtod(s, &end);
	if (*end != '\0' || !isfinite(v) || v > LINT_EXPOSURE_TOP)
		return -1;
	*out = v;
	return 0;
}

/* The policy's name in SARIF when it is the embedded default. */
#define LINT_EMBEDDED_URI "envseal-embedded-policy.yml"

static void
usage(FILE *f)
{
	cmd_help("policy lint", f);
}

static void
print_text(const struct es_policy *p, const struct es_lint *l, FILE *out)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		fprintf(out, "%s:%zu: %s %s: %s\n", p->source, l->v[i].line,
		    es_lint_sev_name(l->v[i].severity), l->v[i].rule,
		    l->v[i].message);
	fprintf(out, "policy lint: %zu finding%s\n", l->n, l->n == 1 ? "" :
	    "s");
}

static void
print_json(const struct es_policy *p, const struct es_lint *l, FILE *out)
{
	size_t i;

	fputs("{\"policy\": ", out);
	es_fput_json_str(out, p->source);
	fputs(", \"findings\": [", out);
	for (i = 0; i < l->n; i++) {
		fprintf(out, "%s\n  {\"rule\": \"%s\", \"severity\": \"%s\", "
		    "\"line\": %zu, \"message\": ", i ? "," : "", l->v[i].rule,
		    es_lint_sev_name(l->v[i].severity), l->v[i].line);
		es_fput_json_str(out, l->v[i].message);
		fputc('}', out);
	}
	fputs("\n]}\n", out);
}

/* SARIF's levels for our severities. */
static const char *
sarif_level(enum es_lint_sev s)
{
	return s == ES_SEV_HIGH ? "error" : s == ES_SEV_MEDIUM ? "warning" :
	    "note";
}

static void
sarif_rules(FILE *out)
{
	const struct es_lint_rule *r;
	size_t i, n;

	r = es_lint_rules(&n);
	for (i = 0; i < n; i++) {
		fprintf(out, "%s\n        {\"id\": \"%s\", \"name\": \"%s\", "
		    "\"shortDescription\": {\"text\": ", i ? "," : "", r[i].id,
		    r[i].name);
		es_fput_json_str(out, r[i].summary);
		fprintf(out, "}, \"defaultConfiguration\": {\"level\": \"%s\"}, "
		    "\"properties\": {\"severity\": \"%s\"}}",
		    sarif_level(r[i].severity), es_lint_sev_name(r[i].severity));
	}
}

static void
print_sarif(const struct es_policy *p, const struct es_lint *l, FILE *out)
{
	const char *uri = strcmp(p->source, "<embedded>") ? p->source :
	    LINT_EMBEDDED_URI;
	size_t i;

	fputs("{\"$schema\": \"https://json.schemastore.org/sarif-2.1.0."
	    "json\", \"version\": \"2.1.0\",\n \"runs\": [{\"tool\": "
	    "{\"driver\": {\"name\": \"envseal\", \"version\": \""
	    ENVSEAL_VERSION "\", \"rules\": [", out);
	sarif_rules(out);
	fputs("]}},\n  \"results\": [", out);
	for (i = 0; i < l->n; i++) {
		fprintf(out, "%s\n    {\"ruleId\": \"%s\", \"level\": \"%s\", "
		    "\"message\": {\"text\": ", i ? "," : "", l->v[i].rule,
		    sarif_level(l->v[i].severity));
		es_fput_json_str(out, l->v[i].message);
		fputs("}, \"locations\": [{\"physicalLocation\": "
		    "{\"artifactLocation\": {\"uri\": ", out);
		es_fput_json_str(out, uri);
		fprintf(out, "}, \"region\": {\"startLine\": %zu}}}], "
		    "\"properties\": {\"severity\": \"%s\"}}",
		    l->v[i].line ? l->v[i].line : 1,
		    es_lint_sev_name(l->v[i].severity));
	}
	fputs("]}]}\n", out);
}

static int
parse_format(const char *s, enum lint_format *f)
{
	if (!strcmp(s, "text"))
		*f = FMT_TEXT;
	else if (!strcmp(s, "json"))
		*f = FMT_JSON;
	else if (!strcmp(s, "sarif"))
		*f = FMT_SARIF;
	else
		return -1;
	return 0;
}

static int
report(const struct es_policy *p, const struct es_lint *l,
    enum lint_format fmt, enum es_lint_sev fail_on)
{
	FILE *out;
	size_t i;

	if ((out = es_esc_stream(stdout, ES_ESC_KEEP_NL)) == NULL)
		return cmd_fail("policy lint", -ENOMEM);
	if (fmt == FMT_SARIF)
		print_sarif(p, l, out);
	else if (fmt == FMT_JSON)
		print_json(p, l, out);
	else
		print_text(p, l, out);
	if (fclose(out) != 0 || fflush(stdout) != 0)
		return cmd_fail("policy lint", -EIO);
	for (i = 0; i < l->n; i++)
		if (l->v[i].severity >= fail_on)
			return ES_EXIT_DRIFT;
	return 0;
}

int
cmd_policy_lint(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "max-exposure", required_argument, NULL, OPT_MAX_EXPOSURE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	enum es_lint_sev fail_on = ES_SEV_HIGH;
	enum lint_format fmt = FMT_TEXT;
	double max_exposure = LINT_MAX_EXPOSURE;
	struct es_lint l = { 0 };
	struct es_policy *p = NULL;
	const char *path = NULL;
	int c, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_POLICY: path = optarg; break;
		case OPT_FORMAT:
			if (parse_format(optarg, &fmt) != 0)
				return cmd_usage("policy lint: --format %s: "
				    "text, json or sarif", optarg);
			break;
		case OPT_FAIL_ON:
			if (es_lint_sev_parse(optarg, &fail_on) != 0)
				return cmd_usage("policy lint: --fail-on %s: "
				    "low, medium or high", optarg);
			break;
		case OPT_MAX_EXPOSURE:
			if (parse_exposure(optarg, &max_exposure) != 0)
				return cmd_usage("policy lint: --max-exposure "
				    "%s: a number from 0.0 to 10.0", optarg);
			break;
		case 'h':
		case OPT_HELP:
			return usage(stdout), 0;
		default:
			return usage(stderr), cmd_bad_option("policy lint", c,
			    argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cmd_usage("policy lint: unexpected argument '%s'",
		    argv[optind]);
	if ((r = es_policy_load(path, &p)) != 0)
		return cmd_fail("policy lint", r);
	if ((r = es_lint_run(p, &l)) != 0 ||
	    (r = es_lint_exposure(p, max_exposure, &l)) != 0)
		r = cmd_fail("policy lint", r);
	else
		r = report(p, &l, fmt, fail_on);
	es_lint_free(&l);
	es_policy_free(p);
	return r;
}
