/*
 * tests/unit/test_provision_unit.c — the unit renderer (directives from
 * the policy, '%' escaped, the privileged-port variant, deterministic) and
 * the unified line diff (hunks, context, masking, equal files).
 */
#include "common/envseal.h"
#include "policy/policy.h"
#include "provision/provision.h"
#include "tests/unit/t.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

static int
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return 1;
		p += n;
	}
	return 0;
}

static struct es_policy *
load(const char *text)
{
	struct es_policy *p = NULL;

	if (es_policy_load_buf("t.yml", (const unsigned char *)text,
	    strlen(text), &p) != 0)
		printf("#  load: %s\n", es_errdetail());
	return p;
}

static void
test_default_unit(void)
{
	struct es_policy *p = NULL;
	char *u = NULL, *u2 = NULL;
	size_t n = 0, n2 = 0;
	int r;

	es_policy_load(NULL, &p);
	r = es_unit_render(p, &u, &n);
	T_CHECK("default unit renders", r == 0 && u != NULL && strlen(u) == n);
	if (r != 0)
		goto out;
	T_CHECK("identity", has_line(u, "Type=exec") &&
	    has_line(u, "User=veza-api") && has_line(u, "Group=veza-api") &&
	    has_line(u, "ExecStart=/opt/veza/backend-api/veza-api") &&
	    has_line(u, "WorkingDirectory=/opt/veza/backend-api") &&
	    has_line(u, "Restart=on-failure") &&
	    has_line(u, "Description=Veza backend API"));
	T_CHECK("env file", has_line(u,
	    "EnvironmentFile=/etc/veza/backend-api.env"));
	T_CHECK("network from the policy", has_line(u, "IPAddressDeny=any") &&
	    has_line(u, "IPAddressAllow=localhost 10.0.0.0/8 172.16.0.0/12 "
	    "192.168.0.0/16") && has_line(u, "SocketBindAllow=tcp:8080") &&
	    has_line(u, "SocketBindDeny=any") &&
	    has_line(u, "RestrictAddressFamilies=AF_INET AF_INET6"));
	T_CHECK("paths from the policy", has_line(u,
	    "ReadWritePaths=/var/log/veza") && has_line(u,
	    "ExecPaths=/opt/veza/backend-api/veza-api /usr/lib") &&
	    has_line(u, "NoExecPaths=/") && has_line(u,
	    "ProtectSystem=strict"));
	T_CHECK("no capabilities, user namespace", has_line(u,
	    "CapabilityBoundingSet=") && has_line(u, "AmbientCapabilities=") &&
	    has_line(u, "PrivateUsers=yes"));
	T_CHECK("no directive newer than 252", has_line(u,
	    "ProtectHostname=yes") && has_line(u, "ProtectControlGroups=yes") &&
	    has_line(u, "PrivateTmp=yes") && !strstr(u, "PrivateUsers=self") &&
	    !strstr(u, "PrivatePIDs") && !strstr(u, "MemoryKSM") &&
	    !strstr(u, "ImportCredential") && !strstr(u, "disconnected"));
	r = es_unit_render(p, &u2, &n2);
	T_CHECK("deterministic", r == 0 && n == n2 && !memcmp(u, u2, n));
out:
	free(u);
	free(u2);
	es_policy_free(p);
}

static void
test_variants(void)
{
	struct es_policy *p;
	char *u = NULL;
	size_t n;

	p = load("envseal: 1\nservice:\n  name: web\n  user: www\n"
	    "  group: www\n  gecos: \"100% web\"\n  home: /srv\n"
	    "  exec: /srv/web\n  listen_port: 443\n");
	T_CHECK("variant loads", p != NULL);
	if (p == NULL)
		return;
	T_CHECK("variant renders", es_unit_render(p, &u, &n) == 0);
	if (u != NULL) {
		T_CHECK("percent escaped", has_line(u,
		    "Description=100%% web"));
		T_CHECK("port 443: one capability", has_line(u,
		    "AmbientCapabilities=CAP_NET_BIND_SERVICE") &&
		    has_line(u, "CapabilityBoundingSet=CAP_NET_BIND_SERVICE") &&
		    !strstr(u, "PrivateUsers"));
		T_CHECK("no ip_allow: deny all, no allow line",
		    has_line(u, "IPAddressDeny=any") &&
		    !strstr(u, "IPAddressAllow"));
		T_CHECK("no env files: no EnvironmentFile",
		    !strstr(u, "EnvironmentFile"));
		T_CHECK("no rw paths: no ReadWritePaths",
		    !strstr(u, "ReadWritePaths"));
	}
	free(u);
	es_policy_free(p);
	p = load("envseal: 1\n");
	T_CHECK("no service: ES_EPOLICY", p != NULL &&
	    es_unit_render(p, &u, &n) == ES_EPOLICY);
	es_policy_free(p);
}

static int
diff_is(const char *name, const char *a, const char *b, int mask,
    const char *want)
{
	char *d = NULL;
	int r = es_line_diff("/etc/x", (const unsigned char *)a, strlen(a),
	    (const unsigned char *)b, strlen(b), mask, &d);
	int ok = r == 0 && d != NULL && !strcmp(d, want);

	if (!ok)
		printf("#  %s: got [%s]\n", name, d ? d : "(null)");
	T_CHECK(name, ok);
	free(d);
	return ok;
}

static void
test_diff(void)
{
	diff_is("equal: empty", "a\nb\n", "a\nb\n", 0, "");
	diff_is("append", "a\nb\n", "a\nb\nc\n", 0,
	    "--- a/etc/x\n+++ b/etc/x\n@@ -1,2 +1,3 @@\n a\n b\n+c\n");
	diff_is("from nothing", "", "a\n", 0,
	    "--- a/etc/x\n+++ b/etc/x\n@@ -0,0 +1,1 @@\n+a\n");
	diff_is("replace in the middle, 3 lines of context",
	    "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nX\n6\n7\n8\n9\n", 0,
	    "--- a/etc/x\n+++ b/etc/x\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+X\n"
	    " 6\n 7\n 8\n");
	diff_is("two hunks far apart",
	    "a\n1\n2\n3\n4\n5\n6\n7\n8\nz\n", "A\n1\n2\n3\n4\n5\n6\n7\n8\nZ\n",
	    0, "--- a/etc/x\n+++ b/etc/x\n@@ -1,4 +1,4 @@\n-a\n+A\n 1\n 2\n"
	    " 3\n@@ -7,4 +7,4 @@\n 6\n 7\n 8\n-z\n+Z\n");
	diff_is("masked shadow fields",
	    "root:$6$SECRET:19000:0:99999:7:::\n",
	    "root:$6$SECRET:19000:0:99999:7:::\nsvc:!*:20784::::::\n", 1,
	    "--- a/etc/x\n+++ b/etc/x\n@@ -1,1 +1,2 @@\n"
	    " root:<masked>:19000:0:99999:7:::\n+svc:<masked>:20784::::::\n");
	diff_is("masked: short lines, passwd hash, no colon, x kept",
	    "a:$6$H1\nb:$6$H2:\n$6$H3\nc:x:1:1::/:/bin/sh\n\n",
	    "a:$6$H1\nb:$6$H2:\n$6$H3\nc:x:1:1::/:/bin/sh\n\nd:$1$H4:2:\n",
	    1, "--- a/etc/x\n+++ b/etc/x\n@@ -3,3 +3,4 @@\n <masked>\n"
	    " c:x:1:1::/:/bin/sh\n \n+d:<masked>:2:\n");
	diff_is("masked: a field 2 that only starts with x",
	    "", "a:xH5\nb:\n", 1,
	    "--- a/etc/x\n+++ b/etc/x\n@@ -0,0 +1,2 @@\n+a:<masked>\n"
	    "+b:<masked>\n");
	diff_is("no final newline", "a", "a\nb\n", 0,
	    "--- a/etc/x\n+++ b/etc/x\n@@ -1,1 +1,2 @@\n a\n+b\n");
}

/* env_service: the three env units, their paths, /run directories
 * and the app's Requires=/After=. */
static void
test_env_units(void)
{
	static const char pol[] =
	    "envseal: 1\nservice:\n  name: app\n  user: app\n  group: app\n"
	    "  home: /srv/app\n  exec: /srv/app/run\n  env_service: true\n"
	    "  env_credential: /etc/envseal/ab.cred\n"
	    "  env_credential_plain: true\n"
	    "directories:\n  - {path: /run/app, owner: root, group: root, "
	    "mode: \"0700\"}\n  - {path: /run/other, owner: root, group: root,"
	    " mode: \"0700\"}\n"
	    "env_files:\n  - {path: /run/app/a.env, vault: v.yml, owner: root,"
	    " group: root, mode: \"0600\"}\n"
	    "  - {path: /etc/app/b.env, vault: /srv/b.yml, owner: root, "
	    "group: root, mode: \"0600\"}\n";
	struct es_policy *p = load(pol);
	char *u[ES_ENV_UNIT_N] = { NULL }, *app = NULL, path[256];
	size_t n, i;

	T_CHECK("env policy loads", p != NULL);
	if (p == NULL)
		return;
	for (i = 0; i < ES_ENV_UNIT_N; i++)
		T_CHECK("env unit renders", es_env_unit_render(p, i, &u[i], &n)
		    == 0 && u[i] != NULL && strlen(u[i]) == n);
	if (u[0] == NULL || u[1] == NULL || u[2] == NULL)
		goto out;
	T_CHECK("app Requires=/After= the env unit",
	    es_unit_render(p, &app, &n) == 0 &&
	    has_line(app, "Requires=app-env.service") &&
	    has_line(app, "After=app-env.service"));
	T_CHECK("env: oneshot, RemainAfterExit, Before= the app",
	    has_line(u[0], "Type=oneshot") &&
	    has_line(u[0], "RemainAfterExit=yes") &&
	    has_line(u[0], "Before=app.service") &&
	    has_line(u[0], "WantedBy=app.service"));
	T_CHECK("env: plain credential, skipped without it",
	    has_line(u[0], "LoadCredential=vault-password:/etc/envseal/ab.cred")
	    && has_line(u[0], "ConditionPathExists=/etc/envseal/ab.cred"));
	T_CHECK("env: /run dirs as RuntimeDirectory=, others ReadWritePaths=",
	    has_line(u[0], "RuntimeDirectory=app") &&
	    has_line(u[0], "RuntimeDirectory=other") &&
	    has_line(u[0], "ReadWritePaths=-/etc/app") &&
	    has_line(u[0], "RuntimeDirectoryPreserve=yes"));
	T_CHECK("refresh: --try-restart, no RemainAfterExit, no [Install]",
	    strstr(u[1], "--no-prompt --try-restart\n") != NULL &&
	    strstr(u[1], "RemainAfterExit") == NULL &&
	    strstr(u[1], "[Install]") == NULL);
	T_CHECK("path: vaults (relative under /etc/envseal), cred, policy",
	    has_line(u[2], "PathChanged=/etc/envseal/v.yml") &&
	    has_line(u[2], "PathChanged=/srv/b.yml") &&
	    has_line(u[2], "PathChanged=/etc/envseal/ab.cred") &&
	    has_line(u[2], "PathChanged=/etc/envseal/app.policy.yml") &&
	    has_line(u[2], "Unit=app-env-refresh.service"));
	T_CHECK("names next to the app unit",
	    es_env_unit_name(p, ES_ENV_UNIT_PATH, path, sizeof path) == 0 &&
	    !strcmp(path, "/etc/systemd/system/app-env.path"));
	T_CHECK("policy bytes kept for the copy", p->raw_len == strlen(pol) &&
	    !memcmp(p->raw, pol, p->raw_len));
out:
	for (i = 0; i < ES_ENV_UNIT_N; i++)
		free(u[i]);
	free(app);
	es_policy_free(p);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_default_unit();
	test_env_units();
	test_variants();
	test_diff();
	return t_done();
}
