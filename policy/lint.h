/*
 * policy/lint.h — `envseal policy lint`: judge a loaded policy on its own,
 * before any host exists. Each finding has a stable rule id, a severity,
 * the policy file's line and a one-line reason naming keys, paths and
 * variable names, never a value.
 *
 * Calling sequence:
 *	es_policy_load(path, &p);
 *	struct es_lint lint = { 0 };
 *	es_lint_run(p, &lint);             // pure: reads no file
 *	es_lint_exposure(p, max, &lint);   // ES008 (provision/provision.h)
 *	... lint.v[i].rule, .severity, .line, .message ...
 *	es_lint_free(&lint);
 *
 * Rules (ids never change meaning; new rules get new ids):
 *	ES001 high    the service binary is under a policy directory (or a
 *	              read_write_paths entry) the service user or group can
 *	              write: a compromised service replaces its own code
 *	ES002 high    an env file readable by the service's group
 *	      medium  an env file not owned by root, or readable by another
 *	              group (PID 1 reads EnvironmentFile= as root: 0600 root
 *	              is enough)
 *	ES003 medium  a relative vault path (resolved against whatever
 *	              directory the run starts in)
 *	ES004 high    a static value that looks like a secret (its name ends
 *	              _PASSWORD, _SECRET, _TOKEN, _KEY, or the value is long
 *	              and high-entropy): secrets belong in the vault
 *	ES005 medium  a read_write_paths entry under no policy directory
 *	ES006 high    allow_plaintext set on an env file
 *	ES007 medium  an ip_allow entry wider than loopback and private
 *	              ranges (high for "any")
 *	ES008 medium  a unit provision would write (the service's, and with
 *	              env_service its env services) scores over the
 *	              threshold (default 2.0) as systemd-analyze security
 *	              --offline=yes scores it
 *	      low     unknown: systemd-analyze is missing, or printed no
 *	              score for a unit (not scored, said so)
 *
 * Errors: 0, or -ENOMEM. Findings are not errors.
 */
#ifndef ENVSEAL_POLICY_LINT_H
#define ENVSEAL_POLICY_LINT_H

#include <stddef.h>

#include "policy/policy.h"

/* Longest finding message: a rule's sentence and two policy paths. */
#define ES_LINT_MSG_MAX (2 * 3072 + 256)
/* Findings kept: every item of a policy can trip a few rules. */
#define ES_LINT_MAX (8 * ES_POLICY_MAX_ITEMS)

enum es_lint_sev {
	ES_SEV_LOW = 1,
	ES_SEV_MEDIUM,
	ES_SEV_HIGH,
};
/* "low", "medium", "high". */
const char *es_lint_sev_name(enum es_lint_sev s);
/* The severity named s: 0, or ES_EUSAGE. */
int es_lint_sev_parse(const char *s, enum es_lint_sev *out);

struct es_lint_rule {
	const char *id;          /* "ES001" */
	const char *name;        /* "binary-writable-by-service" */
	enum es_lint_sev severity;   /* its default (highest) severity */
	const char *summary;
};
/* Every rule, in id order; *n set to their number. */
const struct es_lint_rule *es_lint_rules(size_t *n);
/* The rule with that id, or NULL. */
const struct es_lint_rule *es_lint_rule_find(const char *id);

struct es_lint_finding {
	const char *rule;        /* a rule id (static) */
	enum es_lint_sev severity;
	size_t line;             /* in the policy file, from 1 */
	char *message;           /* malloc'd */
};

struct es_lint {
	struct es_lint_finding *v;
	size_t n, cap;
};

int es_lint_run(const struct es_policy *p, struct es_lint *out);
/* Append one finding of rule (an id of the table: anything else is a
 * BUG) at line, its message formatted (names, paths, scores: never a
 * value). Beyond ES_LINT_MAX findings it keeps none and returns 0.
 * Errors: 0, -EINVAL, -ENOMEM. For the rules that live outside this file
 * (ES008). */
__attribute__((format(printf, 5, 6))) int es_lint_add(struct es_lint *l,
    const char *rule, enum es_lint_sev sev, size_t line, const char *fmt,
    ...);
void es_lint_free(struct es_lint *l);

#endif
