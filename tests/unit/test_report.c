/* tests/unit/test_report.c — the run report: JSON shape and escaping,
 * "changed", deep copies; printed through the terminal escaper as cmd/
 * prints it. */
#include "report/report.h"
#include "common/envseal.h"
#include "tests/unit/t.h"

#include <stdlib.h>
#include <string.h>

static char *
render_json(const struct es_report *rep)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	es_report_print_json(rep, f);
	fclose(f);
	return buf;
}

/* The text and JSON reports of one item whose names hold U+202E, ESC
 * and a C1 control, printed as cmd_run_end prints them: through
 * es_esc_stream. No raw control byte comes out; JSON stays JSON (the
 * escapes are JSON's own \u form for the bidi and C1 controls). */
static void
test_escaped(void)
{
	const char *added[] = { "A\xe2\x80\xae" "B" };
	struct es_report rep = { 0 };
	struct es_report_item it = {
		.path = "/etc/x\xe2\x80\xae" "y.env", .kind = "env",
		.action = ES_ACT_CREATED, .owner = "ro\x1b[2Jot",
		.group = "g\xc2\x9b" "1", .mode = 0600, .added = added,
		.nadded = 1, .diff = "+u\xe2\x80\xae\n",
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f, *e;

	T_CHECK("esc report: add", es_report_add(&rep, &it) == 0);
	f = open_memstream(&buf, &len);
	e = es_esc_stream(f, ES_ESC_KEEP_NL);
	es_report_print_text(&rep, e, 1);
	es_report_print_json(&rep, e);
	fclose(e);
	fclose(f);
	T_CHECK("esc report: no raw bidi, ESC or C1", buf &&
	    !strstr(buf, "\xe2\x80\xae") && !strchr(buf, '\x1b') &&
	    !strstr(buf, "\xc2\x9b"));
	T_CHECK("esc report: text line", buf && strstr(buf,
	    "created   /etc/x\\u202ey.env ro\\x1b[2Jot:g\\u009b1 0600\n"));
	T_CHECK("esc report: names and diff", buf &&
	    strstr(buf, "  + A\\u202eB\n+u\\u202e\n"));
	T_CHECK("esc report: JSON path as a JSON escape", buf &&
	    strstr(buf, "\"path\": \"/etc/x\\u202ey.env\""));
	free(buf);
	es_report_free(&rep);
}

int
main(void)
{
	struct es_report rep = { 0 };
	const char *added[] = { "DATABASE_URL", "PORT" };
	const char *changed[] = { "API\"KEY" };
	char path[] = "/etc/veza/backend-api.env";
	struct es_report_item it = {
		.path = path, .kind = "env", .action = ES_ACT_UNCHANGED,
		.owner = "root", .group = "root", .mode = 0600,
	};
	char *j;

	T_CHECK("empty report not changed", !es_report_changed(&rep));
	j = render_json(&rep);
	T_CHECK("empty json", !strcmp(j, "{\"changed\": false, \"files\": []}\n"));
	free(j);

	T_CHECK("add unchanged", es_report_add(&rep, &it) == 0);
	T_CHECK("unchanged is not changed", !es_report_changed(&rep));
	path[1] = 'X'; /* the report holds its own copy */
	it.path = "/etc/veza/other.env";
	it.action = ES_ACT_REPLACED;
	it.added = added;
	it.nadded = 2;
	it.changed = changed;
	it.nchanged = 1;
	T_CHECK("add replaced", es_report_add(&rep, &it) == 0);
	T_CHECK("replaced is changed", es_report_changed(&rep));
	rep.has_daemon_reload = 1;
	j = render_json(&rep);
	T_CHECK("deep copy of path",
	    strstr(j, "\"/etc/veza/backend-api.env\"") != NULL);
	T_CHECK("json changed true", !strncmp(j, "{\"changed\": true, "
	    "\"daemon_reload\": false, \"files\": [", 50));
	T_CHECK("json names", strstr(j, "\"added\": [\"DATABASE_URL\", "
	    "\"PORT\"], \"removed\": [], \"changed\": [\"API\\\"KEY\"]") != NULL);
	T_CHECK("json mode", strstr(j, "\"mode\": \"0600\"") != NULL);
	T_CHECK("json action", strstr(j, "\"action\": \"replaced\"") != NULL);
	free(j);
	es_report_free(&rep);
	T_CHECK("freed", rep.n == 0 && rep.items == NULL);
	test_escaped();
	return t_done();
}
