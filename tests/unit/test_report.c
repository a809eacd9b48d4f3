/* tests/unit/test_report.c — the run report: JSON shape and escaping,
 * "changed", deep copies. */
#include "fs/report.h"
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
	return t_done();
}
