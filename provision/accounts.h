/*
 * provision/accounts.h — the root's passwd family, read and written
 * directly (never through NSS): lookups for render, and the user/group
 * creation of `envseal provision`.
 *
 * Lookups read ROOT/etc/passwd and ROOT/etc/group through fs/ (no symlinks).
 * Errors: ES_EMISSING with a detail suggesting `envseal provision` when the
 * name is not there; ES_EPOLICY for a malformed file line.
 */
#ifndef ENVSEAL_ACCOUNTS_H
#define ENVSEAL_ACCOUNTS_H

#include <sys/types.h>

#include "fs/fs.h"

/* Numeric names ("0", "1001") are taken as ids without a lookup. */
int es_lookup_user(struct es_root *root, const char *name, uid_t *uid);
int es_lookup_group(struct es_root *root, const char *name, gid_t *gid);

#endif
