/*
 * verify/verify_int.h — what the files of verify/ share: adding a check
 * to the report, the accounts as read once, and owner names. Nothing
 * outside verify/ includes this; the contract is verify/verify.h.
 */
#ifndef ENVSEAL_VERIFY_INT_H
#define ENVSEAL_VERIFY_INT_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "common/envseal.h"
#include "fs/inspect.h"
#include "verify/verify.h"

/* Room for "owner:group 0755" with names of ES_NAME_MAX. */
#define VR_META_MAX (2 * 256 + 16)

/* Why nothing was seen at a path (es_inspect says). */
#define VR_ABSENT(in) ((in)->denied ? "not visible to the caller" : \
    (in)->on_way ? "a symlink or file on the way" : "none")
/* The status for nothing seen: missing, or unknown when not allowed. */
#define VR_ABSENT_ST(in) ((in)->denied ? ES_V_UNKNOWN : ES_V_MISSING)

/* Add a check; texts are copied (cut at ES_VERIFY_TEXT_MAX). */
int vr_add(struct es_vreport *rep, const char *kind, const char *path,
    enum es_vstatus st, const char *expected, const char *actual);
int vr_addf(struct es_vreport *rep, const char *kind, const char *path,
    enum es_vstatus st, const char *expected, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* The root's passwd and group as read once (NULL when absent). */
struct vr_db {
	unsigned char *passwd, *group;
	size_t passwd_len, group_len;
};
/* "name:group 0750" for st, names from db (numbers when unknown). */
void vr_meta(const struct vr_db *db, const struct stat *st, char *out,
    size_t size);
/* A policy owner/group (name or number) as ids: 0, or ES_EMISSING. */
int vr_ids(const struct vr_db *db, const char *owner, const char *group,
    uid_t *uid, gid_t *gid);

/* env files and the audit log (verify/envfile.c). */
int vr_env_files(struct es_root *root, const struct es_policy *p,
    const struct vr_db *db, struct es_vreport *rep);
int vr_audit(struct es_root *root, const struct es_verify_opts *o,
    struct es_vreport *rep);

#endif
