/*
 * tests/unit/test_provision_accounts.c — the passwd-family planner and
 * lookups on buffers: exact sysusers lines, id allocation, every conflict,
 * drift repair, idempotence, other lines kept byte for byte.
 */
#include "common/envseal.h"
#include "provision/accounts.h"
#include "tests/unit/t.h"

#include <stdlib.h>
#include <string.h>

#define PASSWD "root:x:0:0:root:/root:/bin/bash\n" \
	"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
#define GROUP "root:x:0:\ndaemon:x:1:\nshadow:x:42:\n"
#define SHADOW "root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"
#define GSHADOW "root:*::\ndaemon:*::\nshadow:*::\n"

static void
set(struct es_acct_bufs *b, const char *g, const char *gs, const char *p,
    const char *s)
{
	const char *v[ES_DB_N] = { g, gs, p, s };
	size_t i;

	for (i = 0; i < ES_DB_N; i++) {
		b->buf[i] = v[i] ? (unsigned char *)strdup(v[i]) : NULL;
		b->len[i] = v[i] ? strlen(v[i]) : 0;
	}
}

static struct es_acct_want
want(long uid, long gid)
{
	struct es_acct_want w = {
		.user = "veza-api", .group = "veza-api",
		.gecos = "Veza backend API", .home = "/opt/veza/backend-api",
		.shell = "/usr/sbin/nologin", .uid = uid, .gid = gid,
		.sys_min = 100, .sys_uid_max = 999, .sys_gid_max = 999,
		.days = 20784,
	};
	return w;
}

static int
is(const struct es_acct_plan *p, enum es_acct_db db, const char *s)
{
	int ok = p->out.len[db] == strlen(s) &&
	    memcmp(p->out.buf[db], s, p->out.len[db]) == 0;

	if (!ok)
		printf("#  got [%.*s]\n#  want [%s]\n", (int)p->out.len[db],
		    (const char *)p->out.buf[db], s);
	return ok;
}

static int
same(const struct es_acct_bufs *a, const struct es_acct_bufs *b)
{
	size_t i;

	for (i = 0; i < ES_DB_N; i++)
		if (a->len[i] != b->len[i] ||
		    memcmp(a->buf[i], b->buf[i], a->len[i]) != 0)
			return 0;
	return 1;
}

static int
plan(const struct es_acct_bufs *in, struct es_acct_want w,
    struct es_acct_plan *p)
{
	es_errclear();
	return es_accounts_plan(in, &w, p);
}

static void
test_fresh_pinned(void)
{
	struct es_acct_bufs in;
	struct es_acct_plan p, q;
	int r;

	set(&in, GROUP, GSHADOW, PASSWD, SHADOW);
	r = plan(&in, want(1001, 1001), &p);
	T_CHECK("pinned: planned", r == 0 && p.uid == 1001 && p.gid == 1001 &&
	    p.user_created && p.group_created);
	T_CHECK("group line", r == 0 && is(&p, ES_DB_GROUP,
	    GROUP "veza-api:x:1001:\n"));
	T_CHECK("gshadow line", r == 0 && is(&p, ES_DB_GSHADOW,
	    GSHADOW "veza-api:!*::\n"));
	T_CHECK("passwd line", r == 0 && is(&p, ES_DB_PASSWD, PASSWD
	    "veza-api:x:1001:1001:Veza backend API:/opt/veza/backend-api:"
	    "/usr/sbin/nologin\n"));
	T_CHECK("shadow line", r == 0 && is(&p, ES_DB_SHADOW,
	    SHADOW "veza-api:!*:20784::::::\n"));
	/* Second plan over the result: nothing changes, nothing created. */
	r = plan(&p.out, want(1001, 1001), &q);
	T_CHECK("idempotent", r == 0 && !q.user_created && !q.group_created &&
	    !q.user_repaired && same(&p.out, &q.out));
	es_acct_bufs_free(&q.out);
	es_acct_bufs_free(&p.out);
	es_acct_bufs_free(&in);
}

static void
test_allocate(void)
{
	struct es_acct_bufs in;
	struct es_acct_plan p;
	struct es_acct_want w;
	int r;

	/* 999 is a group, 998 a user: both free is 997. */
	set(&in, GROUP "systemd-journal:x:999:\n", GSHADOW,
	    PASSWD "x:x:998:1:x:/:/bin/sh\n", SHADOW);
	r = plan(&in, want(-1, -1), &p);
	T_CHECK("allocate same id", r == 0 && p.uid == 997 && p.gid == 997);
	es_acct_bufs_free(&p.out);
	w = want(-1, -1);
	w.sys_uid_max = 500;
	w.sys_gid_max = 500;
	r = plan(&in, w, &p);
	T_CHECK("allocate respects SYS_*_MAX", r == 0 && p.uid == 500 &&
	    p.gid == 500);
	es_acct_bufs_free(&p.out);
	/* Group exists: reused; uid = its gid when free. */
	es_acct_bufs_free(&in);
	set(&in, GROUP "veza-api:x:990:\n", GSHADOW "veza-api:!::\n", PASSWD,
	    SHADOW);
	r = plan(&in, want(-1, -1), &p);
	T_CHECK("existing group reused", r == 0 && !p.group_created &&
	    p.gid == 990 && p.uid == 990 &&
	    is(&p, ES_DB_GROUP, GROUP "veza-api:x:990:\n") &&
	    is(&p, ES_DB_GSHADOW, GSHADOW "veza-api:!::\n"));
	es_acct_bufs_free(&p.out);
	es_acct_bufs_free(&in);
}

static void
conflict(const char *name, const char *g, const char *pw,
    struct es_acct_want w, const char *needle)
{
	struct es_acct_bufs in;
	struct es_acct_plan p;
	int r;

	set(&in, g, GSHADOW, pw, SHADOW);
	r = plan(&in, w, &p);
	if (r != ES_ECONFLICT || strstr(es_errdetail(), needle) == NULL)
		printf("#  %s: r=%d detail='%s'\n", name, r, es_errdetail());
	T_CHECK(name, r == ES_ECONFLICT &&
	    strstr(es_errdetail(), needle) != NULL && p.out.buf[0] == NULL);
	es_acct_bufs_free(&in);
}

static void
test_conflicts(void)
{
	conflict("pinned uid held", GROUP, PASSWD "alice:x:1001:1:a:/:/bin/sh\n",
	    want(1001, 1001), "uid 1001 for user veza-api is held by user "
	    "alice");
	conflict("pinned gid held", GROUP "staff2:x:1001:\n", PASSWD,
	    want(1001, 1001), "gid 1001 for group veza-api is held by group "
	    "staff2");
	conflict("user other uid", GROUP "veza-api:x:1001:\n",
	    PASSWD "veza-api:x:1002:1001:V:/opt/veza/backend-api:/bin/sh\n",
	    want(1001, 1001), "user veza-api exists with uid 1002, the policy "
	    "pins 1001");
	conflict("user other group", GROUP "veza-api:x:1001:\nother:x:1005:\n",
	    PASSWD "veza-api:x:1001:1005:V:/opt/veza/backend-api:/bin/sh\n",
	    want(1001, 1001), "user veza-api has primary gid 1005, not group "
	    "veza-api (gid 1001)");
	conflict("group other gid", GROUP "veza-api:x:1003:\n", PASSWD,
	    want(1001, 1001), "group veza-api exists with gid 1003, the "
	    "policy pins 1001");
}

static void
test_drift_and_layout(void)
{
	struct es_acct_bufs in;
	struct es_acct_plan p;
	int r;

	set(&in, GROUP "veza-api:x:1001:\n", GSHADOW "veza-api:!*::\n",
	    PASSWD "veza-api:x:1001:1001:old:/srv/old:/bin/bash\n"
	    "zed:x:5:5::/:/bin/sh\n", SHADOW "veza-api:$6$h:19000::::::\n");
	r = plan(&in, want(1001, 1001), &p);
	T_CHECK("drift repaired, neighbours kept", r == 0 && p.user_repaired &&
	    !p.user_created && is(&p, ES_DB_PASSWD, PASSWD
	    "veza-api:x:1001:1001:Veza backend API:/opt/veza/backend-api:"
	    "/usr/sbin/nologin\nzed:x:5:5::/:/bin/sh\n"));
	T_CHECK("existing shadow entry untouched", r == 0 && is(&p,
	    ES_DB_SHADOW, SHADOW "veza-api:$6$h:19000::::::\n"));
	es_acct_bufs_free(&p.out);
	es_acct_bufs_free(&in);

	/* NIS compat entries stay last; a missing final newline is added. */
	set(&in, "root:x:0:\n+\n", NULL, "root:x:0:0:root:/root:/bin/sh",
	    "");
	r = plan(&in, want(1001, 1001), &p);
	T_CHECK("before NIS entry", r == 0 && is(&p, ES_DB_GROUP,
	    "root:x:0:\nveza-api:x:1001:\n+\n"));
	T_CHECK("newline added", r == 0 && is(&p, ES_DB_PASSWD,
	    "root:x:0:0:root:/root:/bin/sh\nveza-api:x:1001:1001:Veza backend"
	    " API:/opt/veza/backend-api:/usr/sbin/nologin\n"));
	T_CHECK("absent gshadow gets the line", r == 0 &&
	    is(&p, ES_DB_GSHADOW, "veza-api:!*::\n"));
	es_acct_bufs_free(&p.out);
	es_acct_bufs_free(&in);
}

static void
test_partial(void)
{
	struct es_acct_bufs in;
	struct es_acct_plan p;
	int r;

	/* User present, its group and both shadow entries missing: the group
	 * is created with the user's gid, the shadow entries added. */
	set(&in, GROUP, GSHADOW, PASSWD "veza-api:x:1001:1001:Veza backend "
	    "API:/opt/veza/backend-api:/usr/sbin/nologin\n", SHADOW);
	r = plan(&in, want(-1, -1), &p);
	T_CHECK("group created with the user's gid", r == 0 &&
	    p.group_created && !p.user_created && p.gid == 1001 &&
	    is(&p, ES_DB_GROUP, GROUP "veza-api:x:1001:\n"));
	T_CHECK("missing shadow entry added", r == 0 &&
	    is(&p, ES_DB_SHADOW, SHADOW "veza-api:!*:20784::::::\n") &&
	    is(&p, ES_DB_GSHADOW, GSHADOW "veza-api:!*::\n"));
	es_acct_bufs_free(&p.out);
	es_acct_bufs_free(&in);
}

static void
test_lookups(void)
{
	const char *pw = PASSWD "bad:x:zz:1:b:/:/bin/sh\n";
	const char *defs = "# x\nSYS_UID_MAX\t\t500\nSYS_GID_MAX 600 # c\n";
	uid_t uid = 0;
	gid_t gid = 0;
	long v1, v2, v3;
	int r;

	r = es_pwbuf_user("/etc/passwd", (const unsigned char *)pw, strlen(pw),
	    "daemon", &uid);
	T_CHECK("lookup user", r == 0 && uid == 1);
	r = es_pwbuf_user("/etc/passwd", (const unsigned char *)pw, strlen(pw),
	    "nobody", &uid);
	/* The library names the file only; render says whether provision
	 * makes the user (the service's own) or it must exist. */
	T_CHECK("lookup missing user", r == ES_EMISSING &&
	    strstr(es_errdetail(), "nobody is not in /etc/passwd") != NULL &&
	    strstr(es_errdetail(), "envseal provision") == NULL);
	r = es_pwbuf_user("/etc/passwd", (const unsigned char *)pw, strlen(pw),
	    "bad", &uid);
	T_CHECK("lookup malformed", r == ES_EPOLICY &&
	    strstr(es_errdetail(), "/etc/passwd:3:") != NULL);
	r = es_pwbuf_group("/etc/group", (const unsigned char *)GROUP,
	    strlen(GROUP), "shadow", &gid);
	T_CHECK("lookup group", r == 0 && gid == 42);
	T_CHECK("login.defs", es_logindefs_get((const unsigned char *)defs,
	    strlen(defs), "SYS_GID_MAX", 999, &v1) == 0 && v1 == 600 &&
	    es_logindefs_get((const unsigned char *)"SYS_UID_MAX\t\t500\n", 17,
	    "SYS_UID_MAX", 999, &v2) == 0 && v2 == 500 &&
	    es_logindefs_get(NULL, 0, "SYS_UID_MAX", 999, &v3) == 0 &&
	    v3 == 999);
}

int
main(void)
{
	test_fresh_pinned();
	test_allocate();
	test_conflicts();
	test_drift_and_layout();
	test_partial();
	test_lookups();
	return t_done();
}
