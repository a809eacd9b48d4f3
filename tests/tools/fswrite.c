/*
 * tests/tools/fswrite.c — drives the fs/ layer from the command line for
 * the shell tests (strace fault injection, concurrency, check mode).
 *
 *   fswrite [opts] PATH            es_write_file (ES_W_TRUSTED by default)
 *   fswrite --dir [opts] PATH      es_ensure_dir
 *   fswrite --read [opts] PATH     es_read_file, content to stdout
 *   fswrite --user [opts] PATH     es_user_write_file (PATH on the host)
 *   fswrite --hold SECS [opts]     take the run lock (and with --passwd
 *                                  /etc/.pwd.lock), print "locked", sleep
 * opts: --root DIR --check --lock --passwd --audit CMD --untrusted
 *       --backup --uid N --gid N --mode OCTAL --data STR --data-file F
 *       --vars A,B,C --owner NAME --group NAME --policy-hash --noaudit
 * Prints the action on stdout; on failure the detail on stderr and exits
 * with es_exit_status().
 */
#include "common/envseal.h"
#include "fs/fs.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

/* Test inputs are small; a bound keeps a typo from eating memory. */
#define FSW_DATA_MAX ((size_t)16 << 20)
#define FSW_VARS_MAX 64

struct opts {
	const char *root, *audit, *data, *data_file, *owner, *group;
	char *vars;
	int check, lock, passwd, untrusted, backup, dir, read, user, hold;
	int policy_hash, noaudit;
	uid_t uid;
	gid_t gid;
	mode_t mode;
};

static int
fail(const char *what, int r)
{
	fprintf(stderr, "fswrite: %s: %s\n", what,
	    *es_errdetail() ? es_errdetail() : es_strerror(r));
	return es_exit_status(r);
}

static int
load_data(const struct opts *o, unsigned char **buf, size_t *len)
{
	FILE *f;
	size_t n;

	if (o->data_file == NULL) {
		*buf = (unsigned char *)strdup(o->data != NULL ? o->data : "");
		*len = strlen((char *)*buf);
		return *buf != NULL ? 0 : -1;
	}
	if ((f = fopen(o->data_file, "rb")) == NULL)
		return -1;
	*buf = malloc(FSW_DATA_MAX);
	n = *buf != NULL ? fread(*buf, 1, FSW_DATA_MAX, f) : 0;
	if (ferror(f)) {
		free(*buf);
		*buf = NULL;
	}
	fclose(f);
	*len = n;
	return *buf != NULL ? 0 : -1;
}

static size_t
split_vars(char *s, const char **out)
{
	size_t n = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(s, ",", &save); tok != NULL && n < FSW_VARS_MAX;
	    tok = strtok_r(NULL, ",", &save))
		out[n++] = tok;
	return n;
}

static int
do_file(struct es_root *root, const struct opts *o, const char *path)
{
	struct es_file_spec spec;
	const char *vars[FSW_VARS_MAX];
	unsigned char *buf = NULL;
	enum es_action act;
	size_t len = 0;
	int r;

	if (load_data(o, &buf, &len) != 0)
		return fprintf(stderr, "fswrite: cannot read data\n"), 2;
	memset(&spec, 0, sizeof spec);
	spec.path = path;
	spec.uid = o->uid;
	spec.gid = o->gid;
	spec.mode = o->mode;
	spec.data = buf;
	spec.len = len;
	spec.flags = (o->untrusted ? 0 : ES_W_TRUSTED) |
	    (o->backup ? ES_W_BACKUP : 0) | (o->noaudit ? ES_W_NOAUDIT : 0);
	spec.owner_name = o->owner;
	spec.group_name = o->group;
	if (o->vars != NULL) {
		spec.varnames = vars;
		spec.nvarnames = split_vars(o->vars, vars);
	}
	r = o->user ? es_user_write_file(o->audit ? root : NULL, path, buf,
	    len, o->mode, 0, &act) : es_write_file(root, &spec, &act);
	free(buf);
	printf("%s\n", es_action_name(act));
	return r;
}

static int
do_dir(struct es_root *root, const struct opts *o, const char *path)
{
	struct es_dir_spec spec;
	enum es_action act;
	int r;

	memset(&spec, 0, sizeof spec);
	spec.path = path;
	spec.uid = o->uid;
	spec.gid = o->gid;
	spec.mode = o->mode;
	spec.owner_name = o->owner;
	spec.group_name = o->group;
	r = es_ensure_dir(root, &spec, &act);
	printf("%s\n", es_action_name(act));
	return r;
}

static int
do_read(struct es_root *root, const char *path)
{
	unsigned char *buf;
	size_t len;
	int r, exists;

	r = es_read_file(root, path, ES_FILE_MAX, &buf, &len, NULL, &exists);
	if (r == 0 && exists)
		fwrite(buf, 1, len, stdout);
	else if (r == 0)
		printf("(absent)\n");
	free(buf);
	return r;
}

static void
notice(const char *lockpath, void *arg)
{
	(void)arg;
	fprintf(stderr, "fswrite: waiting for lock %s\n", lockpath);
}

static int
parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "root", 1, NULL, 'R' }, { "check", 0, NULL, 'c' },
		{ "lock", 0, NULL, 'l' }, { "passwd", 0, NULL, 'p' },
		{ "audit", 1, NULL, 'a' }, { "untrusted", 0, NULL, 't' },
		{ "backup", 0, NULL, 'b' }, { "uid", 1, NULL, 'u' },
		{ "gid", 1, NULL, 'g' }, { "mode", 1, NULL, 'm' },
		{ "data", 1, NULL, 'd' }, { "data-file", 1, NULL, 'f' },
		{ "vars", 1, NULL, 'v' }, { "owner", 1, NULL, 'o' },
		{ "group", 1, NULL, 'G' }, { "dir", 0, NULL, 'D' },
		{ "read", 0, NULL, 'r' }, { "user", 0, NULL, 'U' },
		{ "hold", 1, NULL, 'h' }, { "policy-hash", 0, NULL, 'P' },
		{ "noaudit", 0, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->mode = 0600;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'R': o->root = optarg; break;
		case 'c': o->check = 1; break;
		case 'l': o->lock = 1; break;
		case 'p': o->passwd = 1; break;
		case 'a': o->audit = optarg; break;
		case 't': o->untrusted = 1; break;
		case 'b': o->backup = 1; break;
		case 'u': o->uid = (uid_t)strtoul(optarg, NULL, 10); break;
		case 'g': o->gid = (gid_t)strtoul(optarg, NULL, 10); break;
		case 'm': o->mode = (mode_t)strtoul(optarg, NULL, 8); break;
		case 'd': o->data = optarg; break;
		case 'f': o->data_file = optarg; break;
		case 'v': o->vars = optarg; break;
		case 'o': o->owner = optarg; break;
		case 'G': o->group = optarg; break;
		case 'D': o->dir = 1; break;
		case 'r': o->read = 1; break;
		case 'U': o->user = 1; break;
		case 'h': o->hold = atoi(optarg); break;
		case 'P': o->policy_hash = 1; break;
		case 'N': o->noaudit = 1; break;
		default: return -1;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct es_root *root = NULL;
	unsigned char ph[32];
	int r;

	memset(&o, 0, sizeof o);
	/* No umask(): the layer must not depend on it (tests vary it). */
	if (parse(argc, argv, &o) != 0 || (optind != argc - 1 && !o.hold))
		return fprintf(stderr, "fswrite: bad usage\n"), 2;
	if ((r = es_root_open(&root, o.root, o.check ? ES_ROOT_CHECK : 0)))
		return fail("root", r);
	es_root_set_lock_notice(root, notice, NULL);
	if ((o.lock || o.hold) && (r = es_root_lock(root)) != 0)
		return fail("lock", r);
	if (o.passwd && (r = es_root_lock_passwd(root)) != 0)
		return fail("passwd lock", r);
	if (o.hold) {
		printf("locked\n");
		fflush(stdout);
		sleep((unsigned)o.hold);
		es_root_close(root);
		return 0;
	}
	crypto_hash_sha256(ph, (const unsigned char *)"policy", 6);
	if (o.audit && (r = es_audit_begin(root, o.audit,
	    o.policy_hash ? ph : NULL)) != 0)
		return fail("audit begin", r);
	if (o.dir)
		r = do_dir(root, &o, argv[optind]);
	else if (o.read)
		r = do_read(root, argv[optind]);
	else
		r = do_file(root, &o, argv[optind]);
	if (r != 0)
		(void)fail(argv[optind], r);
	if (o.audit && es_audit_end(root, es_exit_status(r)) != 0 && r == 0)
		r = fail("audit end", ES_EINTERNAL);
	es_root_close(root);
	return es_exit_status(r);
}
