/*
 * tests/unit/test_render_sdenv.c — systemd's own parser ($SDENV: Debian's
 * libsystemd-shared load_env_file + strv_env_clean) reads back every value
 * we encode, byte for byte: a table of hard values and >= 1000 random valid
 * ones (seed printed). Then the other direction: our parser (used for
 * name diffs) agrees with systemd's on random hand-written files.
 */
#include "render/render.h"
#include "tests/unit/t.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sodium.h>

#define NRANDOM 1200
#define NFILES 400
#define MAXV 300

struct var {
	char name[32];
	unsigned char v[MAXV * 4 + 64];
	size_t n;
};

static const char *sdenv;
static uint64_t rng;

/* xorshift64*: reproducible from the printed seed (RENDER_TEST_SEED). */
static uint32_t
rnd(uint32_t n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545F4914F6CDD1DULL) >> 32) % n;
}
static char dir[64];

static const struct {
	const char *what;
	const char *v;
} table[] = {
	{ "plain", "hello" },
	{ "empty", "" },
	{ "dsn", "postgres://veza:p%40ss@db.internal:5432/veza?sslmode=require" },
	{ "space", "two words" },
	{ "lead/trail ws", "  padded  " },
	{ "dquote", "say \"hi\"" },
	{ "squote", "it's" },
	{ "backslash mid", "C:\\path\\n" },
	{ "backslash end", "ends\\" },
	{ "dollar/brace", "$HOME ${USER} $(id)" },
	{ "backtick", "`id`" },
	{ "hash", "#notacomment # x" },
	{ "LF inside", "line1\nline2" },
	{ "CR inside", "a\rb" },
	{ "tab", "\tx\t" },
	{ "shell metas", "a;b|c&d<e>f(g)*?[!" },
	{ "utf8", "\xc3\xbcn\xc3\xaf \xe2\x9c\x93" },
	{ "only quotes", "\"'\"'" },
	{ "leading =", "=x" },
	{ "backslash+quote", "\\\"" },
	{ "semicolon first", ";x" },
	{ "hash first", "#x" },
	{ "only LF", "\n" },
	{ "trailing LF", "abc\n" },
	{ "CRLF", "a\r\nb\r\n" },
	{ "backslash LF", "a\\\nb" },
	{ "backslash CR", "a\\\rb" },
	{ "lone backslash", "\\" },
	{ "dollar end", "x$" },
	{ "trailing blanks", "x   " },
	{ "leading blanks", "   x" },
	{ "only blanks", "   " },
	{ "single quotes wrap", "'x'" },
	{ "export word", "export A=1" },
	{ "PEM key", "-----BEGIN PRIVATE KEY-----\n"
	    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"
	    "b+/AbC/dEf==\n-----END PRIVATE KEY-----\n" },
	{ "emoji", "\xf0\x9f\x98\x80" },
	{ "U+FFFD", "\xef\xbf\xbd" },
	{ "control bytes", "\x01\x02\x1b[0m\x7f" },
	{ "equals and colon", "a=b:c" },
	{ "percent", "100%" },
};

/* Run sdenv on path in hex mode; its stdout into out (malloc'd). */
static int
run_sdenv(const char *path, char **out)
{
	int p[2], st, devnull;
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	ssize_t r;
	pid_t pid;

	if (pipe(p) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		devnull = open("/dev/null", O_WRONLY);
		dup2(p[1], 1);
		dup2(devnull, 2);
		execl(sdenv, sdenv, path, "hex", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		if (len + 4096 > cap)
			buf = realloc(buf, cap *= 2);
		if ((r = read(p[0], buf + len, cap - len - 1)) <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	*out = buf;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Is "NAME=VALUE" (hex line) among sdenv's output lines? */
static int
has_line(const char *out, const char *name, const unsigned char *v, size_t n)
{
	unsigned char want[sizeof(((struct var *)0)->v) + 64];
	char hex[2 * sizeof want + 2];
	size_t k, nl = strlen(name);
	const char *p;

	memcpy(want, name, nl);
	want[nl] = '=';
	if (n)
		memcpy(want + nl + 1, v, n);
	for (k = 0; k < nl + 1 + n; k++)
		snprintf(hex + 2 * k, 3, "%02x", want[k]);
	hex[2 * k] = '\n';
	hex[2 * k + 1] = '\0';
	for (p = out; (p = strstr(p, hex)) != NULL; p++)
		if (p == out || p[-1] == '\n')
			return 1;
	return 0;
}

static int
write_file(const char *path, const unsigned char *b, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int ok = fd >= 0 && write(fd, b, n) == (ssize_t)n;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* Encode all vars into one file; sdenv must give back each exactly. */
static size_t
roundtrip(struct var *vars, size_t n, const char *label)
{
	struct es_env env;
	char path[128], *out = NULL;
	size_t i, bad = 0;

	es_env_begin(&env, label);
	for (i = 0; i < n; i++)
		if (es_env_put(&env, vars[i].name, vars[i].v, vars[i].n) != 0) {
			printf("# %s: encoder refused %s: %s\n", label,
			    vars[i].name, es_errdetail());
			bad++;
		}
	snprintf(path, sizeof path, "%s/%s.env", dir, label);
	if (write_file(path, env.out.p, env.out.len) != 0 ||
	    run_sdenv(path, &out) != 0) {
		es_env_free(&env);
		free(out);
		return n;
	}
	for (i = 0; i < n; i++)
		if (!has_line(out, vars[i].name, vars[i].v, vars[i].n)) {
			printf("# %s: %s not read back\n", label,
			    vars[i].name);
			bad++;
		}
	es_env_free(&env);
	free(out);
	return bad;
}

static void
test_table(void)
{
	size_t n = sizeof table / sizeof table[0], i;
	struct var *v = calloc(n, sizeof *v);

	for (i = 0; i < n; i++) {
		snprintf(v[i].name, sizeof v[i].name, "K%02zu", i);
		v[i].n = strlen(table[i].v);
		memcpy(v[i].v, table[i].v, v[i].n);
	}
	T_CHECK("sdenv: table of hard values read back exactly",
	    roundtrip(v, n, "table") == 0);
	free(v);
}

/* A random code point systemd accepts, UTF-8 encoded into p. */
static size_t
rand_char(unsigned char *p)
{
	static const char hard[] = "\\\"`$'#; \t\r\n=%@:/.,+-_{}()";
	uint32_t c;

	switch (rnd(4)) {
	case 0:
		p[0] = (unsigned char)hard[rnd(
		    sizeof hard - 1)];
		return 1;
	case 1:
		p[0] = (unsigned char)(1 + rnd(127));
		return 1;
	default:
		do
			c = 0x80 + rnd(0x110000 - 0x80);
		while ((c >= 0xD800 && c <= 0xDFFF) ||
		    (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE);
		if (c < 0x800) {
			p[0] = (unsigned char)(0xC0 | (c >> 6));
			p[1] = (unsigned char)(0x80 | (c & 0x3F));
			return 2;
		}
		if (c < 0x10000) {
			p[0] = (unsigned char)(0xE0 | (c >> 12));
			p[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
			p[2] = (unsigned char)(0x80 | (c & 0x3F));
			return 3;
		}
		p[0] = (unsigned char)(0xF0 | (c >> 18));
		p[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
		p[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
		p[3] = (unsigned char)(0x80 | (c & 0x3F));
		return 4;
	}
}

static void
test_random(void)
{
	struct var *v = calloc(NRANDOM, sizeof *v);
	size_t i, k, len, bad;

	for (i = 0; i < NRANDOM; i++) {
		snprintf(v[i].name, sizeof v[i].name, "R%zu", i);
		len = rnd(MAXV);
		for (k = 0; k < len; k++)
			v[i].n += rand_char(v[i].v + v[i].n);
		/* Round-trip: what we generated must pass our own check. */
		if (!es_env_utf8_valid(v[i].v, v[i].n))
			printf("# generator produced invalid UTF-8\n");
	}
	bad = roundtrip(v, NRANDOM, "random");
	printf("# %d random values, %zu not read back\n", NRANDOM, bad);
	T_CHECK("sdenv: >= 1000 random valid values read back exactly",
	    bad == 0);
	free(v);
}

/* Random hand-written files: our parser must agree with systemd's. */
static void
test_parser_agrees(void)
{
	static const char *tok[] = { "A", "B", "_", "9", "=", "=", " ", " ",
		"\t", "\n", "\n", "\r", "\"", "'", "\\", "#", ";", "$", "`",
		"x", "\xc3\xa9" };
	unsigned char buf[512];
	const char *t;
	struct es_env_parsed p;
	char path[128], *out;
	size_t f, i, n, bad = 0, lines, compared = 0, before;
	int rc;

	for (f = 0; f < NFILES; f++) {
		lines = 1 + rnd(200);
		for (n = 0, i = 0; i < lines; i++) {
			t = tok[rnd(sizeof tok / sizeof tok[0])];
			memcpy(buf + n, t, strlen(t));
			n += strlen(t);
		}
		snprintf(path, sizeof path, "%s/p.env", dir);
		write_file(path, buf, n);
		rc = run_sdenv(path, &out);
		before = bad;
		if (es_env_parse(buf, n, &p) != 0) {
			/* We refuse exactly when systemd does. */
			bad += rc == 0;
			free(out);
			continue;
		}
		bad += rc != 0;
		for (lines = 0, i = 0; rc == 0 && out[i]; i++)
			lines += out[i] == '\n';
		if (rc == 0 && lines != p.n)
			bad++;
		for (i = 0; rc == 0 && i < p.n; i++)
			bad += !has_line(out, p.names[i], p.val.p + p.off[i],
			    p.len[i]);
		if (bad != before && bad - before < 100 && before < 3) {
			printf("# file %zu: sdenv rc %d, %zu lines, ours %zu:",
			    f, rc, lines, p.n);
			for (i = 0; i < n; i++)
				printf(" %02x", buf[i]);
			printf("\n# sdenv said: %.200s\n", out);
		}
		compared++;
		es_env_parsed_free(&p);
		free(out);
	}
	printf("# %zu random files compared, %zu disagreements\n", compared,
	    bad);
	T_CHECK("parser agrees with systemd on random files", bad == 0);
}

int
main(void)
{
	const char *e = getenv("RENDER_TEST_SEED");

	if (sodium_init() < 0)
		return 1;
	sdenv = getenv("SDENV");
	if (sdenv == NULL || access(sdenv, X_OK) != 0) {
		T_SKIP("sdenv round trips", "systemd oracle $SDENV not built");
		return 0;
	}
	if (e != NULL)
		rng = strtoull(e, NULL, 0);
	else
		randombytes_buf(&rng, sizeof rng);
	rng |= 1;
	printf("# random seed: RENDER_TEST_SEED=0x%016llx\n",
	    (unsigned long long)rng);
	snprintf(dir, sizeof dir, "/tmp/envseal-sdenv.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	/* Run a private copy: a concurrent `make check` rebuilds $SDENV in
	 * place, and a half-written binary must not look like a parser
	 * disagreement. */
	{
		static char copy[128];
		char cmd[512];

		snprintf(copy, sizeof copy, "%s/sdenv", dir);
		snprintf(cmd, sizeof cmd, "cp '%s' '%s'", sdenv, copy);
		if (system(cmd) != 0)
			return 1;
		sdenv = copy;
	}
	test_table();
	test_random();
	test_parser_agrees();
	{
		char cmd[128];

		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return t_done();
}
