/*
 * cmd/keygen.c — `envseal keygen [-o FILE]` writes a new age X25519
 * identity in age-keygen's format ("# created:", "# public key:",
 * AGE-SECRET-KEY-1...), to stdout or, through fs/ (es_user_write_file),
 * to FILE with mode 0600, never over an existing file; `envseal keygen
 * -y FILE` prints the recipient (age1...) of each identity in FILE.
 */
#include "cmd/cmd.h"
#include "common/envseal.h"
#include "fs/fs.h"
#include "vault/age.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* "# created: " RFC 3339, "# public key: " age1 (62), the identity (74),
 * with room to spare. */
#define KEYGEN_TEXT_MAX 512
#define KEYGEN_FILE_MAX 65536

enum { OPT_HELP = OPT_CMD_BASE };

static void
usage(FILE *f)
{
	cmd_help("keygen", f);
}

/* RFC 3339 local time with its offset, as age-keygen writes it. */
static void
rfc3339(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;
	char z[8];

	localtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(z, sizeof z, "%z", &tm);
	if (!strcmp(z, "+0000"))
		strncat(buf, "Z", size - strlen(buf) - 1);
	else if (strlen(z) == 5)
		snprintf(buf + strlen(buf), size - strlen(buf), "%.3s:%s", z,
		    z + 3);
}

static int
make_text(struct es_sbuf *out, char *pub, size_t pubsz)
{
	unsigned char sk[ES_AGE_KEY], pk[ES_AGE_KEY];
	char id[ES_AGE_BECH32_MAX + 1], when[64];
	int r, n;

	randombytes_buf(sk, sizeof sk);
	if ((r = es_age_public(sk, pk)) != 0 ||
	    (r = es_age_recipient_encode(pk, pub, pubsz)) != 0 ||
	    (r = es_age_identity_encode(sk, id, sizeof id)) != 0)
		goto out;
	rfc3339(when, sizeof when);
	if ((r = es_sbuf_reserve(out, KEYGEN_TEXT_MAX)) != 0)
		goto out;
	n = snprintf((char *)out->p, KEYGEN_TEXT_MAX, "# created: %s\n"
	    "# public key: %s\n%s\n", when, pub, id);
	if (n < 0 || n >= KEYGEN_TEXT_MAX) {
		r = es_failf(ES_EBUG, "keygen text truncated");
		goto out;
	}
	out->len = (size_t)n;
out:
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(id, sizeof id);
	return r;
}

static int
write_out(const char *path, const struct es_sbuf *text)
{
	struct stat st;
	enum es_action act;
	size_t off = 0;
	ssize_t k;

	if (path == NULL || !strcmp(path, "-")) {
		while (off < text->len) {
			k = write(STDOUT_FILENO, text->p + off, text->len - off);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return -errno;
			off += (size_t)k;
		}
		return 0;
	}
	/* Never over an existing file (a symlink counts): a key is not
	 * replaced by accident. */
	if (lstat(path, &st) == 0)
		return es_failf(-EEXIST, "%s: exists; refused (keygen never "
		    "overwrites a key)", path);
	return es_user_write_file(NULL, path, text->p, text->len, 0600,
	    ES_UW_PRIVATE, &act);
}

static int
keygen_new(const char *output)
{
	struct es_sbuf text = { 0 };
	char pub[ES_AGE_BECH32_MAX + 1];
	int r;

	if ((r = make_text(&text, pub, sizeof pub)) == 0 &&
	    (r = write_out(output, &text)) == 0 && output != NULL &&
	    strcmp(output, "-") != 0)
		fprintf(stderr, "Public key: %s\n", pub);
	es_sbuf_free(&text);
	return r ? cmd_fail("keygen", r) : 0;
}

static int
keygen_y(const char *path)
{
	struct es_sbuf b = { 0 };
	struct es_secrets ids;
	unsigned char pk[ES_AGE_KEY];
	char pub[ES_AGE_BECH32_MAX + 1];
	size_t i;
	int r;

	memset(&ids, 0, sizeof ids);
	r = es_trust_read_secure(path, "identity file", KEYGEN_FILE_MAX, &b);
	if (r == 0)
		r = es_age_identities_parse(b.p, b.len, path, "age", &ids);
	for (i = 0; r == 0 && i < ids.n; i++)
		if ((r = es_age_public(ids.v[i].bytes, pk)) == 0 &&
		    (r = es_age_recipient_encode(pk, pub, sizeof pub)) == 0)
			printf("%s\n", pub);
	es_secrets_free(&ids);
	es_sbuf_free(&b);
	return r ? cmd_fail("keygen -y", r) : 0;
}

int
cmd_keygen(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL, *y = NULL;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:y:", lo, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'y': y = optarg; break;
		case 'h':
		case OPT_HELP: usage(stdout); return 0;
		default:
			usage(stderr);
			return cmd_bad_option("keygen", c, argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cmd_usage("keygen: unexpected argument '%s'", argv[optind]);
	if (y != NULL && output != NULL)
		return cmd_usage("keygen: -y and -o exclude each other");
	return y != NULL ? keygen_y(y) : keygen_new(output);
}
