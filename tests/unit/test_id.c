/*
 * tests/unit/test_id.c — issue 9 finding 7: the one strict id reader
 * (common/id.h) and every place that reads an id through it: login.defs,
 * passwd and group fields (lookups and the planner), numeric owner names.
 * 4294968296 (2^32 + 1000) must never become uid 1000.
 */
#include "common/envseal.h"
#include "common/id.h"
#include "provision/accounts.h"
#include "tests/unit/t.h"

#include <stdlib.h>
#include <string.h>

static int
parses(const char *s, uint32_t want)
{
	uint32_t v = 0;

	return es_id_parse(s, strlen(s), &v) == 0 && v == want;
}

static int
refused(const char *s)
{
	uint32_t v = 7;

	return es_id_parse(s, strlen(s), &v) == -1 && v == 7;
}

static void
test_parser(void)
{
	T_CHECK("0", parses("0", 0));
	T_CHECK("1000", parses("1000", 1000));
	T_CHECK("leading zeros are the value glibc reads", parses("01000", 1000));
	T_CHECK("4294967294 is the largest id", parses("4294967294", 4294967294U));
	T_CHECK("4294967295 ((uid_t)-1) refused", refused("4294967295"));
	T_CHECK("4294968296 (2^32 + 1000) refused, not 1000",
	    refused("4294968296"));
	T_CHECK("2^64 + 1000 refused (no wrap in the reader)",
	    refused("18446744073709552616"));
	T_CHECK("a long run of digits refused", refused("99999999999999999999999"
	    "999999999999"));
	T_CHECK("empty refused", refused(""));
	T_CHECK("sign refused", refused("+1000") && refused("-1"));
	T_CHECK("spaces refused", refused(" 1000") && refused("1000 ") &&
	    refused("10 00"));
	T_CHECK("hex refused", refused("0x3e8"));
	T_CHECK("length bounds the read", es_id_parse("1000:x", 4, &(uint32_t){ 0 })
	    == 0);
	T_CHECK("worker block edges", ES_ID_IS_WORKER(ES_WORKER_ID_BASE) &&
	    ES_ID_IS_WORKER(ES_WORKER_ID_BASE + ES_WORKER_ID_COUNT - 1) &&
	    !ES_ID_IS_WORKER(ES_WORKER_ID_BASE - 1) &&
	    !ES_ID_IS_WORKER(ES_WORKER_ID_BASE + ES_WORKER_ID_COUNT) &&
	    ES_WORKER_ID_BASE + ES_WORKER_ID_COUNT < 2147483648UL);
}

static void
test_logindefs(void)
{
	const char *d1 = "SYS_UID_MAX 4294968296\n";
	const char *d2 = "# x\nSYS_GID_MAX\t4294967295 # c\n";
	const char *d3 = "SYS_UID_MIN -5\n";
	const char *d4 = "SYS_UID_MAX 4294967294\nSYS_UID_MAX 999 # last\n";
	long v = 0;
	int r;

	r = es_logindefs_get((const unsigned char *)d1, strlen(d1),
	    "SYS_UID_MAX", 999, &v);
	T_CHECK("login.defs 4294968296 refused, naming line and value",
	    r == ES_EPOLICY && strstr(es_errdetail(), "/etc/login.defs:1: "
	    "SYS_UID_MAX 4294968296 is not an id") != NULL);
	r = es_logindefs_get((const unsigned char *)d2, strlen(d2),
	    "SYS_GID_MAX", 999, &v);
	T_CHECK("login.defs 4294967295 refused", r == ES_EPOLICY &&
	    strstr(es_errdetail(), "/etc/login.defs:2: SYS_GID_MAX "
	    "4294967295") != NULL);
	r = es_logindefs_get((const unsigned char *)d3, strlen(d3),
	    "SYS_UID_MIN", 100, &v);
	T_CHECK("login.defs -5 refused", r == ES_EPOLICY &&
	    strstr(es_errdetail(), "SYS_UID_MIN -5") != NULL);
	r = es_logindefs_get((const unsigned char *)d4, strlen(d4),
	    "SYS_UID_MAX", 100, &v);
	T_CHECK("login.defs: last line wins, comment allowed", r == 0 &&
	    v == 999);
	r = es_logindefs_get((const unsigned char *)"SYS_UID_MAX 4294967294",
	    22, "SYS_UID_MAX", 100, &v);
	T_CHECK("login.defs: 4294967294 kept whole, no final newline", r == 0 &&
	    v == 4294967294L);
}

static void
test_passwd(void)
{
	const char *pw = "root:x:0:0:root:/root:/bin/bash\n"
	    "veza:x:4294968296:1000::/:/bin/sh\n"
	    "ok:x:1000:1000::/:/bin/sh\n";
	const char *gr = "root:x:0:\nveza:x:4294968296:\n";
	uid_t uid = 0;
	gid_t gid = 0;
	int r;

	r = es_pwbuf_user("/etc/passwd", (const unsigned char *)pw, strlen(pw),
	    "veza", &uid);
	T_CHECK("lookup: a 10-digit uid is refused, not cast to 1000",
	    r == ES_EPOLICY && uid == 0 && strstr(es_errdetail(),
	    "/etc/passwd:2: uid 4294968296 is not an id") != NULL);
	r = es_pwbuf_group("/etc/group", (const unsigned char *)gr, strlen(gr),
	    "veza", &gid);
	T_CHECK("lookup: a 10-digit gid is refused", r == ES_EPOLICY &&
	    gid == 0 && strstr(es_errdetail(), "/etc/group:2: gid "
	    "4294968296") != NULL);
	r = es_pwbuf_user("/etc/passwd", (const unsigned char *)pw, strlen(pw),
	    "ok", &uid);
	T_CHECK("lookup: other lines still read", r == 0 && uid == 1000);
}

static void
test_planner(void)
{
	struct es_acct_bufs in;
	struct es_acct_plan p;
	struct es_acct_want w = {
		.user = "veza-api", .group = "veza-api", .gecos = "x",
		.home = "/h", .shell = "/bin/sh", .uid = -1, .gid = -1,
		.sys_min = 100, .sys_uid_max = 999, .sys_gid_max = 999,
		.days = 1,
	};
	const char *pw = "root:x:0:0:root:/root:/bin/bash\n"
	    "mallory:x:4294968296:4294968296::/:/bin/sh\n";
	int r;

	memset(&in, 0, sizeof in);
	in.buf[ES_DB_PASSWD] = (unsigned char *)strdup(pw);
	in.len[ES_DB_PASSWD] = strlen(pw);
	in.buf[ES_DB_GROUP] = (unsigned char *)strdup("root:x:0:\n");
	in.len[ES_DB_GROUP] = 10;
	r = es_accounts_plan(&in, &w, &p);
	T_CHECK("plan: another entry's 10-digit uid refuses the plan",
	    r == ES_EPOLICY && strstr(es_errdetail(), "/etc/passwd:2: uid "
	    "4294968296") != NULL && p.out.buf[ES_DB_PASSWD] == NULL);
	free(in.buf[ES_DB_PASSWD]);
	in.buf[ES_DB_PASSWD] = (unsigned char *)strdup("root:x:0:0::/:/bin/sh\n");
	in.len[ES_DB_PASSWD] = strlen((char *)in.buf[ES_DB_PASSWD]);
	w.sys_uid_max = 4294968296L;
	r = es_accounts_plan(&in, &w, &p);
	T_CHECK("plan: a range past ES_ID_MAX is refused", r == ES_EPOLICY);
	w.sys_uid_max = 999;
	w.uid = 4294968296L;
	r = es_accounts_plan(&in, &w, &p);
	T_CHECK("plan: a pin past ES_ID_MAX is refused", r == ES_EPOLICY);
	w.uid = -1;
	w.sys_min = (long)ES_WORKER_ID_BASE - 5;
	w.sys_uid_max = (long)ES_WORKER_ID_BASE + 5;
	w.sys_gid_max = w.sys_uid_max;
	r = es_accounts_plan(&in, &w, &p);
	T_CHECK("plan: allocation skips the worker's ids", r == 0 &&
	    (unsigned long)p.uid == ES_WORKER_ID_BASE - 1 &&
	    (unsigned long)p.gid == ES_WORKER_ID_BASE - 1);
	es_acct_bufs_free(&p.out);
	es_acct_bufs_free(&in);
}

int
main(void)
{
	test_parser();
	test_logindefs();
	test_passwd();
	test_planner();
	return t_done();
}
