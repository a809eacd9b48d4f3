/*
 * cmd/hostnames.c — owner and group names for the audit records of
 * working-tree writes (vault commands, policy sign, credential seal):
 * the host's /etc/passwd and /etc/group, read once, directly (never
 * NSS, as provision/ reads a root's) through fs/'s trusted reader, and
 * looked up with provision/'s parser. An id with no entry, or a host
 * whose files cannot be read, is recorded as its number.
 */
#include "cmd/cmd.h"
#include "common/envseal.h"
#include "fs/fs.h"
#include "provision/accounts.h"

#include <stdlib.h>
#include <string.h>

static const char *const host_files[2] = { "/etc/passwd", "/etc/group" };

/* Read both files from the host's "/" on first use; a failure leaves
 * them absent (numbers recorded) and is not the command's error. */
static void
host_read(struct cmd_host_names *h)
{
	struct es_root *root = NULL;
	int i, exists;

	h->read = 1;
	if (es_root_open(&root, "/", ES_ROOT_CHECK) != 0) {
		es_errclear();
		return;
	}
	for (i = 0; i < 2; i++)
		if (es_read_file(root, host_files[i], ES_ACCT_FILE_MAX,
		    &h->buf[i], &h->len[i], NULL, &exists) != 0) {
			es_errclear();
			h->buf[i] = NULL;
		}
	es_root_close(root);
}

int
cmd_host_name(void *arg, int group, unsigned long id, char *out,
    size_t size)
{
	struct cmd_host_names *h = arg;
	char why[ES_ERRDETAIL_MAX];
	int r;

	/* A write's own error detail must survive the lookup: whole, both
	 * hold ES_ERRDETAIL_MAX bytes. */
	(void)snprintf(why, sizeof why, "%s", es_errdetail());
	if (!h->read)
		host_read(h);
	r = h->buf[group != 0] == NULL ? -1 : es_pwbuf_name(h->buf[group != 0],
	    h->len[group != 0], id, out, size);
	if (why[0] != '\0')
		(void)es_failf(0, "%s", why);
	else
		es_errclear();
	return r;
}

void
cmd_host_names_free(struct cmd_host_names *h)
{
	free(h->buf[0]);
	free(h->buf[1]);
	memset(h, 0, sizeof *h);
}
