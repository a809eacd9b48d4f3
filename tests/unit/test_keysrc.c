/* tests/unit/test_keysrc.c — key sources: stripping rules, scripts and
 * their bounds (time, size, exit status), -client arguments, credentials,
 * vaulted password files, ansible's order, the no-secret error. */
#include "crypto/keysrc.h"
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
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return t_done();
}
