/*
 * provision/accounts.c — es_lookup_user/es_lookup_group: the root's
 * /etc/passwd and /etc/group read through fs/ (no symlinks, no NSS).
 */
#include "provision/accounts.h"
#include "common/envseal.h"
#include "common/id.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Highest numeric name taken as an id: the policy's own bound (policy/
 * ID_MAX), below the ids that wrap or mean "leave the owner". */
#define NUMERIC_ID_MAX 2147483646UL

/* "0", "1001": an id given as a number (common/id.h's reader), taken
 * without a lookup; anything else is a name. */
static int
numeric(const char *name, long *id)
{
	uint32_t v;

	if (es_id_parse(name, strlen(name), &v) != 0 || v > NUMERIC_ID_MAX)
		return 0;
	*id = (long)v;
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
		    "root", path);
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
