/*
 * provision/runtime.c — es_runtime_dirs (provision/provision.h): the
 * policy's directories on /run, made again at every render because /run
 * is a tmpfs that every boot empties. Owners are looked up in the root's
 * own files (the accounts exist: provision made them).
 */
#include "provision/provision.h"
#include "provision/accounts.h"
#include "common/envseal.h"

#include <string.h>

#define RUN_PREFIX "/run/"

int
es_runtime_dirs(struct es_root *root, const struct es_policy *p,
    struct es_report *rep)
{
	size_t i;
	int r;

	for (i = 0; i < p->ndirs; i++) {
		const struct es_dir_entry *d = &p->dirs[i];
		struct es_dir_spec spec = {
			.path = d->path, .mode = d->mode,
			.owner_name = d->owner, .group_name = d->group,
		};
		struct es_report_item it = {
			.path = d->path, .kind = "dir", .owner = d->owner,
			.group = d->group, .mode = d->mode,
		};
		enum es_action act;

		if (strncmp(d->path, RUN_PREFIX, sizeof RUN_PREFIX - 1) != 0)
			continue;
		if ((r = es_lookup_user(root, d->owner, &spec.uid)) != 0 ||
		    (r = es_lookup_group(root, d->group, &spec.gid)) != 0 ||
		    (r = es_ensure_dir(root, &spec, &act)) != 0)
			return r;
		it.action = act;
		if ((r = es_report_add(rep, &it)) != 0)
			return r;
	}
	return 0;
}
