/*
 * tests/unit/test_policy.c — policy v1: the default loads, every error
 * class names FILE:LINE: KEY.PATH, and print/load round-trips.
 */
#include "common/envseal.h"
#include "policy/policy.h"
#include "tests/unit/t.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

static int
load(const char *text, struct es_policy **p)
{
	es_errclear();
	return es_policy_load_buf("t.yml", (const unsigned char *)text,
	    strlen(text), p);
}

/* The policy must fail with ES_EPOLICY and a detail starting with want. */
static void
bad(const char *name, const char *text, const char *want)
{
	struct es_policy *p = NULL;
	int r = load(text, &p);
	int good = r == ES_EPOLICY && p == NULL &&
	    strncmp(es_errdetail(), want, strlen(want)) == 0;

	if (!good)
		printf("#  %s: r=%d detail='%s' want='%s'\n", name, r,
		    es_errdetail(), want);
	T_CHECK(name, good);
}

#define HEAD "envseal: 1\n"
#define SVC_OK "service:\n  name: x\n  user: u\n  group: g\n" \
	"  home: /h\n  exec: /h/x\n"
#define ENV_HEAD "env_files:\n  - path: /etc/x/a.env\n    vault: v.yml\n" \
	"    owner: root\n    group: root\n"

static void
test_default(void)
{
	struct es_policy *p = NULL;
	const struct es_env_file *f;
	int r = es_policy_load(NULL, &p);

	T_CHECK("default loads", r == 0 && p != NULL);
	if (p == NULL)
		return;
	T_CHECK("default service", p->service &&
	    !strcmp(p->service->user, "veza-api") && p->service->uid == 1001 &&
	    p->service->gid == 1001 && p->service->listen_port == 8080 &&
	    p->service->n_ip_allow == 4 &&
	    !strcmp(p->service->gecos, "Veza backend API") &&
	    !strcmp(p->service->unit,
	    "/etc/systemd/system/veza-backend-api.service"));
	T_CHECK("default dirs", p->ndirs == 3 &&
	    !strcmp(p->dirs[2].path, "/var/log/veza") &&
	    p->dirs[2].mode == 0750 && !strcmp(p->dirs[2].owner, "veza-api"));
	f = &p->env_files[0];
	T_CHECK("default env file", p->nenv_files == 1 &&
	    !strcmp(f->path, "/etc/veza/backend-api.env") &&
	    f->mode == 0600 && !f->explicit_vars && f->nvars == 0 &&
	    f->nstatics == 1 && !strcmp(f->statics[0].name, "PORT") &&
	    !strcmp(f->statics[0].value, "8080"));
	T_CHECK("default require", es_policy_require(p, "service") == 0 &&
	    es_policy_require(p, "env_files") == 0);
	es_policy_free(p);
}

static void
test_errors(void)
{
	bad("unknown top key", HEAD "servise: {}\n", "t.yml:2: servise: unknown key");
	bad("unknown nested key", HEAD SVC_OK "  colour: red\n",
	    "t.yml:8: service.colour: unknown key");
	bad("missing version", SVC_OK, "t.yml:1: envseal: required");
	bad("wrong version", "envseal: 2\n", "t.yml:1: envseal: must be 1");
	bad("yaml syntax", HEAD "service: [\n", "t.yml:");
	bad("empty", "", "t.yml:1: (top): empty policy");
	bad("two documents", HEAD "---\nenvseal: 2\n",
	    "t.yml:2: (top): more than one YAML document");
	bad("top not mapping", "- a\n", "t.yml:1: (top): must be a mapping");
	bad("duplicate key", HEAD SVC_OK "  user: v\n",
	    "t.yml:8: service.user: duplicate key (first at line 4)");
	bad("duplicate top key", HEAD "envseal: 1\n",
	    "t.yml:2: envseal: duplicate key");
	bad("missing required", HEAD "service:\n  name: x\n  user: u\n"
	    "  group: g\n  home: /h\n", "t.yml:3: service.exec: required");
	bad("wrong type string", HEAD SVC_OK "  gecos: [a]\n",
	    "t.yml:8: service.gecos: must be a string, not a list");
	bad("wrong type list", HEAD SVC_OK "  ip_allow: localhost\n",
	    "t.yml:8: service.ip_allow: must be a list");
	bad("null value", HEAD SVC_OK "  shell:\n",
	    "t.yml:8: service.shell: must be a string, not a null");
	bad("relative home", HEAD "service:\n  name: x\n  user: u\n"
	    "  group: g\n  home: opt/h\n  exec: /h/x\n",
	    "t.yml:6: service.home: 'opt/h' is relative");
	bad("dotdot path", HEAD SVC_OK "  read_write_paths: [/var/../etc]\n",
	    "t.yml:8: service.read_write_paths[0]: path has");
	bad("relative rw path", HEAD SVC_OK "  read_write_paths: [/a, b]\n",
	    "t.yml:8: service.read_write_paths[1]: relative");
	bad("uid text", HEAD SVC_OK "  uid: abc\n",
	    "t.yml:8: service.uid: must be an id");
	bad("uid quoted", HEAD SVC_OK "  uid: \"1001\"\n",
	    "t.yml:8: service.uid: must be a number");
	bad("uid zero", HEAD SVC_OK "  uid: 0\n",
	    "t.yml:8: service.uid: must be an id");
	bad("uid in the worker's reserved block", HEAD SVC_OK
	    "  uid: 2120089601\n", "t.yml:8: service.uid: 2120089601 is in "
	    "2120089600..2120155135, the ids envseal reserves");
	bad("allow_plaintext quoted", HEAD "env_files:\n  - {path: /etc/a.env,"
	    " vault: v.yml, owner: root, group: root, mode: \"0600\", "
	    "allow_plaintext: \"true\"}\n",
	    "t.yml:3: env_files[0].allow_plaintext: must be true or false");
	bad("allow_plaintext yes (YAML 1.1)", HEAD "env_files:\n  - {path: "
	    "/etc/a.env, vault: v.yml, owner: root, group: root, mode: "
	    "\"0600\", allow_plaintext: yes}\n",
	    "t.yml:3: env_files[0].allow_plaintext: must be true or false");
	bad("port range", HEAD SVC_OK "  listen_port: 70000\n",
	    "t.yml:8: service.listen_port: must be a port");
	bad("bad ip", HEAD SVC_OK "  ip_allow: [\"10.0.0.0/8; rm\"]\n",
	    "t.yml:8: service.ip_allow[0]: '10.0.0.0/8; rm' is not");
	bad("bad user", HEAD "service:\n  name: x\n  user: \"a:b\"\n",
	    "t.yml:4: service.user: 'a:b' is not a valid account");
	bad("numeric owner too big", HEAD "directories:\n  - {path: /a, owner:"
	    " \"4294967295\", group: root, mode: \"0750\"}\n",
	    "t.yml:3: directories[0].owner: numeric id '4294967295' is not");
	bad("numeric service user", HEAD "service:\n  name: x\n  user: \"1001\"\n"
	    "  group: g\n  home: /h\n  exec: /h/x\n",
	    "t.yml:3: service.user: '1001' is a number");
	bad("gecos colon", HEAD SVC_OK "  gecos: \"a:b\"\n",
	    "t.yml:8: service.gecos: must be");
	bad("unit suffix", HEAD SVC_OK "  unit: /etc/systemd/system/x\n",
	    "t.yml:8: service.unit: must end in .service");
	bad("mode not octal", HEAD "directories:\n  - {path: /a, owner: root,"
	    " group: root, mode: \"750\"}\n",
	    "t.yml:3: directories[0].mode: '750' is not an octal mode");
	bad("mode digits", HEAD "directories:\n  - {path: /a, owner: root,"
	    " group: root, mode: \"0790\"}\n",
	    "t.yml:3: directories[0].mode: '0790'");
	bad("dirs not list", HEAD "directories: {}\n",
	    "t.yml:2: directories: must be a list");
	bad("dir item not map", HEAD "directories: [a]\n",
	    "t.yml:2: directories[0]: must be a mapping");
	bad("dup dir", HEAD "directories:\n  - {path: /a, owner: root, group:"
	    " root, mode: \"0750\"}\n  - {path: /a, owner: root, group: root,"
	    " mode: \"0700\"}\n", "t.yml:4: directories[1].path: /a is also");
	bad("env world-readable", HEAD ENV_HEAD "    mode: \"0604\"\n",
	    "t.yml:3: env_files[0].mode: 0604 would make");
	bad("env group-writable", HEAD ENV_HEAD "    mode: \"0620\"\n",
	    "t.yml:3: env_files[0].mode: 0620 would make");
	bad("env setuid", HEAD ENV_HEAD "    mode: \"04600\"\n",
	    "t.yml:3: env_files[0].mode: 4600: no set-id");
	bad("env relative path", HEAD "env_files:\n  - path: etc/a.env\n",
	    "t.yml:3: env_files[0].path: 'etc/a.env' is relative");
	bad("env bad name", HEAD ENV_HEAD "    mode: \"0600\"\n    vars:\n"
	    "      1X: a\n", "t.yml:9: env_files[0].vars.1X: not a valid");
	bad("env name twice", HEAD ENV_HEAD "    mode: \"0600\"\n    vars:\n"
	    "      PORT: vault_port\n    static:\n      PORT: \"80\"\n",
	    "t.yml:11: env_files[0].static.PORT: variable given twice "
	    "(also at line 9)");
	bad("env dup var key", HEAD ENV_HEAD "    mode: \"0600\"\n    vars:\n"
	    "      A: a\n      A: b\n", "t.yml:10: env_files[0].vars.A: "
	    "duplicate key");
	bad("env dir writable", HEAD "directories:\n  - {path: /etc/x, owner:"
	    " root, group: g, mode: \"0770\"}\n" ENV_HEAD "    mode: \"0600\"\n",
	    "t.yml:3: directories[0]: /etc/x holds env_files[0]");
	bad("env dir not root", HEAD "directories:\n  - {path: /etc/x, owner:"
	    " u, group: g, mode: \"0750\"}\n" ENV_HEAD "    mode: \"0600\"\n",
	    "t.yml:3: directories[0]: /etc/x holds");
	bad("static null", HEAD ENV_HEAD "    mode: \"0600\"\n    static:\n"
	    "      A: ~\n", "t.yml:9: env_files[0].static.A: must be a string");
}

static void
test_accepts(void)
{
	struct es_policy *p = NULL;
	int r;

	r = load(HEAD "directories:\n  - {path: /a, owner: root, group: root,"
	    " mode: 0750}\n", &p);
	T_CHECK("plain 0750 is octal text", r == 0 && p->dirs[0].mode == 0750);
	T_CHECK("no service section", r == 0 &&
	    es_policy_require(p, "service") == ES_EPOLICY &&
	    strstr(es_errdetail(), "no service section") != NULL);
	es_policy_free(p);
	p = NULL;
	r = load(HEAD SVC_OK, &p);
	T_CHECK("service defaults", r == 0 && p->service->uid == -1 &&
	    !strcmp(p->service->shell, "/usr/sbin/nologin") &&
	    !strcmp(p->service->gecos, "x") &&
	    !strcmp(p->service->unit, "/etc/systemd/system/x.service"));
	es_policy_free(p);
	p = NULL;
	r = load(HEAD ENV_HEAD "    mode: \"0640\"\n    vars:\n      B: vb\n"
	    "      A: va\n", &p);
	T_CHECK("vars order kept", r == 0 && p->env_files[0].explicit_vars &&
	    p->env_files[0].nvars == 2 &&
	    !strcmp(p->env_files[0].vars[0].name, "B") &&
	    !strcmp(p->env_files[0].vars[1].value, "va"));
	es_policy_free(p);
}

static void
test_roundtrip(void)
{
	struct es_policy *p = NULL, *q = NULL;
	char *a = NULL, *b = NULL, *ba, *bb;
	unsigned char h[32];
	size_t la = 0, lb = 0;
	FILE *f;
	int ok = 0;

	if (es_policy_load(NULL, &p) != 0)
		goto out;
	if ((f = open_memstream(&a, &la)) == NULL)
		goto out;
	es_policy_print(p, f);
	fclose(f);
	/* Skip the two comment lines (source and hash differ). */
	ba = strstr(a, "\nenvseal:");
	if (ba == NULL || load(ba + 1, &q) != 0)
		goto out;
	if ((f = open_memstream(&b, &lb)) == NULL)
		goto out;
	es_policy_print(q, f);
	fclose(f);
	bb = strstr(b, "\nenvseal:");
	ok = bb != NULL && !strcmp(ba, bb);
out:
	T_CHECK("print/load round-trip", ok);
	crypto_hash_sha256(h, (const unsigned char *)es_policy_default_yaml,
	    strlen(es_policy_default_yaml));
	T_CHECK("sha256 is of the bytes", p != NULL &&
	    memcmp(h, p->sha256, sizeof h) == 0);
	free(a);
	free(b);
	es_policy_free(p);
	es_policy_free(q);
}

/* Static values with YAML-hostile text survive print -> load unchanged. */
static void
test_roundtrip_values(void)
{
	static const char *const want[] = {
		"a: b", "#x", "line1\nline2", "  lead", "yes", "", "0750",
		"quote\"s 'and' \\ back", "tab\there", "\xc3\xa9t\xc3\xa9",
	};
	const char *text = HEAD ENV_HEAD "    mode: \"0600\"\n    static:\n"
	    "      A: \"a: b\"\n      B: \"#x\"\n      C: \"line1\\nline2\"\n"
	    "      D: \"  lead\"\n      E: \"yes\"\n      F: \"\"\n"
	    "      G: \"0750\"\n      H: \"quote\\\"s 'and' \\\\ back\"\n"
	    "      I: \"tab\\there\"\n      J: \"\xc3\xa9t\xc3\xa9\"\n";
	struct es_policy *p = NULL, *q = NULL;
	char *out = NULL;
	size_t len = 0, i;
	FILE *f;
	int ok;

	ok = load(text, &p) == 0;
	if (ok && (f = open_memstream(&out, &len)) != NULL) {
		es_policy_print(p, f);
		fclose(f);
		ok = load(strstr(out, "\nenvseal:") + 1, &q) == 0;
	}
	for (i = 0; ok && i < sizeof want / sizeof want[0]; i++)
		ok = q->env_files[0].nstatics == sizeof want / sizeof want[0] &&
		    !strcmp(p->env_files[0].statics[i].value, want[i]) &&
		    !strcmp(q->env_files[0].statics[i].value, want[i]);
	if (!ok)
		printf("#  %s\n#  %s\n", es_errdetail(), out ? out : "");
	T_CHECK("hostile static values round-trip", ok);
	free(out);
	es_policy_free(p);
	es_policy_free(q);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_default();
	test_errors();
	test_accepts();
	test_roundtrip();
	test_roundtrip_values();
	return t_done();
}
