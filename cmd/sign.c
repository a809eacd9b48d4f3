/*
 * cmd/sign.c — `envseal policy sign --key SECRETKEY [--policy FILE]
 * [--key-password-file FILE] [--trusted-comment TEXT]`: write
 * FILE.minisig, a minisign signature (prehashed, as `minisign -S` makes
 * by default) that `minisign -Vm FILE` and envseal's trust check accept.
 * The secret key and its password are trusted inputs read into guarded
 * memory; the signature is written through fs/ (working-tree rules: its
 * directory writable by no one else) and, as root, audited as the vault
 * commands' writes are (the log under $ENVSEAL_AUDIT_ROOT, else "/"): a
 * run "policy sign" whose begin records the signing key's id as "signer"
 * and the policy's sha256, and the signature file's record.
 */
#include "cmd/cmd.h"
#include "common/envseal.h"
#include "crypto/minisign.h"
#include "fs/fs.h"
#include "policy/policy.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
	OPT_POLICY = OPT_CMD_BASE,
	OPT_KEY,
	OPT_KEY_PASSWORD_FILE,
	OPT_COMMENT,
	OPT_HELP,
};

/* Longest password read from --key-password-file. */
#define SIGN_PASSWORD_MAX 4096
/* ".minisig" beside the policy. */
#define SIGN_SUFFIX ".minisig"
/* The root whose log audits root's writes (as the vault commands). */

static void
usage(FILE *f)
{
	cmd_help("policy sign", f);
}

struct sign_args {
	const char *policy, *key, *pwfile, *comment;
};

/* The password, its final newline and surrounding blanks dropped. */
static int
read_password(const char *path, struct es_sbuf *pw)
{
	int r = es_trust_read_secure(path, "key password file",
	    SIGN_PASSWORD_MAX, pw);

	while (r == 0 && pw->len > 0 && (pw->p[pw->len - 1] == '\n' ||
	    pw->p[pw->len - 1] == '\r' || pw->p[pw->len - 1] == ' '))
		pw->len--;
	return r;
}

static int
load_key(const struct sign_args *a, struct es_ms_seckey **sk)
{
	struct es_sbuf text = { 0 }, pw = { 0 };
	int r;

	if ((r = es_trust_read_secure(a->key, "secret key", ES_MS_FILE_MAX,
	    &text)) != 0)
		return r;
	if (a->pwfile != NULL && (r = read_password(a->pwfile, &pw)) != 0)
		goto out;
	r = es_ms_seckey_parse((const char *)text.p, text.len,
	    a->pwfile != NULL ? pw.p : NULL, pw.len, sk);
	if (r != 0)
		r = cmd_fail_prefix(r, a->key);
out:
	es_sbuf_free(&pw);
	es_sbuf_free(&text);
	return r;
}

/* The signature through fs/; as root, in an audited run naming the key
 * that signed and the policy it signed. */
static int
write_sig(const struct es_ms_seckey *sk, const struct es_policy *p,
    const char *sigpath, const char *sig, size_t slen, enum es_action *act)
{
	char keyid[2 * ES_MS_KEYNUM + 1];
	struct cmd_host_names names = { 0, { NULL, NULL }, { 0, 0 } };
	struct es_root *audit = NULL;
	int r, w;

	if (geteuid() == 0) {
		if ((r = es_root_open(&audit, cmd_audit_root(NULL), 0)) != 0)
			return r;
		es_ms_keyid(sk->keynum, keyid);
		es_audit_set_signer(audit, keyid);
		es_root_set_namer(audit, cmd_host_name, &names);
		if ((r = es_audit_begin(audit, "policy sign", p->sha256)) != 0) {
			es_root_close(audit);
			return r;
		}
	}
	w = es_user_write_file(audit, sigpath, sig, slen, 0644, 0, act);
	r = 0;
	if (audit != NULL) {
		if (w != 0)
			es_audit_fail(audit, w);
		r = es_audit_end(audit, w == 0 ? 0 : es_exit_status(w));
		es_root_close(audit);
		cmd_host_names_free(&names);
	}
	return w != 0 ? w : r;
}

static int
sign(const struct sign_args *a)
{
	char comment[ES_MS_TRUSTED_MAX + 1], sigpath[ES_PATH_MAX + 16];
	struct es_ms_seckey *sk = NULL;
	struct es_policy *p = NULL;
	enum es_action act;
	unsigned char *buf = NULL;
	const char *base;
	char *sig = NULL;
	size_t len = 0, slen = 0;
	int n, r;

	n = snprintf(sigpath, sizeof sigpath, "%s%s", a->policy, SIGN_SUFFIX);
	if (n < 0 || (size_t)n >= sizeof sigpath)
		return es_failf(ES_ELIMIT, "%s: path too long", a->policy);
	/* One read: the bytes checked are the bytes signed. */
	if ((r = es_trust_read(a->policy, "policy", ES_POLICY_MAX_BYTES, &buf,
	    &len)) != 0 || (r = es_policy_load_buf(a->policy, buf, len, &p))
	    != 0)
		goto out;
	base = strrchr(a->policy, '/') ? strrchr(a->policy, '/') + 1 :
	    a->policy;
	if (a->comment != NULL)
		n = snprintf(comment, sizeof comment, "%s", a->comment);
	else
		/* minisign's default trusted comment. */
		n = snprintf(comment, sizeof comment, "timestamp:%lld\tfile:%s"
		    "\thashed", (long long)time(NULL), base);
	if (n < 0 || (size_t)n >= sizeof comment) {
		r = es_failf(ES_ELIMIT, "trusted comment over %d bytes",
		    ES_MS_TRUSTED_MAX);
		goto out;
	}
	if ((r = load_key(a, &sk)) != 0 ||
	    (r = es_ms_sign(sk, buf, len, comment, &sig, &slen)) != 0)
		goto out;
	r = write_sig(sk, p, sigpath, sig, slen, &act);
	if (r == 0)
		printf("%s: %s\n", sigpath, es_action_name(act));
out:
	es_ms_seckey_free(sk);
	es_policy_free(p);
	free(sig);
	free(buf);
	return r;
}

int
cmd_policy_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "key-password-file", required_argument, NULL,
		    OPT_KEY_PASSWORD_FILE },
		{ "trusted-comment", required_argument, NULL, OPT_COMMENT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct sign_args a = { NULL, NULL, NULL, NULL };
	int c, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_POLICY: a.policy = optarg; break;
		case OPT_KEY: a.key = optarg; break;
		case OPT_KEY_PASSWORD_FILE: a.pwfile = optarg; break;
		case OPT_COMMENT: a.comment = optarg; break;
		case 'h':
		case OPT_HELP:
			return usage(stdout), 0;
		default:
			return usage(stderr), cmd_bad_option("policy sign", c,
			    argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cmd_usage("policy sign: unexpected argument '%s'",
		    argv[optind]);
	if (a.key == NULL || a.policy == NULL)
		return usage(stderr), cmd_usage("policy sign: --key and "
		    "--policy are required");
	if ((r = sign(&a)) != 0)
		return cmd_fail("policy sign", r);
	if (fflush(stdout) != 0)
		return cmd_fail("policy sign", -EIO);
	return 0;
}
