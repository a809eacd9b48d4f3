/*
 * report/report.h — what a run did, for humans and for Ansible's changed_when.
 *
 * Calling sequence:
 *	struct es_report rep = { 0 };
 *	es_report_add(&rep, &item);          // one per file or directory
 *	es_report_print_json(&rep, stdout);  // --json
 *	es_report_print_text(&rep, stdout);  // default
 *	es_report_free(&rep);
 *
 * JSON: {"changed": bool, ["daemon_reload": bool,] "files": [{"path",
 * "kind", "action", "owner", "group", "mode", "added", "removed",
 * "changed"[, "diff"]}]}, after "changed" a failed run's "failed", "rc"
 * and "msg". Items carry names and paths only, never values; `diff`
 * holds a unified diff of non-secret files (units, passwd family with the
 * shadow password field masked) or env-file name lists.
 */
#ifndef ENVSEAL_REPORT_H
#define ENVSEAL_REPORT_H

#include <stdio.h>
#include <sys/types.h>

#include "fs/fs.h"

struct es_report_item {
	const char *path;
	const char *kind;               /* "env", "dir", "unit", "passwd", ... */
	enum es_action action;
	const char *owner;
	const char *group;
	mode_t mode;
	const char *const *added;       /* env files: variable names */
	size_t nadded;
	const char *const *removed;
	size_t nremoved;
	const char *const *changed;
	size_t nchanged;
	const char *diff;               /* optional, no secrets */
};

struct es_report {
	struct es_report_item *items;   /* deep copies owned by the report */
	size_t n;
	int has_daemon_reload;          /* print "daemon_reload" in JSON */
	int daemon_reload;
	/* A failed run (cmd/ sets these): JSON adds "failed": true, "rc"
	 * and "msg" (the one-line error, never a value). Not owned. */
	int failed;
	int rc;
	const char *msg;
};

int es_report_add(struct es_report *rep, const struct es_report_item *it);
/* 1 when any item was created, replaced or repaired. */
int es_report_changed(const struct es_report *rep);
void es_report_print_json(const struct es_report *rep, FILE *out);
/* One line per item ("replaced /etc/veza/backend-api.env root:root 0600");
 * with diff, the +/-/~ name lists and diffs after each line. */
void es_report_print_text(const struct es_report *rep, FILE *out, int diff);
void es_report_free(struct es_report *rep);

#endif
