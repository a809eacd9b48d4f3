/*
 * fs/audit.c — the hash-chained audit log, /var/log/envseal/audit.jsonl
 * under the root (directory root 0700, file 0600).
 *
 * One JSON object per line, fields in a fixed order, no spaces:
 *   {"time":..,"run":..,"event":"begin"|"file"|"dir"|"end","uid":N,
 *    "sudo_user":..|null,"command":..,"policy":..|null, <event fields>,
 *    "prev":"<64 hex>","hash":"<64 hex>"}
 * Event fields: file/dir: "path","action","owner","group","mode"
 * ["fingerprint"] ["vars"] ["error"]; end: "status".
 *
 * What is hashed: the record's bytes from its "{" up to and including the
 * closing quote of the "prev" value — the line without its final
 * `,"hash":"<64 hex>"}` and newline. hash = SHA-256 of those bytes, lower
 * hex. prev is the previous line's hash, 64 zeros on the first line. So
 *   head -1 audit.jsonl | sed 's/,"hash":"[0-9a-f]*"}$//' | tr -d '\n' |
 *   sha256sum
 * reproduces a record's hash with standard tools.
 *
 * fingerprint = keyed BLAKE2b-256 (crypto_generichash) of the content,
 * key = the 32 bytes of /var/lib/envseal/audit.key: it proves what was
 * written to whoever holds the key, without letting anyone brute-force a
 * low-entropy secret from the log. Verifying the chain needs no key.
 */
#include "fs/fs_int.h"
#include "crypto/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

/* Longest audit line read back (tail, verify, show). A record with
 * thousands of variable names stays well below it. */
#define FS_AUDIT_LINE_MAX ((size_t)1 << 20)
/* Longest SUDO_USER recorded (a user name is at most 32 bytes on Linux;
 * anything longer is someone else's string). */
#define FS_SUDO_USER_MAX 256
/* Hex digits of a record hash (SHA-256). */
#define FS_HASH_HEX FS_SHA256_HEX
/* "2026-11-27T10:02:30Z" and room to spare. */
#define FS_TIME_MAX 32
/* Run id prefix `audit show` prints: enough to tell runs apart. */
#define FS_SHOW_RUN_HEX 8
/* The line's tail after the hashed bytes: ,"hash":"<64>"} */
#define FS_HASH_TAIL_LEN (sizeof ",\"hash\":\"" - 1 + FS_HASH_HEX + 2)
/* The hashed bytes end with ,"prev":"<64>" */
#define FS_PREV_TAIL_LEN (sizeof ",\"prev\":\"" - 1 + FS_HASH_HEX + 1)
/* Bytes of the log's end read to find the last hash: the line's tail
 * after the hashed bytes plus its newline. */
#define FS_TAIL_READ (FS_HASH_TAIL_LEN + 1)
/* A record's fields besides its path and variable names (time, run,
 * uid, actor, command, policy, action, owner, group, mode, fingerprint,
 * prev, hash) fit here; reserved once so a record is not regrown. */
#define FS_RECORD_BASE 1024
/* Fields of a record `audit show` looks at. */
#define FS_JFIELDS_MAX 32

static const char zero_hash[FS_HASH_HEX + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* --- the key --- */

static int
key_check(int fd, const struct stat *st)
{
	int acl;

	if (st->st_size != FS_AUDIT_KEYLEN)
		return es_failf(ES_EINTEGRITY, "%s: not a %d-byte key",
		    FS_KEY_PATH, FS_AUDIT_KEYLEN);
	if (st->st_uid != geteuid() || (st->st_mode & 07077) != 0)
		return es_failf(ES_EUNSAFE, "%s: must be owned by uid %lu with "
		    "no group/other access (mode %04o); refused", FS_KEY_PATH,
		    (unsigned long)geteuid(), (unsigned)(st->st_mode & 07777));
	/* An ACL could grant what the mode does not. */
	if ((acl = fs_has_acl(fd, 0, FS_KEY_PATH)) != 0)
		return acl < 0 ? acl : es_failf(ES_EUNSAFE, "%s: has a POSIX "
		    "ACL; refused", FS_KEY_PATH);
	return 0;
}

static int
key_read(int dfd, unsigned char *key, int *found)
{
	struct es_sbuf b = { 0 };
	struct stat st;
	int fd = -1, r;

	*found = 0;
	if ((r = fs_open_target(dfd, "audit.key", FS_KEY_PATH, &fd, &st)) != 0
	    || fd < 0)
		goto out;
	if ((r = key_check(fd, &st)) != 0)
		goto out;
	if ((r = fs_read_all(fd, FS_AUDIT_KEYLEN, &b, FS_KEY_PATH)) != 0)
		goto out;
	if (b.len != FS_AUDIT_KEYLEN) {
		r = es_failf(ES_EINTEGRITY, "%s: short key", FS_KEY_PATH);
		goto out;
	}
	memcpy(key, b.p, FS_AUDIT_KEYLEN);
	*found = 1;
out:
	es_sbuf_free(&b);
	if (fd >= 0)
		close(fd);
	return r;
}

/* Load the fingerprint key, making it on first use (RENAME_NOREPLACE:
 * two first runs agree on one key). */
static int
key_load(struct es_root *root)
{
	struct fs_want w;
	enum es_action act;
	unsigned char *key;
	int dfd = -1, r, found = 0, tries;

	if (root->key != NULL)
		return 0;
	if ((key = sodium_malloc(FS_AUDIT_KEYLEN)) == NULL)
		return -ENOMEM;
	if ((r = fs_infra_dir(root, FS_STATE_DIR, 0700)) != 0)
		goto out;
	if ((r = fs_open_dir(root->fd, FS_STATE_DIR + 1, FS_KEY_PATH, &dfd))
	    != 0)
		goto out;
	if ((r = fs_dir_trusted(dfd, geteuid(), FS_KEY_PATH)) != 0)
		goto out;
	for (tries = 0; tries < FS_COMMIT_TRIES && !found; tries++) {
		if ((r = key_read(dfd, key, &found)) != 0 || found)
			break;
		randombytes_buf(key, FS_AUDIT_KEYLEN);
		memset(&w, 0, sizeof w);
		w.dirfd = dfd;
		w.name = "audit.key";
		w.display = FS_KEY_PATH;
		w.uid = geteuid();
		w.gid = getegid();
		w.mode = 0600;
		w.data = key;
		w.len = FS_AUDIT_KEYLEN;
		w.create_only = 1;
		r = fs_put(&w, &act);
		if (r == 0)
			found = 1;
		else if (r != -EEXIST)
			break;
	}
	if (r == 0 && !found)
		r = es_failf(ES_EINTERNAL, "%s: could not be made", FS_KEY_PATH);
out:
	if (dfd >= 0)
		close(dfd);
	if (r != 0) {
		sodium_free(key);
		return r;
	}
	root->key = key;
	return 0;
}

/* --- appending --- */

/* Open (creating) the log for appending, root-only. */
static int
log_open(struct es_root *root, int *out)
{
	struct stat st;
	int dfd = -1, fd = -1, r;

	*out = -1;
	if ((r = fs_infra_dir(root, FS_LOG_DIR, 0700)) != 0)
		return r;
	if ((r = fs_open_dir(root->fd, FS_LOG_DIR + 1, FS_LOG_PATH, &dfd)) != 0)
		return r;
	if ((r = fs_dir_trusted(dfd, geteuid(), FS_LOG_PATH)) != 0)
		goto out;
	if (fstatat(dfd, "audit.jsonl", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISREG(st.st_mode)) {
		r = es_failf(ES_EUNSAFE, "%s: is %s; refused", FS_LOG_PATH,
		    fs_kind(st.st_mode));
		goto out;
	}
	/* O_APPEND: every record lands at the end whoever else appends;
	 * O_NOFOLLOW: a symlink planted here is refused, not followed. */
	fd = openat(dfd, "audit.jsonl", O_RDWR | O_APPEND | O_CREAT |
	    O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0600);
	if (fd < 0) {
		r = es_failf(errno == ELOOP ? ES_EUNSAFE : -errno, "%s: %s",
		    FS_LOG_PATH, errno == ELOOP ? "is a symlink; refused" :
		    strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = es_failf(ES_EUNSAFE, "%s: not a regular file; refused",
		    FS_LOG_PATH);
		goto out;
	}
	/* A log that is not ours, or that others could open, is refused,
	 * never adopted: whoever made it or opened it may keep a descriptor
	 * (to read or truncate the log) that no chown or chmod closes. One
	 * we made narrower than 0600 (a umask) is only widened to 0600. */
	if (st.st_uid != geteuid() || (st.st_mode & 07077) != 0) {
		r = es_failf(ES_EUNSAFE, "%s: owned by uid %lu with mode %04o: "
		    "the log must be owned by uid %lu with no group/other "
		    "access; refused", FS_LOG_PATH, (unsigned long)st.st_uid,
		    (unsigned)(st.st_mode & 07777), (unsigned long)geteuid());
		goto out;
	}
	if ((r = fs_has_acl(fd, 0, FS_LOG_PATH)) != 0) {
		if (r > 0)
			r = es_failf(ES_EUNSAFE, "%s: has a POSIX ACL (others "
			    "may have it open); refused", FS_LOG_PATH);
		goto out;
	}
	if ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) != 0) {
		r = es_failf(-errno, "%s: chmod: %s", FS_LOG_PATH,
		    strerror(errno));
		goto out;
	}
	*out = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return r;
}

/* The hash of the log's last line (zeros for an empty log). *torn is set
 * when the file does not end in a newline (a crash mid-append). Only the
 * last FS_TAIL_READ bytes are read: the hash is at the very end of the
 * line, so the cost does not grow with the record or the log. */
static int
log_tail(int fd, const struct stat *st, char *prev, int *torn)
{
	char buf[FS_TAIL_READ];
	size_t n, i, end;
	ssize_t got;

	memcpy(prev, zero_hash, sizeof zero_hash);
	*torn = 0;
	if (st->st_size == 0)
		return 0;
	n = (size_t)st->st_size < sizeof buf ? (size_t)st->st_size :
	    sizeof buf;
	got = pread(fd, buf, n, st->st_size - (off_t)n);
	if (got != (ssize_t)n)
		return es_failf(-EIO, "%s: cannot read its tail", FS_LOG_PATH);
	end = n;
	if (buf[end - 1] == '\n')
		end--;
	else
		*torn = 1;
	/* The line ends ,"hash":"<64>"}; take the hex digits. */
	if (end >= FS_HASH_TAIL_LEN && buf[end - 1] == '}' &&
	    buf[end - 2] == '"') {
		for (i = 0; i < FS_HASH_HEX; i++)
			prev[i] = buf[end - 2 - FS_HASH_HEX + i];
		prev[FS_HASH_HEX] = '\0';
	}
	return 0;
}

/* The previous hash: the one this process wrote last when the log is
 * still the file (inode) and size it left, else read from the tail. Call
 * with the log's flock held, so no appender slips in between. */
static int
chain_prev(struct es_root *root, int fd, char *prev, int *torn,
    struct stat *st)
{
	if (fstat(fd, st) != 0)
		return es_failf(-errno, "%s: %s", FS_LOG_PATH, strerror(errno));
	if (root->tip_ok && st->st_dev == root->tip_dev &&
	    st->st_ino == root->tip_ino && st->st_size == root->tip_size) {
		memcpy(prev, root->tip_hash, sizeof root->tip_hash);
		*torn = 0;
		return 0;
	}
	return log_tail(fd, st, prev, torn);
}

static void
rfc3339_now(char *out, size_t size)
{
	struct tm tm;
	time_t t = time(NULL);

	gmtime_r(&t, &tm);
	if (strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		BUG("time string does not fit");
}

/* The fields every record starts with. */
static int
record_head(struct es_root *root, struct es_sbuf *b, const char *event)
{
	char now[FS_TIME_MAX];
	const char *sudo = getenv("SUDO_USER");
	int r;

	rfc3339_now(now, sizeof now);
	r = fs_sbuf_printf(b, "{\"time\":\"%s\",\"run\":\"%s\",\"event\":"
	    "\"%s\",\"uid\":%lu,\"sudo_user\":", now, root->run_id, event,
	    (unsigned long)getuid());
	if (r == 0 && sudo != NULL && strlen(sudo) <= FS_SUDO_USER_MAX)
		r = fs_json_str(b, sudo);
	else if (r == 0)
		r = fs_sbuf_printf(b, "null");
	if (r == 0)
		r = fs_sbuf_printf(b, ",\"command\":");
	if (r == 0)
		r = fs_json_str(b, root->command);
	if (r == 0 && root->policy_hex[0] != '\0')
		r = fs_sbuf_printf(b, ",\"policy\":\"%s\"", root->policy_hex);
	else if (r == 0)
		r = fs_sbuf_printf(b, ",\"policy\":null");
	return r;
}

/* Chain and append the record in b (its fields, without prev/hash). */
static int
append(struct es_root *root, struct es_sbuf *b)
{
	unsigned char h[FS_SHA256_BYTES];
	char prev[FS_HASH_HEX + 1], hex[FS_HASH_HEX + 1];
	struct stat st;
	off_t size;
	int fd = -1, r, torn;

	root->in_audit = 1;
	if ((r = log_open(root, &fd)) != 0)
		goto out;
	/* Appenders of other runs chain through the same tail; a stuck
	 * one is waited for ES_LOCK_WAIT_SECONDS, not forever. */
	if ((r = fs_wait_flock(root, fd, FS_LOG_PATH)) != 0)
		goto out;
	/* Forget the tip until this append has fully succeeded. */
	if ((r = chain_prev(root, fd, prev, &torn, &st)) != 0)
		goto out;
	root->tip_ok = 0;
	if ((r = fs_sbuf_printf(b, ",\"prev\":\"%s\"", prev)) != 0)
		goto out;
	es_sha256(b->p, b->len, h);
	es_hex(hex, h, sizeof h);
	if ((r = fs_sbuf_printf(b, ",\"hash\":\"%s\"}\n", hex)) != 0)
		goto out;
	/* A torn last line stays visible to verify; ours starts afresh. */
	if ((torn && (r = fs_write_all(fd, "\n", 1)) != 0) ||
	    (r = fs_write_all(fd, b->p, b->len)) != 0) {
		r = es_failf(r, "%s: append: %s", FS_LOG_PATH, strerror(-r));
		goto out;
	}
	if (fsync(fd) != 0) {
		r = es_failf(-errno, "%s: fsync: %s", FS_LOG_PATH,
		    strerror(errno));
		goto out;
	}
	/* O_APPEND under our flock: the log now ends with our line. */
	size = st.st_size + (off_t)torn + (off_t)b->len;
	root->tip_dev = st.st_dev;
	root->tip_ino = st.st_ino;
	root->tip_size = size;
	memcpy(root->tip_hash, hex, sizeof hex);
	root->tip_ok = 1;
out:
	if (fd >= 0)
		close(fd);
	root->in_audit = 0;
	return r;
}

static int
owner_field(struct es_sbuf *b, const char *key, const char *name,
    unsigned long id)
{
	int r = fs_sbuf_printf(b, ",\"%s\":", key);

	if (r == 0 && name != NULL)
		return fs_json_str(b, name);
	return r == 0 ? fs_sbuf_printf(b, "\"%lu\"", id) : r;
}

/* A variable name as a JSON string: names are printable ASCII without
 * '"' or '\\' (render checks them), and such a string is its own JSON
 * text, so it is copied whole instead of byte by byte; anything else
 * goes through the escaper. */
static int
json_name(struct es_sbuf *b, const char *s)
{
	size_t i, n = strlen(s);
	int r;

	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
			return fs_json_str(b, s);
	if ((r = es_sbuf_reserve(b, n + 2)) != 0)
		return r;
	b->p[b->len++] = '"';
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len++] = '"';
	return 0;
}

static int
record_body(struct es_root *root, struct es_sbuf *b,
    const struct fs_record *rec)
{
	unsigned char fp[crypto_generichash_BYTES];
	char hex[2 * sizeof fp + 1];
	size_t i;
	int r;

	r = fs_sbuf_printf(b, ",\"path\":");
	if (r == 0)
		r = fs_json_str(b, rec->path);
	if (r == 0)
		r = fs_sbuf_printf(b, ",\"action\":\"%s\"",
		    es_action_name(rec->action));
	if (r == 0)
		r = owner_field(b, "owner", rec->owner_name,
		    (unsigned long)rec->uid);
	if (r == 0)
		r = owner_field(b, "group", rec->group_name,
		    (unsigned long)rec->gid);
	if (r == 0)
		r = fs_sbuf_printf(b, ",\"mode\":\"%04o\"",
		    (unsigned)(rec->mode & 07777));
	if (r == 0 && rec->data != NULL) {
		crypto_generichash(fp, sizeof fp, rec->data, rec->len,
		    root->key, FS_AUDIT_KEYLEN);
		es_hex(hex, fp, sizeof fp);
		r = fs_sbuf_printf(b, ",\"fingerprint\":\"%s\"", hex);
	}
	if (r == 0 && rec->varnames != NULL) {
		r = fs_sbuf_printf(b, ",\"vars\":[");
		for (i = 0; r == 0 && i < rec->nvarnames; i++) {
			if (i > 0)
				r = es_sbuf_putc(b, ',');
			if (r == 0)
				r = json_name(b, rec->varnames[i]);
		}
		if (r == 0)
			r = es_sbuf_putc(b, ']');
	}
	if (r == 0 && rec->err != 0) {
		/* The detail names paths and causes, never values (the error
		 * contract of common/envseal.h). */
		r = fs_sbuf_printf(b, ",\"error\":");
		if (r == 0)
			r = fs_json_str(b, *es_errdetail() ? es_errdetail() :
			    es_strerror(rec->err));
	}
	return r;
}

/* Bytes a record will likely take: names as written, plus quotes and
 * commas. Escapes may need more; the buffer still grows then. A record
 * holds names, a keyed fingerprint and an error detail, never a value,
 * but stays in the layer's usual guarded buffer. */
static size_t
record_estimate(const struct fs_record *rec)
{
	size_t i, n = FS_RECORD_BASE + strlen(rec->path);

	for (i = 0; rec->varnames != NULL && i < rec->nvarnames; i++)
		n += strlen(rec->varnames[i]) + 3;
	return n < ES_SBUF_MAX ? n : ES_SBUF_MAX;
}

int
fs_audit_record(struct es_root *root, const struct fs_record *rec)
{
	struct es_sbuf b = { 0 };
	int r;

	if (!root->audit_on || root->in_audit || es_root_checking(root))
		return 0;
	if (rec->data != NULL && (r = key_load(root)) != 0)
		return r;
	if ((r = es_sbuf_reserve(&b, record_estimate(rec))) == 0 &&
	    (r = record_head(root, &b, rec->kind)) == 0 &&
	    (r = record_body(root, &b, rec)) == 0)
		r = append(root, &b);
	es_sbuf_free(&b);
	return r;
}

int
es_audit_begin(struct es_root *root, const char *command,
    const unsigned char *policy_sha256)
{
	unsigned char rnd[FS_RUN_ID_BYTES];
	struct es_sbuf b = { 0 };
	int n, r;

	n = snprintf(root->command, sizeof root->command, "%s", command);
	if (n < 0 || (size_t)n >= sizeof root->command)
		return es_failf(ES_ELIMIT, "audit: command name too long");
	randombytes_buf(rnd, sizeof rnd);
	es_hex(root->run_id, rnd, sizeof rnd);
	root->policy_hex[0] = '\0';
	if (policy_sha256 != NULL)
		es_hex(root->policy_hex, policy_sha256, FS_SHA256_BYTES);
	root->audit_on = 1;
	if (es_root_checking(root))
		return 0;
	if ((r = record_head(root, &b, "begin")) == 0)
		r = append(root, &b);
	es_sbuf_free(&b);
	return r;
}

int
es_audit_end(struct es_root *root, int exit_status)
{
	struct es_sbuf b = { 0 };
	int r = 0;

	if (!root->audit_on)
		return 0;
	if (!es_root_checking(root)) {
		if ((r = record_head(root, &b, "end")) == 0 &&
		    (r = fs_sbuf_printf(&b, ",\"status\":%d", exit_status)) == 0)
			r = append(root, &b);
		es_sbuf_free(&b);
	}
	root->audit_on = 0;
	return r;
}

/* --- reading: verify and show --- */

/* Open the log for reading; *f = NULL with 0 when there is none. */
static int
log_read_open(struct es_root *root, FILE **f)
{
	struct stat st;
	int dfd = -1, fd = -1, r;

	*f = NULL;
	r = fs_open_dir(root->fd, FS_LOG_DIR + 1, FS_LOG_PATH, &dfd);
	if (r == -ENOENT) {
		es_errclear();
		return 0;
	}
	if (r != 0)
		return r;
	r = fs_open_target(dfd, "audit.jsonl", FS_LOG_PATH, &fd, &st);
	close(dfd);
	if (r != 0 || fd < 0)
		return r;
	if ((*f = fdopen(fd, "r")) == NULL) {
		r = -errno;
		close(fd);
		return es_failf(r, "%s: %s", FS_LOG_PATH, strerror(-r));
	}
	return 0;
}

/*
 * Read one line of at most FS_AUDIT_LINE_MAX bytes into buf (which holds
 * FS_AUDIT_LINE_MAX + 2). 1 with *len set (newline kept), 0 at the end,
 * -1 for a longer line (getline() would grow without bound), -2 for a
 * line with a NUL byte.
 */
static int
read_line(FILE *f, char *buf, size_t *len)
{
	if (fgets(buf, (int)FS_AUDIT_LINE_MAX + 2, f) == NULL)
		return 0;
	*len = strlen(buf);
	if (*len > FS_AUDIT_LINE_MAX)
		return -1;
	/* A NUL byte cut the line short: no record holds one. */
	if (*len == 0 || (buf[*len - 1] != '\n' && !feof(f)))
		return -2;
	return 1;
}

static void
skip_line(FILE *f)
{
	int c;

	while ((c = getc(f)) != EOF && c != '\n')
		;
}

static int
is_hex64(const char *p)
{
	size_t i;

	for (i = 0; i < FS_HASH_HEX; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

/* Check one line against the chain; on success expect becomes its hash. */
static int
verify_line(const char *line, size_t len, size_t lineno, char *expect)
{
	unsigned char h[FS_SHA256_BYTES];
	char hex[FS_HASH_HEX + 1];
	const char *tail, *prev;
	size_t body;

	if (len < FS_HASH_TAIL_LEN + FS_PREV_TAIL_LEN + 1 || line[0] != '{')
		return es_failf(ES_EINTEGRITY, "%s:%zu: not a record "
		    "(truncated or edited)", FS_LOG_PATH, lineno);
	body = len - FS_HASH_TAIL_LEN;
	tail = line + body;
	if (memcmp(tail, ",\"hash\":\"", 9) != 0 || !is_hex64(tail + 9) ||
	    memcmp(tail + 9 + FS_HASH_HEX, "\"}", 2) != 0)
		return es_failf(ES_EINTEGRITY, "%s:%zu: no hash field "
		    "(truncated or edited)", FS_LOG_PATH, lineno);
	crypto_hash_sha256(h, (const unsigned char *)line, body);
	es_hex(hex, h, sizeof h);
	if (memcmp(hex, tail + 9, FS_HASH_HEX) != 0)
		return es_failf(ES_EINTEGRITY, "%s:%zu: hash mismatch: the "
		    "record was edited", FS_LOG_PATH, lineno);
	prev = line + body - FS_PREV_TAIL_LEN;
	if (memcmp(prev, ",\"prev\":\"", 9) != 0 ||
	    memcmp(prev + 9, expect, FS_HASH_HEX) != 0)
		return es_failf(ES_EINTEGRITY, "%s:%zu: prev does not match "
		    "the hash of %s: a record was removed, inserted or "
		    "reordered", FS_LOG_PATH, lineno, lineno == 1 ?
		    "the chain start (zeros)" : "the line before");
	memcpy(expect, hex, sizeof hex);
	return 0;
}

int
es_audit_verify(struct es_root *root, FILE *out)
{
	char expect[FS_HASH_HEX + 1];
	char *line;
	size_t lineno = 0, len;
	FILE *f;
	int r, got;

	if ((r = log_read_open(root, &f)) != 0)
		return r;
	if (f == NULL) {
		fprintf(out, "%s: no audit log\n", FS_LOG_PATH);
		return 0;
	}
	if ((line = malloc(FS_AUDIT_LINE_MAX + 2)) == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	memcpy(expect, zero_hash, sizeof zero_hash);
	while ((got = read_line(f, line, &len)) != 0) {
		lineno++;
		if (got < 0) {
			r = es_failf(ES_EINTEGRITY, "%s:%zu: %s", FS_LOG_PATH,
			    lineno, got == -1 ? "line too long" :
			    "NUL byte in the line");
			break;
		}
		if (line[len - 1] == '\n')
			len--;
		else {
			r = es_failf(ES_EINTEGRITY, "%s:%zu: last record has no "
			    "newline (torn write)", FS_LOG_PATH, lineno);
			break;
		}
		if ((r = verify_line(line, len, lineno, expect)) != 0)
			break;
	}
	free(line);
	fclose(f);
	if (r == 0)
		fprintf(out, "%s: %zu records, chain intact; last hash %s\n",
		    FS_LOG_PATH, lineno, expect);
	return r;
}

static const char *
field(const struct fs_jfield *f, int n, const char *key)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(f[i].key, key))
			return f[i].val;
	return "-";
}

static void
show_line(FILE *out, const struct fs_jfield *f, int n)
{
	const char *ev = field(f, n, "event");
	char run[FS_SHOW_RUN_HEX + 1];

	/* Cut on purpose: the first FS_SHOW_RUN_HEX digits tell runs apart. */
	(void)snprintf(run, sizeof run, "%s", field(f, n, "run"));
	fprintf(out, "%s  %s  ", field(f, n, "time"), run);
	if (!strcmp(ev, "begin")) {
		fprintf(out, "begin %s  uid %s", field(f, n, "command"),
		    field(f, n, "uid"));
		if (strcmp(field(f, n, "sudo_user"), "null") != 0)
			fprintf(out, " (sudo %s)", field(f, n, "sudo_user"));
		fprintf(out, "  policy %s\n", field(f, n, "policy"));
	} else if (!strcmp(ev, "end")) {
		fprintf(out, "end   status %s\n", field(f, n, "status"));
	} else {
		fprintf(out, "%-9s %s %s  %s:%s %s", field(f, n, "action"), ev,
		    field(f, n, "path"), field(f, n, "owner"),
		    field(f, n, "group"), field(f, n, "mode"));
		if (strcmp(field(f, n, "vars"), "-") != 0)
			fprintf(out, "  vars %s", field(f, n, "vars"));
		if (strcmp(field(f, n, "error"), "-") != 0)
			fprintf(out, "  error: %s", field(f, n, "error"));
		fputc('\n', out);
	}
}

int
es_audit_show(struct es_root *root, FILE *out)
{
	struct fs_jfield f[FS_JFIELDS_MAX];
	char *line;
	size_t lineno = 0, n;
	FILE *in;
	int r, nf, got;

	if ((r = log_read_open(root, &in)) != 0)
		return r;
	if (in == NULL) {
		fprintf(out, "%s: no audit log\n", FS_LOG_PATH);
		return 0;
	}
	if ((line = malloc(FS_AUDIT_LINE_MAX + 2)) == NULL) {
		fclose(in);
		return -ENOMEM;
	}
	while ((got = read_line(in, line, &n)) != 0) {
		lineno++;
		if (got < 0) {
			fprintf(out, "line %zu: unreadable record\n", lineno);
			/* Skip the rest of a long line (a NUL-cut one was
			 * read through its newline already). */
			if (got == -1)
				skip_line(in);
			continue;
		}
		if (line[n - 1] == '\n')
			n--;
		nf = fs_json_parse_flat(line, n, f, FS_JFIELDS_MAX);
		if (nf < 0) {
			fprintf(out, "line %zu: unreadable record\n", lineno);
			continue;
		}
		show_line(out, f, nf);
		fs_jfields_free(f, (size_t)nf);
	}
	free(line);
	fclose(in);
	return 0;
}
