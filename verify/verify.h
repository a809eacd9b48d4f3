/*
 * verify/verify.h — `envseal verify`: does this host match its policy,
 * right now, without the vault key? Each item the policy makes (accounts,
 * directories, the unit, the service binary and the directories above
 * it, each env file) and the audit log are looked at, read-only, and
 * judged ok, drift (exists, differs), missing, or unknown (envseal has no
 * record of it, or the caller may not read it).
 *
 * Calling sequence:
 *	es_root_open(&root, dir, ES_ROOT_CHECK);   // no lock, nothing made
 *	struct es_vreport rep = { 0 };
 *	es_verify_run(root, policy, &opts, &rep);
 *	es_vreport_print_text(&rep, out);  or  es_vreport_print_json(...)
 *	es_vreport_free(&rep);
 *
 * Read-only: it takes no lock, creates nothing, appends no audit record,
 * and works on a read-only root. It reads an env file's bytes only to
 * parse its names and fingerprint them with the audit key (root only);
 * no value is ever copied into the report: expected and actual hold
 * owners, modes, kinds, names and line numbers.
 *
 * The unit's expected bytes are provision's (es_unit_render); an env
 * file's expected names and fingerprint are those of the last audit
 * record of a write to that path ("file" event without an error).
 *
 * Errors: 0 with the checks in rep (drift is not an error), or a negative
 * code when the host could not be looked at (a policy without a service
 * section is ES_EPOLICY). rep->integrity is set when the audit chain is
 * broken (the command exits 3 then).
 */
#ifndef ENVSEAL_VERIFY_H
#define ENVSEAL_VERIFY_H

#include <stddef.h>
#include <stdio.h>

#include "fs/fs.h"
#include "policy/policy.h"

/* Longest expected/actual text of a check: owners, a mode, a unit line
 * or a list of names; longer lists are cut and end "...". */
#define ES_VERIFY_TEXT_MAX 1024
/* Checks one run makes at most: a policy has at most ES_POLICY_MAX_ITEMS
 * directories and env files, each a few checks, and the binary's path at
 * most ES_PATH_MAX / 2 components. */
#define ES_VERIFY_CHECKS_MAX (8 * ES_POLICY_MAX_ITEMS + ES_PATH_MAX)

enum es_vstatus {
	ES_V_OK,
	ES_V_DRIFT,
	ES_V_MISSING,
	ES_V_UNKNOWN,
};
/* "ok", "drift", "missing", "unknown". */
const char *es_vstatus_name(enum es_vstatus s);

struct es_vcheck {
	const char *kind;        /* "user", "group", "dir", "unit", ... */
	char *path;              /* malloc'd: a path or an account name */
	enum es_vstatus status;
	char *expected;          /* malloc'd, may be "" */
	char *actual;
};

struct es_vreport {
	struct es_vcheck *v;
	size_t n, cap;
	int integrity;           /* the audit chain is broken */
};

struct es_verify_opts {
	const char *expect_audit;  /* NULL, or a record hash the chain holds */
	const char *signer;        /* the key id that signed the policy, "" */
};

int es_verify_run(struct es_root *root, const struct es_policy *p,
    const struct es_verify_opts *o, struct es_vreport *rep);
/* 1 when every check is ok. */
int es_vreport_ok(const struct es_vreport *rep);
void es_vreport_print_text(const struct es_vreport *rep, FILE *out);
/* {"ok": bool, "checks": [{"kind","path","status","expected","actual"}]} */
void es_vreport_print_json(const struct es_vreport *rep, FILE *out);
void es_vreport_free(struct es_vreport *rep);

#endif
