/*
 * tests/unit/test_fs.c — the pure helpers of fs/ (path split, names, temp
 * pattern, JSON escaping and parsing) and the layer itself in-process on a
 * scratch root, so that the ASan+UBSan build exercises it too.
 */
#include "fs/fs_int.h"
#include "tests/unit/t.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sodium.h>

static int
split_is(const char *path, const char *dir, const char *name)
{
	char d[ES_PATH_MAX], n[FS_NAME_MAX + 1];

	return fs_path_split(path, d, n) == 0 && !strcmp(d, dir) &&
	    !strcmp(n, name);
}

static void
test_split(void)
{
	char d[ES_PATH_MAX], n[FS_NAME_MAX + 1], big[ES_PATH_MAX + 8];

	T_CHECK("split /etc/veza/x.env", split_is("/etc/veza/x.env",
	    "etc/veza", "x.env"));
	T_CHECK("split /x", split_is("/x", ".", "x"));
	T_CHECK("split //etc//x/", split_is("//etc//x/", "etc", "x"));
	T_CHECK("split refuses relative", fs_path_split("etc/x", d, n) ==
	    ES_EUNSAFE);
	T_CHECK("split refuses ..", fs_path_split("/etc/../x", d, n) ==
	    ES_EUNSAFE);
	T_CHECK("split refuses .", fs_path_split("/etc/./x", d, n) ==
	    ES_EUNSAFE);
	T_CHECK("split refuses trailing ..", fs_path_split("/etc/..", d, n) ==
	    ES_EUNSAFE);
	T_CHECK("split refuses /", fs_path_split("/", d, n) == ES_EUNSAFE);
	memset(big, 'a', sizeof big - 1);
	big[0] = '/';
	big[sizeof big - 1] = '\0';
	T_CHECK("split refuses overlong path", fs_path_split(big, d, n) ==
	    ES_ELIMIT);
	memset(big, 'a', 240);
	big[0] = '/';
	big[240] = '\0';
	T_CHECK("split refuses overlong name", fs_path_split(big, d, n) !=
	    0);
}

static void
test_names(void)
{
	char t[FS_TMPNAME_MAX];

	T_CHECK("name ok", fs_name_ok("x.env"));
	T_CHECK("name not empty", !fs_name_ok(""));
	T_CHECK("name not .", !fs_name_ok("."));
	T_CHECK("name not ..", !fs_name_ok(".."));
	T_CHECK("name no slash", !fs_name_ok("a/b"));
	T_CHECK("tmpname made", fs_tmpname(t, sizeof t, "x.env") == 0);
	T_CHECK("tmpname matches its pattern", fs_tmpname_match(t, "x.env"));
	T_CHECK("tmpname not another name's", !fs_tmpname_match(t, "x.en"));
	T_CHECK("tmp pattern exact", fs_tmpname_match(
	    ".envseal-tmp.x.env.0123456789abcdef", "x.env"));
	T_CHECK("tmp pattern no uppercase hex", !fs_tmpname_match(
	    ".envseal-tmp.x.env.0123456789ABCDEF", "x.env"));
	T_CHECK("tmp pattern no short hex", !fs_tmpname_match(
	    ".envseal-tmp.x.env.0123456789abcde", "x.env"));
	T_CHECK("tmp pattern no suffix", !fs_tmpname_match(
	    ".envseal-tmp.x.env.0123456789abcdef0", "x.env"));
	T_CHECK("tmp pattern no other prefix", !fs_tmpname_match(
	    ".envseal-tmpx.x.env.0123456789abcdef", "x.env"));
	T_CHECK("action names", !strcmp(es_action_name(ES_ACT_METADATA),
	    "metadata") && !strcmp(es_action_name(ES_ACT_REFUSED), "refused"));
}

static int
json_is(const char *in, const char *want)
{
	struct es_sbuf b = { 0 };
	int ok;

	ok = fs_json_str(&b, in) == 0 && b.len == strlen(want) &&
	    memcmp(b.p, want, b.len) == 0;
	es_sbuf_free(&b);
	return ok;
}

static void
test_json(void)
{
	struct fs_jfield f[8];
	const char *rec = "{\"a\":\"x\\\"y\\u0041\",\"n\":12,\"z\":null,"
	    "\"v\":[\"A\",\"B_2\"],\"e\":[]}";
	int n;

	T_CHECK("json plain", json_is("alice", "\"alice\""));
	T_CHECK("json quote and backslash", json_is("a\"b\\c",
	    "\"a\\\"b\\\\c\""));
	T_CHECK("json control chars", json_is("a\nb\x01", "\"a\\u000ab\\u0001\""));
	T_CHECK("json DEL", json_is("\x7f", "\"\\u007f\""));
	T_CHECK("json valid utf-8 kept", json_is("caf\xc3\xa9", "\"caf\xc3\xa9\""));
	T_CHECK("json invalid utf-8 replaced", json_is("a\xff", "\"a\\ufffd\""));
	T_CHECK("json overlong replaced", json_is("\xc0\xaf",
	    "\"\\ufffd\\ufffd\""));
	T_CHECK("json surrogate replaced", json_is("\xed\xa0\x80",
	    "\"\\ufffd\\ufffd\\ufffd\""));
	n = fs_json_parse_flat(rec, strlen(rec), f, 8);
	T_CHECK("parse flat count", n == 5);
	if (n == 5) {
		T_CHECK("parse string unescaped", !strcmp(f[0].val, "x\"yA"));
		T_CHECK("parse number", !strcmp(f[1].val, "12") && !f[1].is_str);
		T_CHECK("parse null", !strcmp(f[2].val, "null"));
		T_CHECK("parse array joined", !strcmp(f[3].val, "A,B_2"));
		T_CHECK("parse empty array", !strcmp(f[4].val, ""));
		fs_jfields_free(f, 5);
	}
	T_CHECK("parse refuses trailing junk",
	    fs_json_parse_flat("{\"a\":1}x", 8, f, 8) == ES_EFORMAT);
	T_CHECK("parse refuses unterminated",
	    fs_json_parse_flat("{\"a\":\"x", 7, f, 8) == ES_EFORMAT);
	T_CHECK("parse refuses too many fields",
	    fs_json_parse_flat("{\"a\":1,\"b\":2}", 13, f, 1) == ES_EFORMAT);
}

/* Random bytes and mutated records through the audit-line parser: it
 * must never read out of bounds (this binary also runs under ASan). */
static void
test_parse_random(void)
{
	static const char seed[] = "{\"time\":\"t\",\"n\":1,\"v\":[\"A\",\"B\"],"
	    "\"s\":\"x\\u0041\\n\"}";
	struct fs_jfield f[8];
	char buf[sizeof seed];
	size_t len;
	int i, n, fine = 1;

	n = fs_json_parse_flat(seed, sizeof seed - 1, f, 8);
	T_CHECK("parser reads the unmutated seed", n == 4);
	if (n > 0)
		fs_jfields_free(f, (size_t)n);
	for (i = 0; i < 20000; i++) {
		memcpy(buf, seed, sizeof seed);
		len = randombytes_uniform(sizeof seed);
		buf[randombytes_uniform(sizeof seed - 1)] =
		    (char)randombytes_uniform(256);
		if (i % 3 == 0)
			randombytes_buf(buf, len);
		n = fs_json_parse_flat(buf, len, f, 8);
		if (n > 8)
			fine = 0;
		if (n > 0)
			fs_jfields_free(f, (size_t)n);
	}
	/* The real assertion is ASan's: no out-of-bounds read or leak. */
	T_CHECK("parser survives 20000 mutated inputs", fine);
}

/* The chain walk's findings, counted (the words are cmd/'s). */
struct walk_count {
	size_t records, over, incomplete;
};

static void
wc_over(void *arg, size_t line, size_t bytes)
{
	(void)line;
	(void)bytes;
	((struct walk_count *)arg)->over++;
}

static void
wc_intact(void *arg, size_t records, const char *last)
{
	(void)last;
	((struct walk_count *)arg)->records = records;
}

static void
wc_incomplete(void *arg, const struct es_audit_open_run *o)
{
	(void)o;
	((struct walk_count *)arg)->incomplete++;
}

static int
audit_walk(struct es_root *root, struct walk_count *c)
{
	struct es_audit_walk w = { wc_over, wc_intact, wc_incomplete, c, 0 };

	memset(c, 0, sizeof *c);
	return es_audit_verify(root, &w);
}

/* The audit run in-process: begin, records, end, verify, tamper. */
static void
test_audit(const char *dir, struct es_root *root)
{
	struct es_file_spec fs;
	enum es_action act;
	char p[512], cmd[700];
	struct walk_count wc;
	unsigned char h[32] = { 1 };

	memset(&fs, 0, sizeof fs);
	fs.path = "/etc/veza/b.env";
	fs.mode = 0600;
	fs.data = "B=1\n";
	fs.len = 4;
	fs.flags = ES_W_TRUSTED;
	T_CHECK("audit begin", es_audit_begin(root, "unit", h) == 0);
	T_CHECK("audit file record", es_write_file(root, &fs, &act) == 0);
	T_CHECK("audit end", es_audit_end(root, 0) == 0);
	T_CHECK("audit verify", audit_walk(root, &wc) == 0 && wc.records == 4 &&
	    wc.incomplete == 0);
	snprintf(p, sizeof p, "%s/var/log/envseal/audit.jsonl", dir);
	snprintf(cmd, sizeof cmd, "sed -i '2s/b.env/c.env/' '%s'", p);
	T_CHECK("audit tamper", system(cmd) == 0);
	T_CHECK("audit verify catches the edit",
	    audit_walk(root, &wc) == ES_EINTEGRITY &&
	    strstr(es_errdetail(), "audit.jsonl:2:") != NULL);
}

/* Records of one run count, and verify says "N records, chain intact". */
static int
verify_count(struct es_root *root, unsigned want)
{
	struct walk_count wc;

	return audit_walk(root, &wc) == 0 && wc.records == want;
}

/* One write of a distinct file (name and content from i), audited. */
static int
put_n(struct es_root *root, unsigned i)
{
	struct es_file_spec fs;
	enum es_action act;
	char path[64], data[32];

	memset(&fs, 0, sizeof fs);
	snprintf(path, sizeof path, "/etc/veza/t%u.env", i % 7);
	snprintf(data, sizeof data, "T=%u\n", i);
	fs.path = path;
	fs.mode = 0600;
	fs.data = data;
	fs.len = strlen(data);
	fs.flags = ES_W_TRUSTED;
	return es_write_file(root, &fs, &act);
}

/* A whole run from another process (own root, own chain-tip cache):
 * begin, one file, end: three records appended behind our back. */
static int
other_appender(const char *dir)
{
	struct es_root *r2 = NULL;
	pid_t pid;
	int st;

	if ((pid = fork()) < 0)
		return 0;
	if (pid == 0) {
		int bad = es_root_open(&r2, dir, 0) != 0 ||
		    es_audit_begin(r2, "other", NULL) != 0 ||
		    put_n(r2, 1000) != 0 || es_audit_end(r2, 0) != 0;
		es_root_close(r2);
		_exit(bad);
	}
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0;
}

/* The chain tip a process remembers between its appends (fs/audit.c):
 * many records in one run, another process appending in between, the
 * log rotated away or truncated under us: the chain must stay valid. */
static void
test_audit_tip(void)
{
	char tmpl[] = "/tmp/envseal-unit.XXXXXX", p[256], q[300];
	struct es_root *root = NULL;
	unsigned i;
	int ok;

	if (mkdtemp(tmpl) == NULL || chmod(tmpl, 0755) != 0 ||
	    snprintf(p, sizeof p, "%s/etc", tmpl) >= (int)sizeof p ||
	    mkdir(p, 0755) != 0 || chmod(p, 0755) != 0 ||
	    snprintf(p, sizeof p, "%s/etc/veza", tmpl) >= (int)sizeof p ||
	    mkdir(p, 0755) != 0 || chmod(p, 0755) != 0 ||
	    es_root_open(&root, tmpl, 0) != 0) {
		T_CHECK("tip: scratch root", 0);
		return;
	}
	ok = es_audit_begin(root, "unit", NULL) == 0;
	for (i = 0; ok && i < 200; i++)
		ok = put_n(root, i) == 0;
	ok = ok && es_audit_end(root, 0) == 0;
	/* Each write changes its file: an intent and an outcome record. */
	T_CHECK("tip: 402 records in one run", ok);
	T_CHECK("tip: one run's chain verifies", verify_count(root, 402));

	ok = es_audit_begin(root, "unit", NULL) == 0 && put_n(root, 1) == 0;
	for (i = 0; ok && i < 5; i++)
		ok = other_appender(tmpl) && put_n(root, i + 2) == 0;
	ok = ok && es_audit_end(root, 0) == 0;
	T_CHECK("tip: interleaved with another process", ok);
	/* Ours: begin, 6 changed files, end (14); theirs: 5 runs of begin,
	 * t6.env, end, with an intent the first time only (t6.env is ours
	 * to change again at the very end): 16. */
	T_CHECK("tip: interleaved chain verifies",
	    verify_count(root, 402 + 14 + 16));

	/* Rotated away (a new inode) and truncated (same inode, smaller):
	 * the remembered tip is not used; each log starts from zeros. The
	 * writes after the rotation and the truncation find t4 and t5 as the
	 * interleaved run left them: unchanged, so no intent. */
	snprintf(p, sizeof p, "%s/var/log/envseal/audit.jsonl", tmpl);
	snprintf(q, sizeof q, "%s.1", p);
	ok = es_audit_begin(root, "unit", NULL) == 0 && put_n(root, 3) == 0 &&
	    rename(p, q) == 0 && put_n(root, 4) == 0 &&
	    es_audit_end(root, 0) == 0;
	T_CHECK("tip: log rotated mid-run", ok);
	T_CHECK("tip: the new log starts its own chain", verify_count(root, 2));
	ok = es_audit_begin(root, "unit", NULL) == 0 && truncate(p, 0) == 0 &&
	    put_n(root, 5) == 0 && es_audit_end(root, 0) == 0;
	T_CHECK("tip: log truncated mid-run", ok);
	T_CHECK("tip: the truncated log chains from zeros",
	    verify_count(root, 2));
	es_root_close(root);
	snprintf(q, sizeof q, "rm -rf '%s'", tmpl);
	T_CHECK("tip: scratch removed", system(q) == 0);
}

/* Names for test_audit_bound: each a name at its bound whose bytes all
 * escape sixfold (\u0001). */
#define BOUND_NAMES 200
#define BOUND_NAME_LEN 1024

/* The longest line of the log under dir, its newline counted; 0 when it
 * cannot be read. */
static size_t
longest_line(const char *dir)
{
	char p[300];
	size_t n = 0, max = 0;
	FILE *f;
	int c;

	snprintf(p, sizeof p, "%s/var/log/envseal/audit.jsonl", dir);
	if ((f = fopen(p, "r")) == NULL)
		return 0;
	while ((c = getc(f)) != EOF) {
		n++;
		if (c == '\n') {
			max = n > max ? n : max;
			n = 0;
		}
	}
	fclose(f);
	return max;
}

/* Records at their worst (a refused path at ES_PATH_MAX, an owner name
 * too long to record, every list of names escaping sixfold) stay within
 * the 64 KiB record bound, and verify reads them. */
static void
test_audit_bound(void)
{
	char tmpl[] = "/tmp/envseal-unit.XXXXXX", p[300], *path, *owner;
	static char names[BOUND_NAMES][BOUND_NAME_LEN + 1];
	const char *v[BOUND_NAMES];
	struct es_root *root = NULL;
	struct es_file_spec fs;
	enum es_action act;
	struct walk_count wc;
	FILE *out = tmpfile();
	size_t i;

	path = malloc(ES_PATH_MAX + 1);
	owner = malloc(1024);
	if (out == NULL || path == NULL || owner == NULL ||
	    mkdtemp(tmpl) == NULL || chmod(tmpl, 0755) != 0 ||
	    snprintf(p, sizeof p, "%s/etc", tmpl) >= (int)sizeof p ||
	    mkdir(p, 0755) != 0 || chmod(p, 0755) != 0 ||
	    es_root_open(&root, tmpl, 0) != 0) {
		T_CHECK("bound: scratch root", 0);
		goto out;
	}
	for (i = 0; i < BOUND_NAMES; i++) {
		memset(names[i], 1, BOUND_NAME_LEN);
		names[i][0] = (char)('A' + i % 26);
		names[i][1] = (char)('A' + i / 26);
		v[i] = names[i];
	}
	memset(path, 1, ES_PATH_MAX);
	memcpy(path, "/etc/", 5);
	path[ES_PATH_MAX] = '\0';
	memset(owner, 1, 1023);
	owner[1023] = '\0';
	memset(&fs, 0, sizeof fs);
	fs.path = path;
	fs.owner_name = owner;
	fs.group_name = owner;
	fs.mode = 0600;
	fs.data = "X=1\n";
	fs.len = 4;
	fs.flags = ES_W_TRUSTED;
	fs.varnames = fs.added = fs.removed = fs.changed = v;
	fs.nvarnames = fs.nadded = fs.nremoved = fs.nchanged = BOUND_NAMES;
	T_CHECK("bound: begin", es_audit_begin(root, "unit", NULL) == 0);
	T_CHECK("bound: the overlong path is refused",
	    es_write_file(root, &fs, &act) != 0 && act == ES_ACT_REFUSED);
	fs.path = "/etc/x.env";
	T_CHECK("bound: a file with 4 x 200 escaped 1 KiB names is written",
	    es_write_file(root, &fs, &act) == 0 && act == ES_ACT_CREATED);
	T_CHECK("bound: end", es_audit_end(root, 0) == 0);
	i = longest_line(tmpl);
	T_CHECK("bound: no record over 64 KiB", i > 0 && i <= (64 << 10));
	T_CHECK("bound: verify reads every record",
	    audit_walk(root, &wc) == 0 && wc.over == 0);
	snprintf(p, sizeof p, "grep -q '\"vars_count\":%d,\"vars_sha256\"' "
	    "'%s/var/log/envseal/audit.jsonl'", BOUND_NAMES, tmpl);
	T_CHECK("bound: the names are counted and hashed", system(p) == 0);
	snprintf(p, sizeof p, "grep -q '\"owner\":\"0\",\"group\":\"0\"' "
	    "'%s/var/log/envseal/audit.jsonl'", tmpl);
	T_CHECK("bound: an overlong owner name is recorded as its number",
	    system(p) == 0);
out:
	es_root_close(root);
	free(path);
	free(owner);
	if (out != NULL)
		fclose(out);
	snprintf(p, sizeof p, "rm -rf '%s'", tmpl);
	T_CHECK("bound: scratch removed", system(p) == 0);
}

/* Line lengths around the 64 KiB record bound and the streaming buffer's
 * refills (every 65536 - 149 bytes past the first 65536). */
static const size_t stream_lens[] = {
	400, 65535, 65536, 65537, 65538, 65685, 65686, 65687,
	131071, 131072, 131073, 131074, 131222, 131223, 131224, 200000,
};
#define STREAM_N (sizeof stream_lens / sizeof stream_lens[0])

/* Append to f a chained record whose line (newline counted) is len bytes;
 * prev is the previous hash in, this one's out. */
static int
stream_record(FILE *f, char *prev, size_t len)
{
	static const char head[] = "{\"time\":\"2026-12-02T00:00:00Z\","
	    "\"run\":\"00000000000000000000000000000000\",\"event\":\"file\","
	    "\"pad\":\"";
	unsigned char h[32];
	size_t fixed = sizeof head - 1 + sizeof "\",\"prev\":\"" - 1 + 64 + 1 +
	    sizeof ",\"hash\":\"" - 1 + 64 + sizeof "\"}\n" - 1, pad;
	char *line, hex[65];
	int n;

	if (len < fixed || (line = malloc(len + 1)) == NULL)
		return 0;
	pad = len - fixed;
	memcpy(line, head, sizeof head - 1);
	memset(line + sizeof head - 1, 'p', pad);
	n = (int)(sizeof head - 1 + pad);
	n += sprintf(line + n, "\",\"prev\":\"%s\"", prev);
	crypto_hash_sha256(h, (unsigned char *)line, (size_t)n);
	es_hex(hex, h, sizeof h);
	n += sprintf(line + n, ",\"hash\":\"%s\"}\n", hex);
	memcpy(prev, hex, sizeof hex);
	n = (size_t)n == len && fwrite(line, 1, len, f) == len;
	free(line);
	return n;
}

/* verify streams lines over the bound: at every length around the bound
 * and the buffer's refills each line checks, lines over the bound get a
 * note, and an edited byte anywhere in a long line is caught there. */
static void
test_audit_stream(void)
{
	char tmpl[] = "/tmp/envseal-unit.XXXXXX", p[300], prev[65];
	struct es_root *root = NULL;
	struct walk_count wc;
	size_t i, notes = 0, sz;
	FILE *f;
	int ok = 1;

	memset(prev, '0', 64);
	prev[64] = '\0';
	if (mkdtemp(tmpl) == NULL || chmod(tmpl, 0755) != 0 ||
	    snprintf(p, sizeof p, "%s/var/log/envseal", tmpl) >= (int)sizeof p ||
	    snprintf(p, sizeof p, "mkdir -p -m 0700 '%s/var/log/envseal'",
	    tmpl) >= (int)sizeof p || system(p) != 0 ||
	    es_root_open(&root, tmpl, ES_ROOT_CHECK) != 0) {
		T_CHECK("stream: scratch root", 0);
		return;
	}
	snprintf(p, sizeof p, "%s/var/log/envseal/audit.jsonl", tmpl);
	if ((f = fopen(p, "w")) == NULL)
		ok = 0;
	for (i = 0; ok && i < STREAM_N; i++) {
		ok = stream_record(f, prev, stream_lens[i]);
		notes += stream_lens[i] > (64 << 10);
	}
	if (f != NULL && fclose(f) != 0)
		ok = 0;
	T_CHECK("stream: log written", ok);
	T_CHECK("stream: every length verifies", audit_walk(root, &wc) == 0);
	T_CHECK("stream: each line over 64 KiB handed over", wc.over == notes);
	T_CHECK("stream: the chain is counted whole", wc.records == 16);
	/* One byte of padding edited in the longest line (the last): in
	 * its first buffer, a middle refill and the last one. */
	for (i = 0, sz = 0; i + 1 < STREAM_N; i++)
		sz += stream_lens[i];
	for (i = 0; i < 3; i++) {
		static const size_t at[] = { 70, 100000, 199800 };
		char cmd[1200];

		snprintf(cmd, sizeof cmd, "cp '%s' '%s.orig' && printf q | dd "
		    "of='%s' bs=1 seek=%zu conv=notrunc 2>/dev/null", p, p, p,
		    sz + at[i]);
		T_CHECK("stream: an edit in the longest line is caught there",
		    system(cmd) == 0 &&
		    audit_walk(root, &wc) == ES_EINTEGRITY &&
		    strstr(es_errdetail(), "audit.jsonl:16: hash mismatch") !=
		    NULL);
		snprintf(cmd, sizeof cmd, "mv '%s.orig' '%s'", p, p);
		T_CHECK("stream: restored", system(cmd) == 0);
	}
	es_root_close(root);
	snprintf(p, sizeof p, "rm -rf '%s'", tmpl);
	T_CHECK("stream: scratch removed", system(p) == 0);
}

/* The layer in-process on a scratch root. */
static void
test_layer(void)
{
	char tmpl[] = "/tmp/envseal-unit.XXXXXX", p[256];
	struct es_root *root = NULL;
	struct es_file_spec fs;
	struct es_dir_spec ds;
	enum es_action act;
	struct stat st, st2;
	unsigned char *buf = NULL;
	size_t len;
	int exists, r;

	if (geteuid() != 0) {
		T_SKIP("layer in-process", "needs root for chown");
		return;
	}
	if (mkdtemp(tmpl) == NULL || chmod(tmpl, 0755) != 0) {
		T_CHECK("layer scratch root", 0);
		return;
	}
	T_CHECK("root open", es_root_open(&root, tmpl, 0) == 0);
	if (root == NULL)
		return;
	memset(&ds, 0, sizeof ds);
	ds.path = "/etc/veza";
	ds.uid = 0;
	ds.gid = 1001;
	ds.mode = 0750;
	T_CHECK("dir created", es_ensure_dir(root, &ds, &act) == 0 &&
	    act == ES_ACT_CREATED);
	snprintf(p, sizeof p, "%s/etc/veza", tmpl);
	T_CHECK("dir owner and mode", stat(p, &st) == 0 && st.st_gid == 1001 &&
	    (st.st_mode & 07777) == 0750);
	T_CHECK("dir unchanged", es_ensure_dir(root, &ds, &act) == 0 &&
	    act == ES_ACT_UNCHANGED);
	memset(&fs, 0, sizeof fs);
	fs.path = "/etc/veza/a.env";
	fs.uid = 0;
	fs.gid = 0;
	fs.mode = 0600;
	fs.data = "A=1\n";
	fs.len = 4;
	fs.flags = ES_W_TRUSTED;
	T_CHECK("file created", es_write_file(root, &fs, &act) == 0 &&
	    act == ES_ACT_CREATED);
	snprintf(p, sizeof p, "%s/etc/veza/a.env", tmpl);
	T_CHECK("file stat", stat(p, &st) == 0);
	T_CHECK("file unchanged", es_write_file(root, &fs, &act) == 0 &&
	    act == ES_ACT_UNCHANGED);
	T_CHECK("unchanged keeps inode and mtime", stat(p, &st2) == 0 &&
	    st.st_ino == st2.st_ino &&
	    st.st_mtim.tv_nsec == st2.st_mtim.tv_nsec &&
	    st.st_mtim.tv_sec == st2.st_mtim.tv_sec);
	fs.data = "A=2\n";
	T_CHECK("file replaced", es_write_file(root, &fs, &act) == 0 &&
	    act == ES_ACT_REPLACED);
	T_CHECK("replace is a new inode", stat(p, &st2) == 0 &&
	    st.st_ino != st2.st_ino);
	r = es_read_file(root, "/etc/veza/a.env", 64, &buf, &len, &st, &exists);
	T_CHECK("read back", r == 0 && exists && len == 4 &&
	    !memcmp(buf, "A=2\n", 4));
	free(buf);
	{
		struct es_sbuf sb = { 0 };

		r = es_read_file_secure(root, "/etc/veza/a.env", 64, &sb, NULL,
		    &exists);
		T_CHECK("read secure", r == 0 && exists && sb.len == 4 &&
		    !memcmp(sb.p, "A=2\n", 4));
		es_sbuf_free(&sb);
		r = es_read_file_secure(root, "/etc/veza/a.env", 2, &sb, NULL,
		    &exists);
		T_CHECK("read secure over max refused, buffer released",
		    r == ES_ELIMIT && sb.len == 0 && sb.p == NULL);
	}
	r = es_read_file(root, "/etc/veza/none", 64, &buf, &len, NULL, &exists);
	T_CHECK("read absent", r == 0 && !exists && buf == NULL);
	r = es_read_file(root, "/etc/veza/a.env", 2, &buf, &len, NULL, &exists);
	T_CHECK("read over max refused", r == ES_ELIMIT);
	free(buf);
	snprintf(p, sizeof p, "%s/etc/veza/link", tmpl);
	T_CHECK("plant symlink", symlink("a.env", p) == 0);
	fs.path = "/etc/veza/link";
	T_CHECK("symlink target refused", es_write_file(root, &fs, &act) ==
	    ES_EUNSAFE && act == ES_ACT_REFUSED);
	test_audit(tmpl, root);
	es_root_close(root);
	snprintf(p, sizeof p, "rm -rf '%s'", tmpl);
	T_CHECK("cleanup", system(p) == 0);
}

/* The trusted-input rule's pure parts (fs/fs.h "Trusted inputs"). */
static void
test_trust_rule(void)
{
	struct fs_trust t = { .caller = 0, .has_sudo = 1, .sudo = 1000 };
	struct fs_trust u = { .caller = 1000, .has_sudo = 0 };
	uid_t x = 7;

	T_CHECK("trust: SUDO_UID 1000", fs_trust_sudo_uid("1000", &x) &&
	    x == 1000);
	T_CHECK("trust: SUDO_UID largest valid",
	    fs_trust_sudo_uid("4294967294", &x) && x == 4294967294U);
	T_CHECK("trust: SUDO_UID -1 as a number refused",
	    !fs_trust_sudo_uid("4294967295", &x));
	T_CHECK("trust: SUDO_UID beyond 32 bits refused",
	    !fs_trust_sudo_uid("4294968296", &x));
	T_CHECK("trust: SUDO_UID signs, spaces, junk, empty refused",
	    !fs_trust_sudo_uid("-1", &x) && !fs_trust_sudo_uid("+1", &x) &&
	    !fs_trust_sudo_uid(" 1", &x) && !fs_trust_sudo_uid("1x", &x) &&
	    !fs_trust_sudo_uid("", &x) && !fs_trust_sudo_uid(NULL, &x));
	T_CHECK("trust: root, caller, sudo user own", fs_trust_owner_ok(&t, 0) &&
	    fs_trust_owner_ok(&t, 1000) && !fs_trust_owner_ok(&t, 1001));
	T_CHECK("trust: non-root caller: root and self only",
	    fs_trust_owner_ok(&u, 0) && fs_trust_owner_ok(&u, 1000) &&
	    !fs_trust_owner_ok(&u, 65534));
	T_CHECK("trust: root 0755 dir", fs_trust_dir_rule(0, S_IFDIR | 0755,
	    1000) == FS_TRUST_DIR_OK);
	T_CHECK("trust: owner's 0700 dir", fs_trust_dir_rule(1000,
	    S_IFDIR | 0700, 1000) == FS_TRUST_DIR_OK);
	T_CHECK("trust: another user's dir", fs_trust_dir_rule(1000,
	    S_IFDIR | 0755, 0) == FS_TRUST_DIR_OWNER);
	T_CHECK("trust: group-writable root dir", fs_trust_dir_rule(0,
	    S_IFDIR | 0775, 0) == FS_TRUST_DIR_GROUP);
	T_CHECK("trust: world-writable root dir", fs_trust_dir_rule(0,
	    S_IFDIR | 0777, 0) == FS_TRUST_DIR_WORLD);
	T_CHECK("trust: sticky root 1777 (/tmp)", fs_trust_dir_rule(0,
	    S_IFDIR | 01777, 1000) == FS_TRUST_DIR_OK);
	T_CHECK("trust: sticky 1777 of another user", fs_trust_dir_rule(65534,
	    S_IFDIR | 01777, 0) == FS_TRUST_DIR_OWNER);
	T_CHECK("trust: the owner's own sticky 1777 is still world-writable",
	    fs_trust_dir_rule(1000, S_IFDIR | 01777, 1000) ==
	    FS_TRUST_DIR_WORLD);
}

/* es_scratch_put: nested directories made, the file 0644 with the bytes;
 * an existing file, "..", an empty component, a symlinked directory and
 * a tree deeper than close descends are refused; close removes it all.
 * Last: as root es_scratch_open enters a mount namespace of its own. */
static void
test_scratch_put(void)
{
	struct es_scratch s;
	struct stat st;
	char buf[16] = { 0 };
	int fd;

	T_CHECK("put: scratch", es_scratch_open(&s, "mark") == 0);
	T_CHECK("put: nested", es_scratch_put(&s, "etc/systemd/system/a.service",
	    "unit", 4) == 0);
	fd = openat(s.dirfd, "etc/systemd/system/a.service", O_RDONLY |
	    O_CLOEXEC);
	T_CHECK("put: the bytes", fd >= 0 && read(fd, buf, sizeof buf) == 4 &&
	    !memcmp(buf, "unit", 4));
	T_CHECK("put: mode 0644", fd >= 0 && fstat(fd, &st) == 0 &&
	    (st.st_mode & 07777) == 0644);
	if (fd >= 0)
		close(fd);
	T_CHECK("put: a second file in the same directory",
	    es_scratch_put(&s, "etc/systemd/system/b.service", "x", 1) == 0);
	T_CHECK("put: an existing file is refused",
	    es_scratch_put(&s, "etc/systemd/system/a.service", "y", 1) ==
	    -EEXIST);
	T_CHECK("put: .. is refused", es_scratch_put(&s, "etc/../x", "y", 1) ==
	    ES_EUSAGE);
	T_CHECK("put: an empty component is refused",
	    es_scratch_put(&s, "etc//x", "y", 1) == ES_EUSAGE);
	T_CHECK("put: symlink", symlinkat("/", s.dirfd, "ln") == 0);
	T_CHECK("put: no symlinked directory is followed",
	    es_scratch_put(&s, "ln/tmp/x", "y", 1) < 0);
	T_CHECK("put: deeper than close descends is refused",
	    es_scratch_put(&s, "1/2/3/4/5/6/7/8/x", "y", 1) == ES_ELIMIT);
	T_CHECK("put: close", es_scratch_close(&s) == 0);
	T_CHECK("put: all removed", stat(s.dir, &st) != 0 && errno == ENOENT);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_trust_rule();
	test_split();
	test_names();
	test_json();
	test_parse_random();
	test_layer();
	if (geteuid() == 0) {
		test_audit_tip();
		test_audit_bound();
		test_audit_stream();
	}
	else
		T_SKIP("audit chain tip", "needs root for chown");
	test_scratch_put();
	return t_done();
}
