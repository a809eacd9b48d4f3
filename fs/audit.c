/*
 * fs/audit.c — the hash-chained audit log, /var/log/envseal/audit.jsonl
 * under the root (directory root 0700, file 0600).
 *
 * One JSON object per line, fields in a fixed order, no spaces:
 *   {"time":..,"run":..,"event":"begin"|"intent"|"file"|"dir"|"end",
 *    "uid":N,"sudo_user":..|null,"command":..,"policy":..|null,
 *    <event fields>,"prev":"<64 hex>","hash":"<64 hex>"}
 * Event fields: begin: "host" ["signer" (the minisign key id that signed
 * the policy, when the root trusts keys)]; intent: "kind" ("file"|"dir"),
 * "path","action","owner",
 * "group","mode" ["fingerprint"]; file/dir: "path","action","owner",
 * "group","mode" ["fingerprint"] [name lists] ["error"]; vault: "path",
 * "sha256" (of the vault's bytes as read: ciphertext), "key" (the label
 * of the key that opened it, null when none did or nothing in it was
 * encrypted; "fingerprint" instead of "sha256" when the file is not
 * ciphertext as a whole: inline !vault values, plaintext); account: "user","user_id","group","group_id","created"
 * (["user","group"]: which it made); end: "status" ["error_class","error" when the run failed
 * and said why (es_audit_fail)].
 * Name lists (env files), changed names first: "added", "removed",
 * "changed" (when not empty), "vars" (every name) — each as an array, or,
 * when it would push the line over FS_AUDIT_RECORD_MAX, as
 * "<list>_count":N,"<list>_sha256":"<64 hex>" (list_hashed says how to
 * reproduce it).
 *
 * Order (fs/fs.h): begin, a vault record for each vault the run opened
 * (before it writes anything), then for each item that changes an intent
 * (fsync'd) before the change is visible and its outcome after; items
 * left unchanged get only their outcome; end (fsync'd). Begin and
 * outcomes are not fsync'd: the next intent or the end makes them
 * durable. A run with an intent and no end was cut off after (or while)
 * changing something; verify names it.
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
#include "fs/inspect.h"
#include "crypto/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

/* Longest record line, its newline included. Every record envseal writes
 * fits: a name list that would not is counted and hashed instead
 * (list_field), so the readers hold a record in one buffer of this size.
 * 64 KiB keeps the changed names of any ordinary run in full. A longer
 * line (an older envseal listed every variable name: 2.8 MB for 100,000)
 * is still hash-checked, streamed through a buffer of this size. */
#define FS_AUDIT_RECORD_MAX ES_AUDIT_RECORD_MAX
/* Longest path a record holds as given; a longer one (a refused path, a
 * deep working-tree path made absolute) is recorded cut, ending "...". */
#define FS_AUDIT_PATH_MAX ES_PATH_MAX
/* JSON escaping grows a string at most sixfold: a byte that is not UTF-8
 * becomes \ufffd, a control byte \u00XX. */
#define FS_JSON_GROWTH 6
/* Longest SUDO_USER recorded (a user name is at most 32 bytes on Linux;
 * anything longer is someone else's string). */
#define FS_SUDO_USER_MAX 256
/* Hex digits of a record hash (SHA-256). */
#define FS_HASH_HEX FS_SHA256_HEX
/* "2026-11-27T10:02:30Z" and room to spare. */
#define FS_TIME_MAX 32
/* The line's tail after the hashed bytes: ,"hash":"<64>"} */
#define FS_HASH_TAIL_LEN (sizeof ",\"hash\":\"" - 1 + FS_HASH_HEX + 2)
/* The hashed bytes end with ,"prev":"<64>" */
#define FS_PREV_TAIL_LEN (sizeof ",\"prev\":\"" - 1 + FS_HASH_HEX + 1)
/* Bytes of the log's end read to find the last hash: the line's tail
 * after the hashed bytes plus its newline. */
#define FS_TAIL_READ (FS_HASH_TAIL_LEN + 1)
/* The fixed text of a record and its short fields (time, run, event,
 * uid, policy, kind, action, mode, fingerprint, the field names, prev,
 * hash) fit here; reserved once so a record is not regrown. */
#define FS_RECORD_BASE 1024
/* A record but its name lists, at most: the fixed text and every bounded
 * string (sudo user, command, path and its "...", owner, group, error
 * detail) escaped at worst. */
#define FS_RECORD_FIXED_MAX (FS_RECORD_BASE + FS_JSON_GROWTH * \
    (FS_SUDO_USER_MAX + FS_COMMAND_MAX + FS_AUDIT_PATH_MAX + \
    2 * FS_AUDIT_OWNER_MAX + ES_ERRDETAIL_MAX))
/* Room the error field takes at most: ,"error": and the detail escaped. */
#define FS_ERROR_FIELD_MAX (sizeof ",\"error\":\"\"" + \
    FS_JSON_GROWTH * ES_ERRDETAIL_MAX)
/* A name list counted and hashed instead of listed:
 * ,"<key>_count":<up to 20 digits>,"<key>_sha256":"<64 hex>" */
#define FS_LIST_HASHED_MAX 128
/* Name lists a record may hold: added, removed, changed, vars. */
#define FS_RECORD_LISTS 4
_Static_assert(FS_RECORD_FIXED_MAX + FS_RECORD_LISTS * FS_LIST_HASHED_MAX +
    FS_TAIL_READ < FS_AUDIT_RECORD_MAX / 2,
    "a record's fixed fields leave its name lists less than half the bound");
/* Fields of a record the readers look at. */
#define FS_JFIELDS_MAX 32
/* Runs verify follows at once from an intent to their end. Runs on one
 * root take the run lock, so beyond the odd concurrent writer the ones
 * open are crashed runs; the oldest is reported as it leaves the table
 * (no end of a run comes after this many later runs began). */
#define FS_VERIFY_RUNS_MAX 256
/* Intended items named per incomplete run; the rest are counted. */
#define FS_VERIFY_NAMED_MAX 8
/* Where a record's event field ends at the latest: {"time":"<20>",
 * "run":"<32>","event":"intent", and slack. */
#define FS_EVENT_SCAN 128

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

/*
 * Chain and append the record in b (its fields, without prev/hash). A
 * durable record (an intent, an end) is fsync'd before this returns; the
 * others become durable with the next one that is. A write that fails
 * part way (a full disk) is cut off again, so no torn record is left.
 */
static int
append(struct es_root *root, struct es_sbuf *b, int durable)
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
		/* Under our flock the bytes past st_size are ours alone. */
		r = es_failf(r, "%s: append: %s%s", FS_LOG_PATH, strerror(-r),
		    ftruncate(fd, st.st_size) != 0 ? " (a torn record is left)" :
		    "");
		goto out;
	}
	if (durable && fsync(fd) != 0) {
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

/* A path field, cut to FS_AUDIT_PATH_MAX bytes ending "..." when longer. */
static int
path_field(struct es_sbuf *b, const char *path)
{
	char cut[FS_AUDIT_PATH_MAX + 1];
	size_t n = strlen(path);
	int r = fs_sbuf_printf(b, ",\"path\":");

	if (r != 0 || n <= FS_AUDIT_PATH_MAX)
		return r != 0 ? r : fs_json_str(b, path);
	memcpy(cut, path, FS_AUDIT_PATH_MAX - 3);
	memcpy(cut + FS_AUDIT_PATH_MAX - 3, "...", 4);
	return fs_json_str(b, cut);
}

static int
owner_field(struct es_sbuf *b, const char *key, const char *name,
    unsigned long id)
{
	int r = fs_sbuf_printf(b, ",\"%s\":", key);

	if (r == 0 && name != NULL && strlen(name) <= FS_AUDIT_OWNER_MAX)
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

/* The keyed BLAKE2b-256 of data, in hex (root->key loaded). */
static void
fingerprint(const struct es_root *root, const void *data, size_t len,
    char hex[FS_FP_HEX + 1])
{
	unsigned char fp[crypto_generichash_BYTES];

	crypto_generichash(fp, sizeof fp, data, len, root->key,
	    FS_AUDIT_KEYLEN);
	es_hex(hex, fp, sizeof fp);
}

/* What an item is and is to be: path, action, owner, group, mode and the
 * fingerprint of its content (fp NULL: none). Intents and outcomes. */
static int
record_item(struct es_sbuf *b, const struct fs_record *rec,
    enum es_action act, const char *fp)
{
	int r = path_field(b, rec->path);

	if (r == 0)
		r = fs_sbuf_printf(b, ",\"action\":\"%s\"", es_action_name(act));
	if (r == 0)
		r = owner_field(b, "owner", rec->owner_name,
		    (unsigned long)rec->uid);
	if (r == 0)
		r = owner_field(b, "group", rec->group_name,
		    (unsigned long)rec->gid);
	if (r == 0)
		r = fs_sbuf_printf(b, ",\"mode\":\"%04o\"",
		    (unsigned)(rec->mode & 07777));
	if (r == 0 && fp != NULL)
		r = fs_sbuf_printf(b, ",\"fingerprint\":\"%s\"", fp);
	return r;
}

/*
 * A long list as "<key>_count" and "<key>_sha256": the SHA-256 of its
 * names, each followed by a newline, in the order given. For an env file
 * that is, for vars, the file's order (by hand: the names of its NAME=
 * lines, one a line, through sha256sum; README has the command) and, for
 * added, removed and changed, byte order (the same through LC_ALL=C
 * sort). Render's names never hold a newline ([A-Za-z_][A-Za-z0-9_]*), so
 * the text hashed is the list itself.
 */
void
es_audit_names_sha256(const char *const *v, size_t n,
    char hex[FS_SHA256_HEX + 1])
{
	unsigned char h[FS_SHA256_BYTES];
	struct es_sha256_state st;
	size_t i;

	es_sha256_init(&st);
	for (i = 0; i < n; i++) {
		es_sha256_update(&st, v[i], strlen(v[i]));
		es_sha256_update(&st, "\n", 1);
	}
	es_sha256_final(&st, h);
	es_hex(hex, h, sizeof h);
}

static int
list_hashed(struct es_sbuf *b, const char *key, const char *const *v,
    size_t n)
{
	char hex[FS_HASH_HEX + 1];

	es_audit_names_sha256(v, n, hex);
	return fs_sbuf_printf(b, ",\"%s_count\":%zu,\"%s_sha256\":\"%s\"", key,
	    n, key, hex);
}

/* The list key:[names] when it takes at most *room bytes (then *room
 * shrinks by that much), else its count and hash. Writing stops at the
 * first name past the room, so a list of 100,000 names costs no more
 * than the room to try. */
static int
list_field(struct es_sbuf *b, const char *key, const char *const *v,
    size_t n, size_t *room)
{
	size_t start = b->len, i;
	int r = fs_sbuf_printf(b, ",\"%s\":[", key);

	for (i = 0; r == 0 && i < n && b->len - start <= *room; i++) {
		if (i > 0)
			r = es_sbuf_putc(b, ',');
		if (r == 0)
			r = json_name(b, v[i]);
	}
	if (r == 0)
		r = es_sbuf_putc(b, ']');
	if (r != 0)
		return r;
	if (b->len - start <= *room) {
		*room -= b->len - start;
		return 0;
	}
	b->len = start;
	return list_hashed(b, key, v, n);
}

/* The name lists, changed names first: added, removed and changed (when
 * any), then every name (when given), each in full while the record stays
 * under FS_AUDIT_RECORD_MAX. err: an error field follows. */
static int
record_lists(struct es_sbuf *b, const struct fs_record *rec, int err)
{
	const struct {
		const char *key;
		const char *const *v;
		size_t n;
	} l[FS_RECORD_LISTS] = {
		{ "added", rec->added, rec->nadded },
		{ "removed", rec->removed, rec->nremoved },
		{ "changed", rec->changed, rec->nchanged },
		{ "vars", rec->varnames, rec->nvarnames },
	};
	size_t i, used, cap, room;
	int r = 0;

	/* What must still fit after the lists: each list's hashed form, the
	 * error field, prev, hash and the newline. */
	used = b->len + (err ? FS_ERROR_FIELD_MAX : 0) + FS_PREV_TAIL_LEN +
	    FS_TAIL_READ;
	cap = FS_AUDIT_RECORD_MAX - FS_RECORD_LISTS * FS_LIST_HASHED_MAX;
	if (used > cap)
		BUG("record fields over FS_RECORD_FIXED_MAX");
	room = cap - used;
	for (i = 0; r == 0 && i < FS_RECORD_LISTS; i++) {
		/* vars is written even when empty, as it always was. */
		if (l[i].v == NULL || (l[i].n == 0 && i + 1 < FS_RECORD_LISTS))
			continue;
		r = list_field(b, l[i].key, l[i].v, l[i].n, &room);
	}
	return r;
}

static int
record_body(struct es_root *root, struct es_sbuf *b,
    const struct fs_record *rec)
{
	char fp[FS_FP_HEX + 1];
	const char *fph = rec->fp_hex;
	int r;

	if (fph == NULL && rec->data != NULL) {
		fingerprint(root, rec->data, rec->len, fp);
		fph = fp;
	}
	r = record_item(b, rec, rec->action, rec->data != NULL ? fph : NULL);
	if (r == 0)
		r = record_lists(b, rec, rec->err != 0);
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
 * commas, at most the bound. Escapes may need more; the buffer still
 * grows then. A record holds names, a keyed fingerprint and an error
 * detail, never a value, but stays in the layer's usual guarded buffer. */
static size_t
record_estimate(const struct fs_record *rec)
{
	const char *const *l[FS_RECORD_LISTS] = { rec->added, rec->removed,
	    rec->changed, rec->varnames };
	const size_t c[FS_RECORD_LISTS] = { rec->nadded, rec->nremoved,
	    rec->nchanged, rec->nvarnames };
	size_t i, k, n = FS_RECORD_BASE + strlen(rec->path);

	for (k = 0; k < FS_RECORD_LISTS; k++)
		for (i = 0; l[k] != NULL && i < c[k] &&
		    n < FS_AUDIT_RECORD_MAX; i++)
			n += strlen(l[k][i]) + 3;
	return n < FS_AUDIT_RECORD_MAX ? n : FS_AUDIT_RECORD_MAX;
}

int
fs_audit_record(struct es_root *root, const struct fs_record *rec)
{
	struct es_sbuf b = { 0 };
	char why[ES_ERRDETAIL_MAX];
	int r;

	if (!root->audit_on || root->in_audit || es_root_checking(root))
		return 0;
	/* Whole: both hold ES_ERRDETAIL_MAX bytes. */
	(void)snprintf(why, sizeof why, "%s", es_errdetail());
	if ((rec->data == NULL || rec->fp_hex != NULL ||
	    (r = key_load(root)) == 0) &&
	    (r = es_sbuf_reserve(&b, record_estimate(rec))) == 0 &&
	    (r = record_head(root, &b, rec->kind)) == 0 &&
	    (r = record_body(root, &b, rec)) == 0)
		r = append(root, &b, 0);
	es_sbuf_free(&b);
	/* A failed action's caller reports the action's error: keep its
	 * detail, not this record's (the same full disk, usually). */
	if (r != 0 && rec->err != 0)
		(void)es_failf(rec->err, "%s", why);
	return r;
}

/*
 * An item's intent: what is about to change, fsync'd before the change is
 * visible. A retry that decides the same action again records nothing
 * more; one that decides another (created, then replaced: someone made the
 * file meanwhile) records that too. Failing, the item stays untouched and
 * the detail says why.
 */
int
fs_audit_intent(void *ctx, enum es_action act)
{
	struct fs_intent *in = ctx;
	struct es_root *root = in->root;
	const struct fs_record *rec = in->rec;
	struct es_sbuf b = { 0 };
	char why[ES_ERRDETAIL_MAX];
	int r;

	if (!root->audit_on || root->in_audit || es_root_checking(root))
		return 0;
	if (in->done && in->act == act)
		return 0;
	if (rec->data != NULL && in->fp[0] == '\0') {
		if ((r = key_load(root)) != 0)
			goto fail;
		fingerprint(root, rec->data, rec->len, in->fp);
	}
	if ((r = es_sbuf_reserve(&b, FS_RECORD_BASE + strlen(rec->path))) ==
	    0 && (r = record_head(root, &b, "intent")) == 0 &&
	    (r = fs_sbuf_printf(&b, ",\"kind\":\"%s\"", rec->kind)) == 0 &&
	    (r = record_item(&b, rec, act, rec->data != NULL ? in->fp : NULL))
	    == 0)
		r = append(root, &b, 1);
	es_sbuf_free(&b);
	if (r == 0) {
		in->done = 1;
		in->act = act;
		return 0;
	}
fail:
	/* The detail is rewritten below: copy it out first (whole: both
	 * hold ES_ERRDETAIL_MAX bytes). */
	(void)snprintf(why, sizeof why, "%s", *es_errdetail() ?
	    es_errdetail() : es_strerror(r));
	return es_failf(r, "%s: not changed: the audit log must record the "
	    "change first, and cannot: %s", rec->path, why);
}

void
es_audit_set_signer(struct es_root *root, const char *keyid)
{
	/* Cut on purpose: a key id is FS_SIGNER_MAX hex digits. */
	(void)snprintf(root->signer, sizeof root->signer, "%s",
	    keyid != NULL ? keyid : "");
}

/* What an auditor asks of a run first: on which host, and who signed
 * its policy (absent: nobody; the root trusts no key). */
static int
begin_fields(struct es_root *root, struct es_sbuf *b)
{
	char host[FS_HOST_MAX + 1];
	int r;

	if (gethostname(host, sizeof host) != 0)
		host[0] = '\0';
	host[FS_HOST_MAX] = '\0';
	r = fs_sbuf_printf(b, ",\"host\":");
	if (r == 0)
		r = fs_json_str(b, host);
	if (r == 0 && root->signer[0] != '\0')
		r = fs_sbuf_printf(b, ",\"signer\":\"%s\"", root->signer);
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
	/* Not fsync'd: a run that changes nothing needs no durable begin,
	 * and one that does makes it durable with its first intent. */
	if ((r = record_head(root, &b, "begin")) == 0)
		r = begin_fields(root, &b);
	if (r == 0)
		r = append(root, &b, 0);
	es_sbuf_free(&b);
	return r;
}

void
es_audit_fail(struct es_root *root, int code)
{
	/* Cut on purpose: both are bounded for the record (the detail at
	 * ES_ERRDETAIL_MAX, as the channel holds it). */
	(void)snprintf(root->fail_class, sizeof root->fail_class, "%s",
	    es_strerror(code));
	(void)snprintf(root->fail_detail, sizeof root->fail_detail, "%s",
	    *es_errdetail() ? es_errdetail() : es_strerror(code));
}

/* A failed run's end: what failed, in the one line the user was told.
 * The detail names paths, variables and causes, never values (the error
 * contract of common/envseal.h). */
static int
end_fields(struct es_root *root, struct es_sbuf *b, int exit_status)
{
	int r = fs_sbuf_printf(b, ",\"status\":%d", exit_status);

	if (r != 0 || exit_status == 0 || root->fail_class[0] == '\0')
		return r;
	if ((r = fs_sbuf_printf(b, ",\"error_class\":")) == 0 &&
	    (r = fs_json_str(b, root->fail_class)) == 0 &&
	    (r = fs_sbuf_printf(b, ",\"error\":")) == 0)
		r = fs_json_str(b, root->fail_detail);
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
		    (r = end_fields(root, &b, exit_status)) == 0)
			r = append(root, &b, 1);
		es_sbuf_free(&b);
	}
	root->audit_on = 0;
	root->fail_class[0] = root->fail_detail[0] = '\0';
	return r;
}

int
es_audit_account(struct es_root *root, const char *user, unsigned long uid,
    const char *group, unsigned long gid, int user_created,
    int group_created)
{
	struct es_sbuf b = { 0 };
	int r;

	if (!root->audit_on || es_root_checking(root))
		return 0;
	if ((r = record_head(root, &b, "account")) == 0 &&
	    (r = fs_sbuf_printf(&b, ",\"user\":")) == 0 &&
	    (r = fs_json_str(&b, user)) == 0 &&
	    (r = fs_sbuf_printf(&b, ",\"user_id\":%lu,\"group\":", uid)) == 0 &&
	    (r = fs_json_str(&b, group)) == 0 &&
	    (r = fs_sbuf_printf(&b, ",\"group_id\":%lu,\"created\":[%s%s%s]", gid,
	    user_created ? "\"user\"" : "", user_created && group_created ?
	    "," : "", group_created ? "\"group\"" : "")) == 0)
		r = append(root, &b, 0);
	es_sbuf_free(&b);
	return r;
}

/* The vault record: its path, "sha256" or "fingerprint" as hex, the key
 * label; the error detail the caller had is kept. */
static int
vault_record(struct es_root *root, const char *path, const char *field,
    const char *hex, const char *key_label, const char *why)
{
	char abs[FS_USER_ABS_MAX];
	struct es_sbuf b = { 0 };
	int r;

	if ((r = record_head(root, &b, "vault")) == 0 &&
	    (r = path_field(&b, fs_user_abs(path, abs))) == 0 &&
	    (r = fs_sbuf_printf(&b, ",\"%s\":\"%s\",\"key\":", field,
	    hex)) == 0)
		r = key_label != NULL && strlen(key_label) <= FS_AUDIT_OWNER_MAX ?
		    fs_json_str(&b, key_label) : fs_sbuf_printf(&b, "null");
	if (r == 0)
		r = append(root, &b, 0);
	es_sbuf_free(&b);
	if (r == 0 && why[0] != '\0')
		(void)es_failf(0, "%s", why);
	return r;
}

int
es_audit_vault(struct es_root *root, const char *path, const void *bytes,
    size_t len, int ciphertext, const char *key_label)
{
	unsigned char h[FS_SHA256_BYTES];
	char hex[FS_HASH_HEX + 1], why[ES_ERRDETAIL_MAX];
	int r;

	_Static_assert(FS_FP_HEX == FS_HASH_HEX, "one hex buffer for both");
	if (root == NULL || !root->audit_on || es_root_checking(root))
		return 0;
	if (ciphertext) {
		es_sha256(bytes, len, h);
		return es_audit_vault_sha256(root, path, h, key_label);
	}
	/* Whole: both hold ES_ERRDETAIL_MAX bytes. A vault that failed to
	 * open is recorded before its error is reported: keep that. */
	(void)snprintf(why, sizeof why, "%s", es_errdetail());
	/* Readable bytes (a low-entropy value among them) must not be
	 * recorded as a digest anyone could test guesses against. */
	if ((r = key_load(root)) != 0)
		return r;
	fingerprint(root, bytes, len, hex);
	return vault_record(root, path, "fingerprint", hex, key_label, why);
}

int
es_audit_vault_sha256(struct es_root *root, const char *path,
    const unsigned char sha256[32], const char *key_label)
{
	char hex[FS_HASH_HEX + 1], why[ES_ERRDETAIL_MAX];

	_Static_assert(FS_SHA256_BYTES == 32, "sha256 is 32 bytes");
	if (root == NULL || !root->audit_on || es_root_checking(root))
		return 0;
	(void)snprintf(why, sizeof why, "%s", es_errdetail());
	es_hex(hex, sha256, FS_SHA256_BYTES);
	return vault_record(root, path, "sha256", hex, key_label, why);
}

/* --- reading: the chain check --- */

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

/* The bytes at a line's end that its check needs: ,"prev":"<64>" and
 * ,"hash":"<64>"}. */
#define FS_LINE_TAIL (FS_PREV_TAIL_LEN + FS_HASH_TAIL_LEN)

/*
 * One line of the log as the readers see it. A line of up to
 * FS_AUDIT_RECORD_MAX bytes (every record envseal writes now) is held
 * whole in buf. A longer one streams through: what leaves buf goes into
 * the hash state, and buf keeps the line's last bytes, so no line costs
 * more memory than a record however long it is, and its chain link can
 * still be checked.
 */
struct line {
	FILE *f;
	char *buf;              /* FS_AUDIT_RECORD_MAX bytes */
	size_t len;             /* bytes in buf */
	size_t total;           /* bytes of the line, its newline not counted */
	int first;              /* its first byte; -1 for an empty line */
	int streamed;           /* buf holds only its end; h the rest */
	int nul;                /* a NUL byte in it (no record holds one) */
	int newline;            /* ended by '\n', not by the end of the log */
	struct es_sha256_state h;   /* crypto/'s: the writer's digest */
};

static void
line_put(struct line *l, int c)
{
	if (l->len == FS_AUDIT_RECORD_MAX) {
		if (!l->streamed)
			es_sha256_init(&l->h);
		l->streamed = 1;
		es_sha256_update(&l->h, l->buf, FS_AUDIT_RECORD_MAX -
		    FS_LINE_TAIL);
		memmove(l->buf, l->buf + FS_AUDIT_RECORD_MAX - FS_LINE_TAIL,
		    FS_LINE_TAIL);
		l->len = FS_LINE_TAIL;
	}
	l->buf[l->len++] = (char)c;
	l->total++;
}

/* The next line into l: 1, or 0 at the end of the log, or -EIO. */
static int
line_read(struct line *l)
{
	int c;

	l->len = l->total = 0;
	l->first = -1;
	l->streamed = l->nul = l->newline = 0;
	while ((c = getc_unlocked(l->f)) != EOF) {
		if (c == '\n') {
			l->newline = 1;
			break;
		}
		if (l->first < 0)
			l->first = c;
		if (c == '\0')
			l->nul = 1;
		line_put(l, c);
	}
	if (ferror(l->f))
		return es_failf(-EIO, "%s: read error", FS_LOG_PATH);
	return l->total > 0 || l->newline;
}

/* Longer than any record envseal writes now (its newline counted). */
static int
line_over(const struct line *l)
{
	return l->total + 1 > FS_AUDIT_RECORD_MAX;
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

/*
 * Check the line in l against the chain; on success expect becomes its
 * hash. The hashed bytes are all but the last FS_HASH_TAIL_LEN, which
 * must be ,"hash":"<hex>"}; the FS_PREV_TAIL_LEN before them must carry
 * the previous line's hash.
 */
static int
verify_line(struct line *l, size_t lineno, char *expect)
{
	unsigned char h[FS_SHA256_BYTES];
	char hex[FS_HASH_HEX + 1];
	const char *tail, *prev;

	if (l->total < FS_LINE_TAIL + 1 || l->first != '{')
		return es_failf(ES_EINTEGRITY, "%s:%zu: not a record "
		    "(truncated or edited)", FS_LOG_PATH, lineno);
	tail = l->buf + l->len - FS_HASH_TAIL_LEN;
	if (memcmp(tail, ",\"hash\":\"", 9) != 0 || !is_hex64(tail + 9) ||
	    memcmp(tail + 9 + FS_HASH_HEX, "\"}", 2) != 0)
		return es_failf(ES_EINTEGRITY, "%s:%zu: no hash field "
		    "(truncated or edited)", FS_LOG_PATH, lineno);
	if (l->streamed) {
		es_sha256_update(&l->h, l->buf, l->len - FS_HASH_TAIL_LEN);
		es_sha256_final(&l->h, h);
	} else {
		es_sha256(l->buf, l->len - FS_HASH_TAIL_LEN, h);
	}
	es_hex(hex, h, sizeof h);
	if (memcmp(hex, tail + 9, FS_HASH_HEX) != 0)
		return es_failf(ES_EINTEGRITY, "%s:%zu: hash mismatch: the "
		    "record was edited", FS_LOG_PATH, lineno);
	prev = tail - FS_PREV_TAIL_LEN;
	if (memcmp(prev, ",\"prev\":\"", 9) != 0 ||
	    memcmp(prev + 9, expect, FS_HASH_HEX) != 0)
		return es_failf(ES_EINTEGRITY, "%s:%zu: prev does not match "
		    "the hash of %s: a record was removed, inserted or "
		    "reordered", FS_LOG_PATH, lineno, lineno == 1 ?
		    "the chain start (zeros)" : "the line before");
	memcpy(expect, hex, sizeof hex);
	return 0;
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

/* A run that recorded an intent, until its end record. */
struct open_run {
	char id[2 * FS_RUN_ID_BYTES + 1];
	char command[FS_COMMAND_MAX];
	char time[FS_TIME_MAX];
	size_t line;                        /* its first intent */
	size_t nitems;                      /* intents recorded */
	char *named[FS_VERIFY_NAMED_MAX];   /* "<action> <path>", malloc'd */
};

/* The runs verify follows, oldest first, and where an incomplete one is
 * handed. */
struct open_runs {
	struct open_run v[FS_VERIFY_RUNS_MAX];
	size_t n;
	struct es_audit_walk *w;
};

static void
run_free(struct open_run *o)
{
	size_t i;

	for (i = 0; i < FS_VERIFY_NAMED_MAX; i++)
		free(o->named[i]);
}

/* Drop run i (reported or ended), keeping the rest in order. */
static void
runs_drop(struct open_runs *rs, size_t i)
{
	run_free(&rs->v[i]);
	memmove(&rs->v[i], &rs->v[i + 1], (rs->n - i - 1) * sizeof rs->v[0]);
	rs->n--;
}

static void
run_report(struct open_runs *rs, const struct open_run *o)
{
	struct es_audit_open_run r = {
		.id = o->id, .command = o->command, .time = o->time,
		.line = o->line, .nitems = o->nitems,
		.named = (const char *const *)o->named,
		.nnamed = o->nitems < FS_VERIFY_NAMED_MAX ? o->nitems :
		    FS_VERIFY_NAMED_MAX,
	};

	if (rs->w->incomplete != NULL)
		rs->w->incomplete(rs->w->arg, &r);
}

static ssize_t
runs_find(const struct open_runs *rs, const char *id)
{
	size_t i;

	/* Newest first: the run being read is nearly always the last. */
	for (i = rs->n; i > 0; i--)
		if (!strcmp(rs->v[i - 1].id, id))
			return (ssize_t)(i - 1);
	return -1;
}

/* Follow one record of an intact chain: an intent opens (or adds to) its
 * run, an end closes it. */
static void
runs_see(struct open_runs *rs, const struct fs_jfield *f, int nf,
    size_t lineno)
{
	const char *ev = field(f, nf, "event"), *id = field(f, nf, "run");
	struct open_run *o;
	ssize_t i = runs_find(rs, id);

	if (!strcmp(ev, "end") && i >= 0) {
		runs_drop(rs, (size_t)i);
		return;
	}
	if (strcmp(ev, "intent") != 0)
		return;
	if (i < 0) {
		if (rs->n == FS_VERIFY_RUNS_MAX) {
			run_report(rs, &rs->v[0]);
			runs_drop(rs, 0);
		}
		o = &rs->v[rs->n++];
		memset(o, 0, sizeof *o);
		/* Cut on purpose: ids, commands and times envseal writes fit. */
		(void)snprintf(o->id, sizeof o->id, "%s", id);
		(void)snprintf(o->command, sizeof o->command, "%s",
		    field(f, nf, "command"));
		(void)snprintf(o->time, sizeof o->time, "%s",
		    field(f, nf, "time"));
		o->line = lineno;
	} else {
		o = &rs->v[i];
	}
	if (o->nitems < FS_VERIFY_NAMED_MAX &&
	    asprintf(&o->named[o->nitems], "%s %s", field(f, nf, "action"),
	    field(f, nf, "path")) < 0)
		o->named[o->nitems] = NULL;
	o->nitems++;
}

/* After an intact chain: every run still open is incomplete. */
static void
runs_finish(struct open_runs *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		run_report(rs, &rs->v[i]);
}

static void
runs_free(struct open_runs *rs)
{
	while (rs->n > 0)
		runs_drop(rs, rs->n - 1);
	free(rs);
}

/* An intent or an end record: the event is among the first fields
 * (time, run, event), within FS_EVENT_SCAN bytes of the line's start. */
static int
run_event(const struct line *l)
{
	size_t n = l->len < FS_EVENT_SCAN ? l->len : FS_EVENT_SCAN;

	return memmem(l->buf, n, ",\"event\":\"intent\",", 18) != NULL ||
	    memmem(l->buf, n, ",\"event\":\"end\",", 15) != NULL;
}

/* One line of an intact chain: handed over if it is over the bound,
 * else its fields for the run table. */
static void
verify_follow(struct open_runs *rs, struct line *l, size_t lineno)
{
	struct fs_jfield f[FS_JFIELDS_MAX];
	int nf;

	if (line_over(l)) {
		if (rs->w->over_bound != NULL)
			rs->w->over_bound(rs->w->arg, lineno, l->total + 1);
		return;
	}
	/* Only intents and ends open and close runs, and both are short:
	 * the others are not parsed. A record that verifies but does not
	 * parse (not envseal's: its writer could write the log) has no run
	 * to follow. */
	if (!run_event(l) ||
	    (nf = fs_json_parse_flat(l->buf, l->len, f, FS_JFIELDS_MAX)) < 0)
		return;
	runs_see(rs, f, nf, lineno);
	fs_jfields_free(f, (size_t)nf);
}

static int
verify_walk(struct line *l, struct open_runs *rs, char *expect,
    size_t *lineno)
{
	int r, got;

	while ((got = line_read(l)) > 0) {
		++*lineno;
		if (l->nul)
			return es_failf(ES_EINTEGRITY, "%s:%zu: NUL byte in the "
			    "line", FS_LOG_PATH, *lineno);
		if (!l->newline)
			return es_failf(ES_EINTEGRITY, "%s:%zu: last record has "
			    "no newline (torn write)", FS_LOG_PATH, *lineno);
		if ((r = verify_line(l, *lineno, expect)) != 0)
			return r;
		verify_follow(rs, l, *lineno);
	}
	return got;
}

int
es_audit_verify(struct es_root *root, struct es_audit_walk *w)
{
	char expect[FS_HASH_HEX + 1];
	struct open_runs *rs = NULL;
	struct line l;
	size_t lineno = 0;
	int r;

	w->none = 0;
	memset(&l, 0, sizeof l);
	if ((r = log_read_open(root, &l.f)) != 0)
		return r;
	if (l.f == NULL) {
		w->none = 1;
		return 0;
	}
	if ((l.buf = malloc(FS_AUDIT_RECORD_MAX)) == NULL ||
	    (rs = calloc(1, sizeof *rs)) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	rs->w = w;
	memcpy(expect, zero_hash, sizeof zero_hash);
	if ((r = verify_walk(&l, rs, expect, &lineno)) != 0)
		goto out;
	if (w->intact != NULL)
		w->intact(w->arg, lineno, expect);
	runs_finish(rs);
out:
	if (rs != NULL)
		runs_free(rs);
	free(l.buf);
	fclose(l.f);
	return r;
}
