/* tests/unit/test_lint.c — policy/lint.c on policies loaded from text:
 * each rule fires on its case and the sound policy has no finding; a
 * static value is never quoted in a message. The CLI table is
 * tests/cli/policy_lint.sh. */
#include "policy/lint.h"
#include "policy/policy.h"
#include "common/envseal.h"
#include "tests/unit/t.h"

#include <stdio.h>
#include <string.h>

static const char base[] =
    "envseal: 1\n"
    "service:\n"
    "  name: app\n  user: app\n  group: app\n  home: /srv/app\n"
    "  exec: /usr/local/bin/app\n"
    "  ip_allow: [%s]\n"
    "  read_write_paths: [%s]\n"
    "  unit: /etc/systemd/system/app.service\n"
    "directories:\n"
    "  - {path: /srv/app, owner: root, group: app, mode: \"0750\"}\n"
    "  - {path: /var/lib/app, owner: app, group: app, mode: \"0750\"}\n"
    "env_files:\n"
    "  - path: /etc/app/app.env\n"
    "    vault: /srv/v.yml\n"
    "    owner: root\n    group: root\n    mode: \"0600\"\n"
    "    static:\n      %s: \"%s\"\n";

/* The rule ids found, space-separated, and whether value was quoted. */
static int
lint(const char *ip, const char *rw, const char *name, const char *value,
    char *ids, size_t size, int *quoted)
{
	char text[4096];
	struct es_policy *p = NULL;
	struct es_lint l = { 0 };
	size_t i;
	int r;

	snprintf(text, sizeof text, base, ip, rw, name, value);
	if ((r = es_policy_load_buf("t.yml", (const unsigned char *)text,
	    strlen(text), &p)) != 0)
		return r;
	r = es_lint_run(p, &l);
	ids[0] = '\0';
	*quoted = 0;
	for (i = 0; i < l.n; i++) {
		if (!strstr(ids, l.v[i].rule))
			snprintf(ids + strlen(ids), size - strlen(ids), "%s%s",
			    *ids ? " " : "", l.v[i].rule);
		*quoted |= strstr(l.v[i].message, value) != NULL;
	}
	es_lint_free(&l);
	es_policy_free(p);
	return r;
}

static void
test_cases(void)
{
	static const struct {
		const char *name, *ip, *rw, *var, *value, *ids;
	} c[] = {
		{ "sound", "localhost, 10.1.0.0/16", "/var/lib/app", "PORT",
		    "8080", "" },
		{ "any", "any", "/var/lib/app", "PORT", "8080", "ES007" },
		{ "public /32", "1.1.1.1/32", "/var/lib/app", "PORT", "8080",
		    "ES007" },
		{ "10/7 is wider than 10/8", "10.0.0.0/7", "/var/lib/app",
		    "PORT", "8080", "ES007" },
		{ "ipv6 ula", "fd12::/16", "/var/lib/app", "PORT", "8080", "" },
		{ "rw outside", "localhost", "/var/cache/app", "PORT", "8080",
		    "ES005" },
		{ "rw holds the binary", "localhost", "/usr/local", "PORT",
		    "8080", "ES001 ES005" },
		{ "secret by name", "localhost", "/var/lib/app", "API_KEY",
		    "abc", "ES004" },
		{ "KEYBOARD is no key", "localhost", "/var/lib/app",
		    "KEYBOARD", "us", "" },
		{ "secret by value", "localhost", "/var/lib/app", "SEED",
		    "aZ3kQ9mX2pL7vB4nR8tW", "ES004" },
		{ "a lower-case url is no secret", "localhost", "/var/lib/app",
		    "URL", "https://api.internal.example/v1/x", "" },
	};
	char ids[256], name[128];
	size_t i;
	int quoted, r;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		r = lint(c[i].ip, c[i].rw, c[i].var, c[i].value, ids,
		    sizeof ids, &quoted);
		snprintf(name, sizeof name, "%s: [%s]", c[i].name, c[i].ids);
		T_CHECK(name, r == 0 && !strcmp(ids, c[i].ids));
		if (!strcmp(c[i].ids, "ES004")) {
			snprintf(name, sizeof name, "%s: value not quoted",
			    c[i].name);
			T_CHECK(name, !quoted);
		}
	}
}

int
main(void)
{
	test_cases();
	return t_done();
}
