/* tests/unit/test_keysrc.c — key sources: stripping rules, scripts and
 * their bounds (time, size, exit status), -client arguments, credentials,
 * vaulted password files, ansible's order, the no-secret error,
 * ANSIBLE_VAULT_ID_MATCH (its reading and es_vault_try_order) and the
 * vault-id to encrypt with (ANSIBLE_VAULT_ENCRYPT_IDENTITY). */
#include "keys/keysrc.h"
#include "vault/vault.h"
#include "tests/unit/t.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

static char dir[] = "/tmp/envseal-keysrc.XXXXXX";

static const char *
put(const char *name, const char *body, size_t len, mode_t mode)
{
	/* Text bodies: their length, whatever the caller counted. */
	len = strnlen(body, len);
	static char path[8][512];
	static int k;
	char *p = path[k++ % 8];
	FILE *f;

	snprintf(p, 512, "%s/%s", dir, name);
	f = fopen(p, "wb");
	fwrite(body, 1, len, f);
	fclose(f);
	chmod(p, mode);
	return p;
}

static int
is_secret(const struct es_secrets *s, size_t i, const char *label,
    const char *pw)
{
	return i < s->n && !strcmp(s->v[i].label, label) &&
	    s->v[i].len == strlen(pw) && !memcmp(s->v[i].bytes, pw, s->v[i].len);
}

static int
add1(const char *spec, int vid, struct es_secrets *s)
{
	es_secrets_free(s);
	return es_keysrc_add(s, spec, vid, NULL);
}

static void
test_files(void)
{
	struct es_secrets s = { .n = 0 };
	char spec[600];
	const char *f;

	f = put("ws", "  hunter2 \t\r\n\n", 14, 0600);
	T_CHECK("file: all surrounding whitespace stripped", add1(f, 0, &s) == 0 &&
	    is_secret(&s, 0, "default", "hunter2"));
	f = put("inner", "a b\tc\n", 6, 0600);
	T_CHECK("file: inner whitespace kept", add1(f, 0, &s) == 0 &&
	    is_secret(&s, 0, "default", "a b\tc"));
	snprintf(spec, sizeof spec, "prod@%s", f);
	T_CHECK("vault-id label@file", add1(spec, 1, &s) == 0 &&
	    is_secret(&s, 0, "prod", "a b\tc"));
	snprintf(spec, sizeof spec, "@%s", f);
	T_CHECK("vault-id empty label = default", add1(spec, 1, &s) == 0 &&
	    is_secret(&s, 0, "default", "a b\tc"));
	snprintf(spec, sizeof spec, "a;b@%s", f);
	T_CHECK("label with ';' refused", add1(spec, 1, &s) == ES_EUSAGE);
	T_CHECK("missing file is an error", add1("/nonexistent/pw", 0, &s) ==
	    ES_EKEYSRC && strstr(es_errdetail(), "/nonexistent/pw"));
	f = put("ww", "hunter2\n", 8, 0666);
	T_CHECK("world-writable file refused (trusted-input rule)",
	    add1(f, 0, &s) == ES_EUNSAFE &&
	    strstr(es_errdetail(), "is world-writable; refused"));
	f = put("empty", " \n", 2, 0600);
	T_CHECK("empty password refused", add1(f, 0, &s) == ES_EKEYSRC);
	es_secrets_free(&s);
}

static void
test_scripts(void)
{
	struct es_secrets s = { .n = 0 };
	char spec[600], log[600], body[1024];
	const char *f;
	FILE *lf;
	size_t n;

	f = put("s.sh", "#!/bin/sh\nprintf '  pw \\t\\r\\n'\n", 30, 0700);
	T_CHECK("script: only CR/LF stripped", add1(f, 0, &s) == 0 &&
	    is_secret(&s, 0, "default", "  pw \t"));
	snprintf(log, sizeof log, "%s/ran", dir);
	snprintf(body, sizeof body, "#!/bin/sh\ntouch %s\necho pw\n", log);
	f = put("gw.sh", body, sizeof body, 0770);
	T_CHECK("group-writable script refused, never run",
	    add1(f, 0, &s) == ES_EUNSAFE && access(log, F_OK) != 0 &&
	    strstr(es_errdetail(), "is group-writable; refused"));
	f = put("x.sh", "#!/bin/sh\nexit 3\n", 17, 0500);
	T_CHECK("script exit status is an error naming it", add1(f, 0, &s) ==
	    ES_EKEYSRC && strstr(es_errdetail(), "x.sh: exited with status 3"));
	f = put("slow.sh", "#!/bin/sh\nexec sleep 5\n", 23, 0700);
	es_keysrc_set_timeout_ms(300);
	T_CHECK("script timeout kills it", add1(f, 0, &s) == ES_EKEYSRC &&
	    strstr(es_errdetail(), "killed"));
	f = put("linger.sh", "#!/bin/sh\nprintf pw\nexec >&-\nexec sleep 5\n",
	    42, 0700);
	T_CHECK("script that closes stdout and lingers is killed", add1(f, 0,
	    &s) == ES_EKEYSRC && strstr(es_errdetail(), "killed"));
	es_keysrc_set_timeout_ms(0);
	f = put("big.sh", "#!/bin/sh\nhead -c 200000 /dev/zero | tr '\\0' a\n",
	    1000, 0700);
	T_CHECK("script output bounded", add1(f, 0, &s) == ES_EKEYSRC &&
	    strstr(es_errdetail(), "longer than"));
	/* Environment: allow-listed only. */
	setenv("ENVSEAL_PLANTED_SECRET", "planted", 1);
	snprintf(log, sizeof log, "%s/env.log", dir);
	n = (size_t)snprintf(body, sizeof body, "#!/bin/sh\nenv > %s\necho pw\n",
	    log);
	f = put("env.sh", body, n, 0700);
	T_CHECK("script runs", add1(f, 0, &s) == 0);
	lf = fopen(log, "r");
	n = lf ? fread(body, 1, sizeof body - 1, lf) : 0;
	body[n] = 0;
	if (lf)
		fclose(lf);
	T_CHECK("script environment sanitized", n > 0 &&
	    !strstr(body, "planted") && strstr(body, "PATH="));
	/* -client: --vault-id LABEL; exit 2 = no such id. */
	snprintf(log, sizeof log, "%s/client.log", dir);
	n = (size_t)snprintf(body, sizeof body, "#!/bin/sh\necho \"$*\" >> %s\n"
	    "[ \"$2\" = nope ] && exit 2\necho pw\n", log);
	f = put("k-client.sh", body, n, 0700);
	snprintf(spec, sizeof spec, "prod@%s", f);
	T_CHECK("client with label", add1(spec, 1, &s) == 0 &&
	    is_secret(&s, 0, "prod", "pw"));
	snprintf(spec, sizeof spec, "nope@%s", f);
	T_CHECK("client exit 2", add1(spec, 1, &s) == ES_EKEYSRC &&
	    strstr(es_errdetail(), "no secret for vault-id nope"));
	T_CHECK("client as bare vault-id", add1(f, 1, &s) == 0);
	lf = fopen(log, "r");
	n = lf ? fread(body, 1, sizeof body - 1, lf) : 0;
	body[n] = 0;
	if (lf)
		fclose(lf);
	T_CHECK("client argv", !strcmp(body, "--vault-id prod\n--vault-id nope\n"
	    "\n"));
	f = put("notclient.sh", "#!/bin/sh\necho \"$#\"\n", 20, 0700);
	T_CHECK("non-client gets no arguments", add1(f, 0, &s) == 0 &&
	    is_secret(&s, 0, "default", "0"));
	es_secrets_free(&s);
}

static void
test_order_and_env(void)
{
	struct es_keysrc_opts o = { .no_prompt = 1 };
	struct es_secrets s = { .n = 0 };
	char a[600], b[600], c[600], list[1300];

	snprintf(a, sizeof a, "%s", put("pa", "A\n", 2, 0600));
	snprintf(b, sizeof b, "%s", put("pb", "B\n", 2, 0600));
	snprintf(c, sizeof c, "%s", put("pc", "C\n", 2, 0600));
	snprintf(list, sizeof list, "l1@%s, l2@%s", a, b);
	setenv("ANSIBLE_VAULT_IDENTITY_LIST", list, 1);
	setenv("ANSIBLE_VAULT_PASSWORD_FILE", c, 1);
	o.vault_ids[o.n_vault_ids++] = "prompt-not-used@/dev/null/x";
	o.n_vault_ids = 0;
	o.password_files[o.n_password_files++] = b;
	T_CHECK("load order", es_keysrc_load(&o, &s) == 0 && s.n == 4 &&
	    is_secret(&s, 0, "l1", "A") && is_secret(&s, 1, "l2", "B") &&
	    is_secret(&s, 2, "default", "B") && is_secret(&s, 3, "default", "C"));
	es_secrets_free(&s);
	unsetenv("ANSIBLE_VAULT_IDENTITY_LIST");
	unsetenv("ANSIBLE_VAULT_PASSWORD_FILE");
	o.n_password_files = 0;
	T_CHECK("nothing given, no prompt: clear error", es_keysrc_load(&o,
	    &s) == ES_EKEYSRC && strstr(es_errdetail(), "no vault secret given"));
	o.none_ok = 1;
	T_CHECK("nothing given, none_ok: 0 and no secret (a flag, not a "
	    "message)", es_keysrc_load(&o, &s) == 0 && s.n == 0);
	o.none_ok = 0;
	/* systemd credentials */
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	o.credentials[o.n_credentials++] = "pa";
	o.credentials[o.n_credentials++] = "prod@pb";
	T_CHECK("credentials", es_keysrc_load(&o, &s) == 0 && s.n == 2 &&
	    is_secret(&s, 0, "default", "A") && is_secret(&s, 1, "prod", "B"));
	es_secrets_free(&s);
	o.credentials[0] = "../pa";
	T_CHECK("credential name with '/' refused", es_keysrc_load(&o, &s) ==
	    ES_EUSAGE);
	unsetenv("CREDENTIALS_DIRECTORY");
	o.credentials[0] = "pa";
	T_CHECK("credentials without CREDENTIALS_DIRECTORY", es_keysrc_load(&o,
	    &s) == ES_EKEYSRC && strstr(es_errdetail(), "CREDENTIALS_DIRECTORY"));
}

/* A password file that is itself a vault, opened with earlier secrets. */
static void
test_vaulted_pwfile(void)
{
	struct es_secrets s = { .n = 0 };
	struct es_sbuf env = { 0 };
	const char *f;

	es_secrets_add(&s, "outer", (const unsigned char *)"outer-pw", 8);
	es_salt_seed();
	es_vault_seal((const unsigned char *)"inner-pw\n", 9, &s.v[0], NULL,
	    &env);
	f = put("vaulted", (const char *)env.p, env.len, 0600);
	T_CHECK("vaulted password file", es_keysrc_add(&s, f, 0, NULL) == 0 &&
	    is_secret(&s, 1, "default", "inner-pw"));
	es_secrets_free(&s);
	T_CHECK("vaulted password file, no earlier secret", es_keysrc_add(&s, f,
	    0, NULL) == ES_EKEY && s.n == 0);
	es_sbuf_free(&env);
}

/* ANSIBLE_VAULT_ID_MATCH as ansible-core 2.14 reads an untyped setting:
 * on for any non-empty string after one pair of quotes is removed. */
static void
test_id_match_value(void)
{
	static const char *const on[] = { "1", "true", "yes", "on", "false",
	    "no", "0", "off", " ", "\"a\"", "'0'", "\"", "'", "\"\\\"",
	    "'x\"" };
	static const char *const off[] = { "", "\"\"", "''" };
	struct es_keysrc_opts o = { .n_password_files = 1 };
	struct es_secrets s = { .n = 0 };
	size_t i;
	int all;

	for (i = 0, all = 1; i < sizeof on / sizeof on[0]; i++)
		all &= es_keysrc_id_match_value(on[i]) == 1;
	T_CHECK("id match: any non-empty value is on (false, no, 0 too)", all);
	for (i = 0, all = 1; i < sizeof off / sizeof off[0]; i++)
		all &= es_keysrc_id_match_value(off[i]) == 0;
	T_CHECK("id match: empty, or empty once unquoted, is off", all);
	T_CHECK("id match: unset is off", es_keysrc_id_match_value(NULL) == 0);

	o.password_files[0] = put("pm", "M\n", 2, 0600);
	setenv("ANSIBLE_VAULT_ID_MATCH", "false", 1);
	T_CHECK("load: ANSIBLE_VAULT_ID_MATCH=false sets id_match",
	    es_keysrc_load(&o, &s) == 0 && s.id_match == 1);
	es_secrets_free(&s);
	setenv("ANSIBLE_VAULT_ID_MATCH", "", 1);
	T_CHECK("load: ANSIBLE_VAULT_ID_MATCH= clears id_match",
	    es_keysrc_load(&o, &s) == 0 && s.id_match == 0);
	es_secrets_free(&s);
	unsetenv("ANSIBLE_VAULT_ID_MATCH");
	s.id_match = 1;
	T_CHECK("load: unset clears id_match", es_keysrc_load(&o, &s) == 0 &&
	    s.id_match == 0);
	es_secrets_free(&s);
}

/* es_vault_try_order() with and without the match. */
static void
test_try_order(void)
{
	struct es_secrets s = { .n = 0 };
	size_t ord[ES_SECRETS_MAX], n;

	es_secrets_add(&s, "dev", (const unsigned char *)"d", 1);
	es_secrets_add(&s, "prod", (const unsigned char *)"p1", 2);
	es_secrets_add(&s, "default", (const unsigned char *)"f", 1);
	es_secrets_add(&s, "prod", (const unsigned char *)"p2", 2);
	n = es_vault_try_order(&s, "prod", ord);
	T_CHECK("try order, off: the label's first, then the rest in order",
	    n == 4 && ord[0] == 1 && ord[1] == 3 && ord[2] == 0 && ord[3] == 2);
	s.id_match = 1;
	n = es_vault_try_order(&s, "prod", ord);
	T_CHECK("try order, on: only the label's, in order", n == 2 &&
	    ord[0] == 1 && ord[1] == 3);
	n = es_vault_try_order(&s, "default", ord);
	T_CHECK("try order, on: 1.1 (default) only default", n == 1 &&
	    ord[0] == 2);
	T_CHECK("try order, on: no such label, none",
	    es_vault_try_order(&s, "stage", ord) == 0);
	T_CHECK("try order, on: empty label, none",
	    es_vault_try_order(&s, "", ord) == 0);
	s.id_match = 0;
	T_CHECK("try order, off: empty label, all",
	    es_vault_try_order(&s, "", ord) == 4);
	es_secrets_free(&s);
}

/* The id to encrypt with and the secret it picks (match_encrypt_secret). */
static void
test_encrypt_identity(void)
{
	struct es_secrets s = { .n = 0 };
	char buf[ES_LABEL_MAX + 2];
	const char *id;
	size_t k = 99;

	unsetenv("ANSIBLE_VAULT_ENCRYPT_IDENTITY");
	T_CHECK("encrypt id: nothing set", es_keysrc_encrypt_id(NULL, buf,
	    sizeof buf) == NULL && es_keysrc_encrypt_id("", buf,
	    sizeof buf) == NULL);
	setenv("ANSIBLE_VAULT_ENCRYPT_IDENTITY", "'dev'", 1);
	id = es_keysrc_encrypt_id(NULL, buf, sizeof buf);
	T_CHECK("encrypt id: the setting, unquoted", id && !strcmp(id, "dev"));
	id = es_keysrc_encrypt_id("", buf, sizeof buf);
	T_CHECK("encrypt id: an empty option falls to the setting", id &&
	    !strcmp(id, "dev"));
	id = es_keysrc_encrypt_id("prod", buf, sizeof buf);
	T_CHECK("encrypt id: the option wins", id && !strcmp(id, "prod"));
	setenv("ANSIBLE_VAULT_ENCRYPT_IDENTITY", "\"\"", 1);
	T_CHECK("encrypt id: empty once unquoted is unset",
	    es_keysrc_encrypt_id(NULL, buf, sizeof buf) == NULL);
	unsetenv("ANSIBLE_VAULT_ENCRYPT_IDENTITY");

	es_secrets_add(&s, "prod", (const unsigned char *)"p1", 2);
	T_CHECK("pick: the only one", es_keysrc_pick(&s, NULL, &k) == 0 &&
	    k == 0);
	T_CHECK("pick: one, another id named", es_keysrc_pick(&s, "dev",
	    &k) == ES_EUSAGE && strstr(es_errdetail(), "vault-id dev") &&
	    strstr(es_errdetail(), "loaded: prod"));
	es_secrets_add(&s, "dev", (const unsigned char *)"d", 1);
	es_secrets_add(&s, "dev", (const unsigned char *)"d2", 2);
	T_CHECK("pick: several, none chosen, labels named",
	    es_keysrc_pick(&s, NULL, &k) == ES_EUSAGE &&
	    strstr(es_errdetail(), "prod, dev, dev are available"));
	T_CHECK("pick: the first of the label", es_keysrc_pick(&s, "dev",
	    &k) == 0 && k == 1);
	T_CHECK("pick: error names labels, never a secret",
	    es_keysrc_pick(&s, "x;y", &k) == ES_EUSAGE &&
	    strstr(es_errdetail(), "(not a label)") &&
	    !strstr(es_errdetail(), "p1") && !strstr(es_errdetail(), "d2"));
	es_secrets_free(&s);
}

int
main(void)
{
	char cmd[600];

	T_CHECK("sodium_init", sodium_init() >= 0);
	if (mkdtemp(dir) == NULL)
		return 1;
	test_files();
	test_scripts();
	test_order_and_env();
	test_vaulted_pwfile();
	test_id_match_value();
	test_try_order();
	test_encrypt_identity();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return t_done();
}
