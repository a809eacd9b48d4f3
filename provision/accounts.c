/*
 * provision/accounts.c — es_lookup_user/es_lookup_group: the root's
 * /etc/passwd and /etc/group read through fs/ (no symlinks, no NSS).
 */
#include "provision/accounts.h"
#include "common/envseal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Highest numeric name taken as an id: below (uid_t)-1, which chown reads
 * as "leave the owner", as policy/ checks. */
#define NUMERIC_ID_MAX 2147483646L

/* "0", "1001": an id given as a number, taken without a lookup. */
static int
numeric(const char *name, long *id)
{
	char *end;
	long v;

	if (*name < '0' || *name > '9')
		return 0;
	errno = 0;
	v = strtol(name, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > NUMERIC_ID_MAX)
		return 0;
	*id = v;
	return 1;
}

static int
read_db(struct es_root *root, const char *path, unsigned char **buf,
    size_t *len)
{
	struct stat st;
	int exists = 0, r;

	*buf = NULL;
	*len = 0;
	r = es_read_file(root, path, ES_ACCT_FILE_MAX, buf, len, &st, &exists);
	if (r == 0 && !exists)
		return es_failf(ES_EMISSING, "%s does not exist under the "
		    "root; run `envseal provision` first", path);
	return r;
}

int
es_lookup_user(struct es_root *root, const char *name, uid_t *uid)
{
	unsigned char *buf;
	size_t len;
	long id;
	int r;

	if (numeric(name, &id)) {
		*uid = (uid_t)id;
		return 0;
	}
	if ((r = read_db(root, "/etc/passwd", &buf, &len)) != 0)
		return r;
	r = es_pwbuf_user("/etc/passwd", buf, len, name, uid);
	free(buf);
	return r;
}

int
es_lookup_group(struct es_root *root, const char *name, gid_t *gid)
{
	unsigned char *buf;
	size_t len;
	long id;
	int r;

	if (numeric(name, &id)) {
		*gid = (gid_t)id;
		return 0;
	}
	if ((r = read_db(root, "/etc/group", &buf, &len)) != 0)
		return r;
	r = es_pwbuf_group("/etc/group", buf, len, name, gid);
	free(buf);
	return r;
}
