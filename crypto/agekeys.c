/*
 * crypto/agekeys.c — age identities as key sources: -i/--identity FILE
 * (an age-keygen file) and --identity-credential NAME
 * ($CREDENTIALS_DIRECTORY/NAME). Runs in the parent, before any sandbox,
 * under the same trusted-input rule as password files (fs/ es_trust_read
 * _secure: owned by root, the caller or $SUDO_UID, not group- or world-
 * writable, in directories no one else can write). Each X25519 scalar is
 * appended to the candidate list as a secret labelled ES_AGE_ID_LABEL, in
 * guarded memory, wiped with the list.
 */
#include "crypto/keysrc.h"
#include "fs/fs.h"
#include "vault/age.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An identity file: age-keygen writes ~190 bytes; a file of many keys,
 * with comments, stays far below this. */
#define AGE_IDENTITY_FILE_MAX 65536
#define AGE_CRED_PATH_MAX 4096

static int
add_file(struct es_secrets *out, const char *path, const char *what)
{
	struct es_sbuf b = { 0 };
	int r;

	r = es_trust_read_secure(path, what, AGE_IDENTITY_FILE_MAX, &b);
	if (r == ES_EUNSAFE || r == ES_ELIMIT)
		goto out;
	if (r != 0) {
		r = es_failf(ES_EKEYSRC, "%s %s: %s", what, path,
		    es_strerror(r));
		goto out;
	}
	/* The label names the kind, not the file (the file is named in
	 * the detail of any failure): job.c tells identities by it. */
	r = es_age_identities_parse(b.p, b.len, path, ES_AGE_ID_LABEL, out);
out:
	es_sbuf_free(&b);
	return r;
}

static int
add_credential(struct es_secrets *out, const char *name)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char path[AGE_CRED_PATH_MAX];
	int n;

	if (dir == NULL || *dir == '\0')
		return es_failf(ES_EKEYSRC, "identity credential %s: "
		    "$CREDENTIALS_DIRECTORY is not set (LoadCredential= in the "
		    "unit)", name);
	if (*name == '\0' || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return es_failf(ES_EUSAGE, "bad identity credential name");
	n = snprintf(path, sizeof path, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof path)
		return es_failf(ES_EKEYSRC, "identity credential path too long");
	return add_file(out, path, "identity credential");
}

int
es_keysrc_add_age_identities(const struct es_keysrc_opts *o,
    struct es_secrets *out)
{
	size_t i;
	int r = 0;

	for (i = 0; i < o->n_identities && r == 0; i++)
		r = add_file(out, o->identities[i], "identity file");
	for (i = 0; i < o->n_identity_credentials && r == 0; i++)
		r = add_credential(out, o->identity_credentials[i]);
	return r;
}
