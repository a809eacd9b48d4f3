/*
 * cmd/help.c — what `envseal COMMAND --help` prints, one text per command
 * and per vault subcommand, every option described; and the one message
 * for an option getopt could not take. Texts only: no logic.
 */
#include "cmd/cmd.h"
#include "common/envseal.h"

#include <string.h>

int
cmd_bad_option(const char *what, int c, const char *arg)
{
	if (c == ':')
		return cmd_usage("%s: option '%s' needs a value", what, arg);
	return cmd_usage("%s: unknown option '%s'", what, arg);
}

/* The key-source options, as render, apply and every vault subcommand
 * take them. */
#define HELP_KEYS                                                            \
	"key sources (each may repeat; tried in this order):\n"              \
	"  --vault-id [LABEL@]SOURCE   SOURCE is a password file, an executable\n" \
	"                              (its stdout is the password), a *-client\n" \
	"                              executable (run with --vault-id LABEL),\n" \
	"                              'prompt', or '-' (the password on stdin)\n" \
	"  --vault-password-file FILE  a password file or executable, label\n"  \
	"                              'default'; '-' reads stdin\n"            \
	"  --vault-password-credential [LABEL@]NAME\n"                       \
	"                              $CREDENTIALS_DIRECTORY/NAME (systemd)\n" \
	"  --no-prompt                 never ask on the terminal when no key\n" \
	"                              source is given\n"                       \
	"  also read: ANSIBLE_VAULT_IDENTITY_LIST, ANSIBLE_VAULT_PASSWORD_FILE,\n" \
	"  ANSIBLE_VAULT_ID_MATCH (non-empty: only secrets of the vault's label)\n"

#define HELP_AUDIT_ROOT                                                      \
	"  --audit-root DIR            run as root, audit the writes in\n"     \
	"                              DIR/var/log/envseal (default\n"         \
	"                              $ENVSEAL_AUDIT_ROOT, else /)\n"

#define HELP_ENCRYPT_ID                                                      \
	"  --encrypt-vault-id LABEL    encrypt with the first secret of LABEL\n" \
	"                              (default ANSIBLE_VAULT_ENCRYPT_IDENTITY,\n" \
	"                              else the only secret loaded)\n"

#define HELP_RUN_COMMON                                                      \
	"  --policy FILE               the policy (default: the embedded one,\n" \
	"                              see `envseal policy show`, man 5\n"     \
	"                              envseal-policy)\n"                      \
	"  --root DIR                  work beneath DIR instead of / (its\n"   \
	"                              /etc/passwd, the policy's paths)\n"     \
	"  --check                     plan only: report what would change,\n" \
	"                              write nothing\n"                         \
	"  --diff                      also show what changes (env files: the\n" \
	"                              variable names only, never values)\n"   \
	"  --json                      print the report as one JSON object\n"  \
	"                              (on failure too: changed, failed, rc,\n" \
	"                              msg)\n"

#define HELP_VAULT_OPT                                                       \
	"  --vault FILE                the vault to read, instead of the\n"    \
	"                              policy's (one env file only); a\n"      \
	"                              relative path is relative to the\n"     \
	"                              working directory\n"

#define HELP_RELOAD                                                          \
	"  --reload                    run `systemctl daemon-reload` when the\n" \
	"                              unit changed (root / with a running\n"  \
	"                              systemd only)\n"

#define HELP_END "  -h, --help                  this text\n"

static const struct {
	const char *what;
	const char *text;
} helps[] = {
	{ "render",
	    "usage: envseal render [--policy FILE] [--vault FILE] [--root DIR]\n"
	    "           [KEY SOURCES] [--check] [--diff] [--json]\n"
	    "Decrypt each env_files entry's vault in the sandboxed worker and\n"
	    "write its systemd EnvironmentFile atomically, with the policy's\n"
	    "owner, group and mode (the owner must exist in ROOT/etc/passwd).\n"
	    "options:\n" HELP_RUN_COMMON HELP_VAULT_OPT HELP_END HELP_KEYS },
	{ "provision",
	    "usage: envseal provision [--policy FILE] [--root DIR] [--check]\n"
	    "           [--diff] [--json] [--reload]\n"
	    "Create or repair the policy's service user and group, its\n"
	    "directories and its hardened unit (needs a service section).\n"
	    "--diff shows the unit and the passwd family as a unified diff,\n"
	    "every password field masked.\n"
	    "options:\n" HELP_RUN_COMMON HELP_RELOAD HELP_END },
	{ "apply",
	    "usage: envseal apply [--policy FILE] [--vault FILE] [--root DIR]\n"
	    "           [KEY SOURCES] [--check] [--diff] [--json] [--reload]\n"
	    "`envseal provision` then `envseal render` in one locked, audited\n"
	    "run: everything is planned and rendered before the first write.\n"
	    "options:\n" HELP_RUN_COMMON HELP_VAULT_OPT HELP_RELOAD HELP_END
	    HELP_KEYS },
	{ "vault",
	    "usage: envseal vault SUBCOMMAND [OPTIONS] ...\n"
	    "Ansible Vault files, byte for byte as ansible-vault; every\n"
	    "decryption in the sandboxed worker, every write atomic.\n"
	    "subcommands (`envseal vault SUBCOMMAND --help` for its options):\n"
	    "  view            print the plaintext\n"
	    "  decrypt         decrypt in place or to --output\n"
	    "  encrypt         encrypt in place or to --output\n"
	    "  encrypt-string  print NAME: !vault | for a string\n"
	    "  rekey           re-encrypt under a new secret\n" },
	{ "vault view",
	    "usage: envseal vault view [KEY SOURCES] [--audit-root DIR] FILE...\n"
	    "Print each FILE's plaintext (FILE '-': stdin). A YAML file with\n"
	    "inline !vault values is printed with each value decrypted as a\n"
	    "double-quoted scalar, every other line untouched.\n"
	    "options:\n" HELP_AUDIT_ROOT HELP_END HELP_KEYS },
	{ "vault decrypt",
	    "usage: envseal vault decrypt [KEY SOURCES] [--output FILE|-]\n"
	    "           [--audit-root DIR] FILE...\n"
	    "Decrypt each FILE in place (atomically, mode 0600, owner kept).\n"
	    "options:\n"
	    "  --output FILE|-             write the plaintext to FILE (0600)\n"
	    "                              or stdout instead; one input only\n"
	    HELP_AUDIT_ROOT HELP_END HELP_KEYS },
	{ "vault encrypt",
	    "usage: envseal vault encrypt [KEY SOURCES] [--output FILE|-]\n"
	    "           [--encrypt-vault-id LABEL] [--audit-root DIR] FILE...\n"
	    "Encrypt each FILE in place (atomically, owner and mode kept); a\n"
	    "file that is already a vault is refused.\n"
	    "options:\n"
	    "  --output FILE|-             write the vault to FILE or stdout\n"
	    "                              instead; one input only\n"
	    HELP_ENCRYPT_ID HELP_AUDIT_ROOT HELP_END HELP_KEYS },
	{ "vault encrypt-string",
	    "usage: envseal vault encrypt-string [KEY SOURCES]\n"
	    "           [--encrypt-vault-id LABEL] [--name NAME]... [STRING...]\n"
	    "       envseal vault encrypt-string [KEY SOURCES] --stdin-name NAME\n"
	    "Print each STRING as ansible does: NAME: !vault | and the envelope\n"
	    "indented by 10 spaces. Without STRING, stdin is read as is.\n"
	    "options:\n"
	    "  --name NAME                 the variable name of the next STRING\n"
	    "                              (one per STRING, in order)\n"
	    "  --stdin-name NAME           read the value from stdin and name it\n"
	    "                              NAME (no STRING, no --name with it)\n"
	    HELP_ENCRYPT_ID HELP_END HELP_KEYS },
	{ "vault rekey",
	    "usage: envseal vault rekey [KEY SOURCES]\n"
	    "           (--new-vault-password-file FILE | --new-vault-id LABEL@SOURCE)\n"
	    "           [--encrypt-vault-id LABEL] [--audit-root DIR] FILE...\n"
	    "Re-encrypt whole files and inline values under the new secret,\n"
	    "with new salts; all files in memory first, so a wrong key or a\n"
	    "bad file changes nothing.\n"
	    "options:\n"
	    "  --new-vault-password-file FILE\n"
	    "                              the new password (file or executable;\n"
	    "                              the label is kept)\n"
	    "  --new-vault-id LABEL@SOURCE the new secret and its label\n"
	    HELP_ENCRYPT_ID HELP_AUDIT_ROOT HELP_END HELP_KEYS },
	{ "audit",
	    "usage: envseal audit verify [--root DIR]\n"
	    "       envseal audit show [--root DIR]\n"
	    "verify: walk the hash chain of DIR/var/log/envseal/audit.jsonl;\n"
	    "        exit 3 naming the first record that breaks it; on an intact\n"
	    "        chain exit 0, with a line \"incomplete run ...\" for each run\n"
	    "        that has an intent and no end.\n"
	    "show:   print the records for humans.\n"
	    "options:\n"
	    "  --root DIR                  the root whose log is read (default\n"
	    "                              /); nothing is written or locked\n"
	    HELP_END },
	{ "policy",
	    "usage: envseal policy show [--policy FILE]\n"
	    "Validate the policy and print it as YAML with every default filled\n"
	    "in (man 5 envseal-policy describes each key).\n"
	    "options:\n"
	    "  --policy FILE               the policy (default: the embedded one,\n"
	    "                              for the backend_api service)\n"
	    HELP_END },
};

void
cmd_help(const char *what, FILE *f)
{
	size_t i;

	for (i = 0; i < sizeof helps / sizeof helps[0]; i++)
		if (!strcmp(helps[i].what, what)) {
			fputs(helps[i].text, f);
			return;
		}
	BUG("no help text for a command");
}
