/* report/report.c — the run report: deep copies of items, JSON and text. */
#include "report/report.h"
#include "common/envseal.h"

#include <errno.h>
#include <string.h>

/* A run touches a handful of files; this bounds a runaway caller. */
#define ES_REPORT_MAX_ITEMS 4096

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static void
free_names(const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free((void *)v[i]);
	free((void *)v);
}

static int
dup_names(const char *const *src, size_t n, const char *const **dst)
{
	char **v;
	size_t i;

	*dst = NULL;
	if (n == 0)
		return 0;
	if ((v = calloc(n, sizeof *v)) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if ((v[i] = strdup(src[i])) == NULL) {
			free_names((const char *const *)v, i);
			return -ENOMEM;
		}
	}
	*dst = (const char *const *)v;
	return 0;
}

static void
item_free(struct es_report_item *it)
{
	free((void *)it->path);
	free((void *)it->kind);
	free((void *)it->owner);
	free((void *)it->group);
	free((void *)it->diff);
	free_names(it->added, it->nadded);
	free_names(it->removed, it->nremoved);
	free_names(it->changed, it->nchanged);
	memset(it, 0, sizeof *it);
}

int
es_report_add(struct es_report *rep, const struct es_report_item *src)
{
	struct es_report_item it = *src, *grown;
	int r = -ENOMEM;

	if (rep->n >= ES_REPORT_MAX_ITEMS)
		return es_failf(ES_ELIMIT, "more than %d report items",
		    ES_REPORT_MAX_ITEMS);
	it.path = dup_or_null(src->path);
	it.kind = dup_or_null(src->kind);
	it.owner = dup_or_null(src->owner);
	it.group = dup_or_null(src->group);
	it.diff = dup_or_null(src->diff);
	it.added = it.removed = it.changed = NULL;
	it.nadded = it.nremoved = it.nchanged = 0;
	if ((src->path && !it.path) || (src->kind && !it.kind) ||
	    (src->owner && !it.owner) || (src->group && !it.group) ||
	    (src->diff && !it.diff))
		goto out;
	if ((r = dup_names(src->added, src->nadded, &it.added)) != 0)
		goto out;
	it.nadded = src->nadded;
	if ((r = dup_names(src->removed, src->nremoved, &it.removed)) != 0)
		goto out;
	it.nremoved = src->nremoved;
	if ((r = dup_names(src->changed, src->nchanged, &it.changed)) != 0)
		goto out;
	it.nchanged = src->nchanged;
	grown = realloc(rep->items, (rep->n + 1) * sizeof *grown);
	if (grown == NULL) {
		r = -ENOMEM;
		goto out;
	}
	rep->items = grown;
	rep->items[rep->n++] = it;
	memset(&it, 0, sizeof it); /* transferred */
	r = 0;
out:
	item_free(&it);
	return r;
}

int
es_report_changed(const struct es_report *rep)
{
	size_t i;

	for (i = 0; i < rep->n; i++)
		switch (rep->items[i].action) {
		case ES_ACT_CREATED:
		case ES_ACT_REPLACED:
		case ES_ACT_METADATA:
			return 1;
		case ES_ACT_UNCHANGED:
		case ES_ACT_REFUSED:
			break;
		}
	return 0;
}

/* JSON string: quotes, backslash and control bytes escaped; other bytes
 * (paths and names are policy data) passed through. */
static void
json_str(FILE *out, const char *s)
{
	const unsigned char *p;

	if (s == NULL) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p == '\t')
			fputs("\\t", out);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void
json_names(FILE *out, const char *key, const char *const *v, size_t n)
{
	size_t i;

	fprintf(out, ", \"%s\": [", key);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", out);
		json_str(out, v[i]);
	}
	fputc(']', out);
}

void
es_report_print_json(const struct es_report *rep, FILE *out)
{
	const struct es_report_item *it;
	size_t i;

	fprintf(out, "{\"changed\": %s",
	    es_report_changed(rep) ? "true" : "false");
	if (rep->failed) {
		fprintf(out, ", \"failed\": true, \"rc\": %d, \"msg\": ",
		    rep->rc);
		json_str(out, rep->msg);
	}
	if (rep->has_daemon_reload)
		fprintf(out, ", \"daemon_reload\": %s",
		    rep->daemon_reload ? "true" : "false");
	fputs(", \"files\": [", out);
	for (i = 0; i < rep->n; i++) {
		it = &rep->items[i];
		fputs(i ? ", {" : "{", out);
		fputs("\"path\": ", out);
		json_str(out, it->path);
		fputs(", \"kind\": ", out);
		json_str(out, it->kind);
		fprintf(out, ", \"action\": \"%s\"", es_action_name(it->action));
		fputs(", \"owner\": ", out);
		json_str(out, it->owner);
		fputs(", \"group\": ", out);
		json_str(out, it->group);
		fprintf(out, ", \"mode\": \"%04o\"", (unsigned)(it->mode & 07777));
		json_names(out, "added", it->added, it->nadded);
		json_names(out, "removed", it->removed, it->nremoved);
		json_names(out, "changed", it->changed, it->nchanged);
		/* --diff: the masked unit or passwd diff (no env file has
		 * one: its names are the lists above). */
		if (it->diff != NULL && *it->diff) {
			fputs(", \"diff\": ", out);
			json_str(out, it->diff);
		}
		fputc('}', out);
	}
	fputs("]}\n", out);
}

static void
text_names(FILE *out, char sign, const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(out, "  %c %s\n", sign, v[i]);
}

void
es_report_print_text(const struct es_report *rep, FILE *out, int diff)
{
	const struct es_report_item *it;
	size_t i;

	for (i = 0; i < rep->n; i++) {
		it = &rep->items[i];
		fprintf(out, "%-9s %s %s:%s %04o\n", es_action_name(it->action),
		    it->path ? it->path : "?", it->owner ? it->owner : "?",
		    it->group ? it->group : "?", (unsigned)(it->mode & 07777));
		if (!diff)
			continue;
		text_names(out, '+', it->added, it->nadded);
		text_names(out, '-', it->removed, it->nremoved);
		text_names(out, '~', it->changed, it->nchanged);
		if (it->diff != NULL && *it->diff)
			fputs(it->diff, out);
	}
}

void
es_report_free(struct es_report *rep)
{
	size_t i;

	for (i = 0; i < rep->n; i++)
		item_free(&rep->items[i]);
	free(rep->items);
	rep->items = NULL;
	rep->n = 0;
}
