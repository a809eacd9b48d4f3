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

/* The age identities: for what reads age vaults (render, apply, vault
 * view, decrypt, reencrypt); never tried as a password. */
#define HELP_IDENTITY                                                        \
	"  -i, --identity FILE         an age identity file (age-keygen's\n"  \
	"                              format), for age vaults\n"            \
	"  --identity-credential NAME  an age identity in\n"                  \
	"                              $CREDENTIALS_DIRECTORY/NAME (systemd)\n"

/* The age recipients: what vault encrypt and migrate seal to. */
#define HELP_RECIPIENTS                                                      \
	"  -r, --recipient age1...     encrypt to this X25519 recipient\n"    \
	"                              (age v1; no key source is read)\n"    \
	"  -R, --recipients-file FILE  ... and to each age1 line of FILE\n"   \
	"  -a, --armor                 write the age file ASCII-armored (PEM)\n"

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
	"                              msg)\n"                                  \
	HELP_TRUSTED_KEY

#define HELP_TRUSTED_KEY                                                     \
	"  --trusted-key FILE          a minisign public key: the policy must\n" \
	"                              carry a valid POLICY.minisig by it (as\n" \
	"                              by any key in ROOT/etc/envseal/\n"      \
	"                              trusted-keys/, which also applies)\n"

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

#define HELP_POLICY_OPT                                                      \
	"  --policy FILE               the policy (default: the embedded one,\n" \
	"                              for the backend_api service)\n"

static const struct {
	const char *what;
	const char *text;
} helps[] = {
	{ "render",
	    "usage: envseal render [--policy FILE] [--vault FILE] [--root DIR]\n"
	    "           [KEY SOURCES] [-i FILE]... [--check] [--diff] [--json]\n"
	    "           [--try-restart] [--trusted-key FILE]\n"
	    "Decrypt each env_files entry's vault in the sandboxed worker and\n"
	    "write its systemd EnvironmentFile atomically, with the policy's\n"
	    "owner, group and mode (the owner must exist in ROOT/etc/passwd).\n"
	    "options:\n" HELP_RUN_COMMON HELP_VAULT_OPT
	    "  --try-restart               when an env file's content changed,\n"
	    "                              `systemctl --no-block try-restart` the\n"
	    "                              service (root / with a running systemd\n"
	    "                              only; the env-file service uses it)\n"
	    HELP_IDENTITY HELP_END HELP_KEYS },
	{ "provision",
	    "usage: envseal provision [--policy FILE] [--root DIR] [--check]\n"
	    "           [--diff] [--json] [--reload] [--trusted-key FILE]\n"
	    "Create or repair the policy's service user and group, its\n"
	    "directories and its hardened unit (needs a service section), and\n"
	    "with service.env_service the env-file service's units.\n"
	    "--diff shows the unit and the passwd family as a unified diff,\n"
	    "every password field masked.\n"
	    "options:\n" HELP_RUN_COMMON HELP_RELOAD HELP_END },
	{ "apply",
	    "usage: envseal apply [--policy FILE] [--vault FILE] [--root DIR]\n"
	    "           [KEY SOURCES] [-i FILE]... [--check] [--diff] [--json]\n"
	    "           [--reload] [--trusted-key FILE]\n"
	    "`envseal provision` then `envseal render` in one locked, audited\n"
	    "run: everything is planned and rendered before the first write.\n"
	    "options:\n" HELP_RUN_COMMON HELP_VAULT_OPT HELP_RELOAD
	    HELP_IDENTITY HELP_END HELP_KEYS },
	{ "vault",
	    "usage: envseal vault SUBCOMMAND [OPTIONS] ...\n"
	    "Ansible Vault and age files, byte for byte as ansible-vault and\n"
	    "age; every decryption in the sandboxed worker, every write atomic.\n"
	    "subcommands (`envseal vault SUBCOMMAND --help` for its options):\n"
	    "  view            print the plaintext\n"
	    "  decrypt         decrypt in place or to --output\n"
	    "  encrypt         encrypt in place or to --output (Ansible Vault,\n"
	    "                  or age with -r/-R or --age-passphrase)\n"
	    "  encrypt-string  print NAME: !vault | for a string\n"
	    "  rekey           re-encrypt under a new secret\n"
	    "  migrate         turn Ansible Vault files into age files\n"
	    "  reencrypt       give each policy age vault the policy's\n"
	    "                  recipients\n"
	    "  set             set one key's value (every other byte kept)\n"
	    "  unset           remove one key\n"
	    "  edit            edit a vault in $EDITOR (plaintext on tmpfs only)\n"
	    "  create          create a vault in $EDITOR\n"
	    "ansible-vault's spellings are taken too: encrypt_string,\n"
	    "--vault-pass-file, --ask-vault-pass/--ask-vault-password/-J (the\n"
	    "terminal, else a line of stdin per question), -v/--verbose\n"
	    "(accepted, no effect), -n for --name, -p/--prompt, --show-input.\n" },
	{ "vault set",
	    "usage: envseal vault set [KEY SOURCES] [--encrypt-vault-id LABEL]\n"
	    "           [--generate N [--charset CHARSET] [--print]]\n"
	    "           [--audit-root DIR] FILE NAME\n"
	    "Set the top-level key NAME: in a whole-file vault, its line of the\n"
	    "plaintext (sealed again only when the value changed); in YAML with\n"
	    "inline values, NAME: !vault | (every other byte of FILE kept). The\n"
	    "value is asked twice on the terminal without echo, or read from\n"
	    "stdin (one final newline dropped); never printed.\n"
	    "options:\n"
	    "  --generate N                a random value of N characters\n"
	    "                              (libsodium randombytes) instead\n"
	    "  --charset CHARSET           alnum (default), hex, base64, urlsafe\n"
	    "  --print                     print the generated value on stdout\n"
	    HELP_ENCRYPT_ID HELP_AUDIT_ROOT HELP_END HELP_KEYS },
	{ "vault unset",
	    "usage: envseal vault unset [KEY SOURCES] [--audit-root DIR] FILE NAME\n"
	    "Remove the top-level key NAME (its lines; every other byte kept).\n"
	    "A key that is not there leaves FILE as it is.\n"
	    "options:\n" HELP_AUDIT_ROOT HELP_END HELP_KEYS },
	{ "vault edit",
	    "usage: envseal vault edit [KEY SOURCES] [--audit-root DIR] FILE...\n"
	    "Open each whole-file vault's plaintext in $EDITOR (default vi; VISUAL\n"
	    "is not read, as ansible-vault 2.14) on a file in a private tmpfs\n"
	    "directory, removed with the editor's leftovers when it exits; seal it\n"
	    "again with the same secret and label only when it changed. An editor\n"
	    "that cannot start or is killed saves nothing.\n"
	    "options:\n" HELP_AUDIT_ROOT HELP_END HELP_KEYS },
	{ "vault create",
	    "usage: envseal vault create [KEY SOURCES] [--encrypt-vault-id LABEL]\n"
	    "           [--audit-root DIR] FILE\n"
	    "Write a new whole-file vault from what $EDITOR saves, as vault edit\n"
	    "does; FILE must not exist.\n"
	    "options:\n" HELP_ENCRYPT_ID HELP_AUDIT_ROOT HELP_END HELP_KEYS },
	{ "vault view",
	    "usage: envseal vault view [KEY SOURCES] [-i FILE]... [--audit-root DIR]\n"
	    "           FILE...\n"
	    "Print each FILE's plaintext (FILE '-': stdin). A YAML file with\n"
	    "inline !vault values is printed with each value decrypted as a\n"
	    "double-quoted scalar, every other line untouched. As ansible\n"
	    "prints it: a byte that is not valid UTF-8 as '?', a final newline\n"
	    "added when missing (decrypt is byte-exact).\n"
	    "options:\n" HELP_IDENTITY HELP_AUDIT_ROOT HELP_END HELP_KEYS },
	{ "vault decrypt",
	    "usage: envseal vault decrypt [KEY SOURCES] [-i FILE]... [--output FILE|-]\n"
	    "           [--audit-root DIR] [FILE...]\n"
	    "Decrypt each FILE in place (atomically, mode 0600, owner kept).\n"
	    "No FILE (or '-'): stdin to stdout, or to --output.\n"
	    "options:\n"
	    "  --output FILE|-             write the plaintext to FILE (0600)\n"
	    "                              or stdout instead; one input only\n"
	    HELP_IDENTITY HELP_AUDIT_ROOT HELP_END HELP_KEYS },
	{ "vault encrypt",
	    "usage: envseal vault encrypt [KEY SOURCES] [--output FILE|-]\n"
	    "           [--encrypt-vault-id LABEL] [--audit-root DIR] [FILE...]\n"
	    "       envseal vault encrypt (-r age1... | -R FILE)... [--armor]\n"
	    "           [--output FILE|-] [--audit-root DIR] FILE...\n"
	    "       envseal vault encrypt --age-passphrase [KEY SOURCES] [--armor]\n"
	    "           [--output FILE|-] [--audit-root DIR] FILE...\n"
	    "Encrypt each FILE in place (atomically, owner and mode kept); a\n"
	    "file that is already a vault is refused. No FILE (or '-'): stdin\n"
	    "to stdout, or to --output.\n"
	    "options:\n"
	    "  --output FILE|-             write the vault to FILE or stdout\n"
	    "                              instead; one input only\n"
	    HELP_ENCRYPT_ID HELP_RECIPIENTS
	    "  --age-passphrase            an age file with one scrypt stanza\n"
	    "                              (work factor 18), the passphrase from\n"
	    "                              the key sources\n"
	    HELP_AUDIT_ROOT HELP_END HELP_KEYS },
	{ "vault encrypt-string",
	    "usage: envseal vault encrypt-string [KEY SOURCES]\n"
	    "           [--encrypt-vault-id LABEL] [--name NAME]... [--stdin-name NAME]\n"
	    "           [--output FILE|-] [STRING...|-]\n"
	    "Print each STRING as ansible does: NAME: !vault | and the envelope\n"
	    "indented by 10 spaces. stdin (read as is) comes first when there is\n"
	    "no STRING, a STRING '-', or --stdin-name; then each STRING.\n"
	    "options:\n"
	    "  --name NAME                 the variable name of the next STRING\n"
	    "                              (in order; not of stdin's value)\n"
	    "  --stdin-name NAME           read a value from stdin and name it\n"
	    "                              NAME\n"
	    "  --output FILE|-             write the blocks to FILE (0600 when\n"
	    "                              new) or stdout\n"
	    "  -p, --prompt                ask for a name and a string first\n"
	    "                              (needs a STRING, as in ansible)\n"
	    "  --show-input                echo the string asked for\n"
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
	{ "vault migrate",
	    "usage: envseal vault migrate [KEY SOURCES] (-r age1... | -R FILE)...\n"
	    "           [--armor] [--output FILE|-] [--audit-root DIR] FILE...\n"
	    "Turn Ansible Vault files (whole-file, or YAML with inline values)\n"
	    "into age files with the same plaintext, every file converted in\n"
	    "memory before the first is replaced.\n"
	    "options:\n" HELP_RECIPIENTS
	    "  --output FILE|-             write the age file to FILE or stdout\n"
	    "                              instead; one input only\n"
	    HELP_AUDIT_ROOT HELP_END HELP_KEYS },
	{ "vault reencrypt",
	    "usage: envseal vault reencrypt --policy FILE (-i FILE |\n"
	    "           --identity-credential NAME)... [--audit-root DIR]\n"
	    "Make each age vault of the policy's env_files entries with\n"
	    "recipients encrypted to exactly those recipients, once the whole\n"
	    "file has authenticated with an identity: recipients only added,\n"
	    "the file key is re-wrapped and the payload kept; one removed, a\n"
	    "new file key and payload (rotate the secrets too); the same set,\n"
	    "nothing written.\n"
	    "options:\n"
	    "  --policy FILE               the policy whose vaults and recipients\n"
	    "                              are used (required)\n"
	    HELP_IDENTITY HELP_AUDIT_ROOT HELP_END },
	{ "audit",
	    "usage: envseal audit verify [--root DIR] [--expect HASH]\n"
	    "       envseal audit show [--root DIR] [--json] [--path PATH]\n"
	    "           [--run ID] [--since TIME] [--command NAME]\n"
	    "verify: walk the hash chain of DIR/var/log/envseal/audit.jsonl.\n"
	    "show:   print the records.\n"
	    "`envseal audit verify --help`, `envseal audit show --help` for\n"
	    "their options.\n" },
	{ "audit verify",
	    "usage: envseal audit verify [--root DIR] [--expect HASH]\n"
	    "Walk the hash chain of DIR/var/log/envseal/audit.jsonl; exit 3\n"
	    "naming the first record that breaks it; on an intact chain exit\n"
	    "0, with a line \"incomplete run ...\" for each run that has an\n"
	    "intent and no end. Nothing is written or locked.\n"
	    "options:\n"
	    "  --root DIR                  the root whose log is read (default /)\n"
	    "  --expect HASH               exit 3 unless HASH (a record hash kept\n"
	    "                              from an earlier verify) is in the\n"
	    "                              chain; says how many records follow it\n"
	    HELP_END },
	{ "audit show",
	    "usage: envseal audit show [--root DIR] [--json] [--path PATH]\n"
	    "           [--run ID] [--since TIME] [--command NAME]\n"
	    "Print the records for humans, or as JSON lines. The filters keep\n"
	    "only the records that match all of them. Nothing is written.\n"
	    "options:\n"
	    "  --root DIR                  the root whose log is read (default /)\n"
	    "  --json                      JSON lines, ASCII-only (\\u escapes)\n"
	    "  --path PATH                 records about PATH (exact)\n"
	    "  --run ID                    records of the runs whose id starts\n"
	    "                              with ID\n"
	    "  --since TIME                records at or after TIME (RFC 3339\n"
	    "                              UTC, at least a date)\n"
	    "  --command NAME              records of command NAME (exact)\n"
	    HELP_END },
	{ "policy",
	    "usage: envseal policy show [--policy FILE]\n"
	    "       envseal policy lint [--policy FILE] [--format text|json|sarif]\n"
	    "           [--fail-on low|medium|high] [--max-exposure N]\n"
	    "       envseal policy sign --key SECRETKEY --policy FILE\n"
	    "           [--key-password-file FILE] [--trusted-comment TEXT]\n"
	    "show: validate and print the policy; lint: judge it; sign: write\n"
	    "its minisign signature. `envseal policy SUBCOMMAND --help` for its\n"
	    "options; man 5 envseal-policy describes each key.\n" },
	{ "policy show",
	    "usage: envseal policy show [--policy FILE]\n"
	    "Validate the policy and print it as YAML with every default filled\n"
	    "in (man 5 envseal-policy describes each key).\n"
	    "options:\n" HELP_POLICY_OPT HELP_END },
	{ "policy lint",
	    "usage: envseal policy lint [--policy FILE] [--format text|json|sarif]\n"
	    "           [--fail-on low|medium|high] [--max-exposure N]\n"
	    "Judge the policy on its own (no host, no vault): each finding has a\n"
	    "rule id, a severity, the policy's line and a reason. Exit 5 when a\n"
	    "finding reaches --fail-on, else 0; 2 for a policy that does not\n"
	    "load.\n"
	    "options:\n" HELP_POLICY_OPT
	    "  --format FORMAT             text (default), json or sarif (2.1.0)\n"
	    "  --fail-on SEVERITY          low, medium or high (default): the\n"
	    "                              least severity that exits 5\n"
	    "  --max-exposure N            0.0 to 10.0 (default 2.0): ES008 when a\n"
	    "                              unit systemd-analyze scores above N\n"
	    HELP_END },
	{ "policy sign",
	    "usage: envseal policy sign --key SECRETKEY --policy FILE\n"
	    "           [--key-password-file FILE] [--trusted-comment TEXT]\n"
	    "Write FILE.minisig, a minisign signature of FILE (the policy is\n"
	    "checked first), which render, apply, provision and verify require\n"
	    "when the root trusts signing keys.\n"
	    "options:\n"
	    "  --policy FILE               the policy to sign (required)\n"
	    "  --key SECRETKEY             a minisign secret key file (required)\n"
	    "  --key-password-file FILE    the password of an encrypted key\n"
	    "  --trusted-comment TEXT      the signature's trusted comment\n"
	    HELP_END },
	{ "verify",
	    "usage: envseal verify [--policy FILE] [--root DIR] [--json]\n"
	    "           [--expect-audit HASH] [--trusted-key FILE]\n"
	    "Check the host under DIR (default /) against the policy, read-only:\n"
	    "accounts, directories, unit, service binary, env files (names and\n"
	    "fingerprint against the last audit record), the audit chain. Needs\n"
	    "no vault key. Each check is ok, drift, missing or unknown.\n"
	    "Exit 0 all ok, 5 anything not ok, 3 a broken audit chain,\n"
	    "1 runtime, 2 usage.\n"
	    "options:\n" HELP_POLICY_OPT
	    "  --root DIR                  the root to check (default /)\n"
	    "  --json                      the checks as one JSON object\n"
	    "  --expect-audit HASH         also require HASH (a record hash kept\n"
	    "                              earlier) in the audit chain\n"
	    HELP_TRUSTED_KEY HELP_END },
	{ "rotate",
	    "usage: envseal rotate [--policy FILE | VAULT...] [key sources]\n"
	    "           (--new-vault-password-file FILE | --new-vault-id\n"
	    "           [LABEL@]SOURCE) [--root DIR] [--render] [--check] [--json]\n"
	    "Re-encrypt every vault the policy names (or each VAULT) under the new\n"
	    "key, whole-file and inline, keeping owner, mode and labels (unless\n"
	    "--new-vault-id gives LABEL@). Each file is checked to open with the\n"
	    "new key to the same plaintext, all are staged beside their targets,\n"
	    "a journal (DIR/var/lib/envseal/rotate.journal) is written, then each\n"
	    "is renamed. Killed midway: run the same command again to finish. A\n"
	    "vault already under the new key is skipped. Exit 0 ok, 1 runtime,\n"
	    "2 usage, 3 a vault that does not open or a journal that does not\n"
	    "match, 4 sandbox.\n"
	    "options:\n" HELP_POLICY_OPT
	    "  --new-vault-password-file FILE  the new key (a password file or\n"
	    "                              executable, as --vault-password-file)\n"
	    "  --new-vault-id [LABEL@]SOURCE   the new key as --vault-id takes it;\n"
	    "                              LABEL@ relabels every value\n"
	    "  --root DIR                  the root of the journal, lock, audit log\n"
	    "                              and env files (default /)\n"
	    "  --render                    then render the policy's env files with\n"
	    "                              the new key, in the same audit run\n"
	    "  --check                     say what would be rotated; write nothing\n"
	    "  --json                      the report as one JSON object\n"
	    HELP_TRUSTED_KEY HELP_KEYS HELP_END },
	{ "keygen",
	    "usage: envseal keygen [-o FILE]\n"
	    "       envseal keygen -y FILE\n"
	    "Make a new age identity (age-keygen's format), or print the\n"
	    "recipient of an existing one.\n"
	    "options:\n"
	    "  -o, --output FILE           write the identity to FILE (mode 0600;\n"
	    "                              an existing FILE is refused), else\n"
	    "                              stdout\n"
	    "  -y FILE                     print the age1 recipient of each\n"
	    "                              identity in FILE\n"
	    HELP_END },
	{ "credential seal",
	    "usage: envseal credential seal --name NAME [--with-key host|tpm2|auto]\n"
	    "           OUT\n"
	    "Seal a vault password (read from the terminal without echo, or from\n"
	    "stdin) with systemd-creds into OUT (root 0600), for the env-file\n"
	    "service's LoadCredentialEncrypted=NAME:OUT.\n"
	    "options:\n"
	    "  --name NAME                 the credential's name (letters, digits,\n"
	    "                              '.', '_', '-'); required\n"
	    "  --with-key KEY              host, tpm2 or auto (default): the key\n"
	    "                              systemd-creds seals with\n"
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
