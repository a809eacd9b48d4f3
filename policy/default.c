/*
 * policy/default.c — the embedded default policy: the backend_api role's
 * defaults (policy v1, man/envseal-policy.5, without `vars`, so every
 * vault key is rendered, plus the static PORT the role's template sets). The gecos is
 * written out because it is the account's comment and the unit's
 * Description, and would otherwise default to the unit name. env_service:
 * the host renders its own env file at every start (provision/envunit.c).
 */
#include "policy/policy.h"

const char es_policy_default_yaml[] =
    "# envseal embedded default: the Veza backend_api role.\n"
    "envseal: 1\n"
    "service:\n"
    "  name: veza-backend-api\n"
    "  user: veza-api\n"
    "  group: veza-api\n"
    "  uid: 1001\n"
    "  gid: 1001\n"
    "  gecos: Veza backend API\n"
    "  home: /opt/veza/backend-api\n"
    "  shell: /usr/sbin/nologin\n"
    "  exec: /opt/veza/backend-api/veza-api\n"
    "  listen_port: 8080\n"
    "  ip_allow: [localhost, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]\n"
    "  read_write_paths: [/var/log/veza]\n"
    "  unit: /etc/systemd/system/veza-backend-api.service\n"
    "  env_service: true\n"
    "directories:\n"
    "  - {path: /opt/veza/backend-api, owner: root, group: veza-api, "
    "mode: \"0750\"}\n"
    "  - {path: /etc/veza, owner: root, group: veza-api, mode: \"0750\"}\n"
    "  - {path: /var/log/veza, owner: veza-api, group: veza-api, "
    "mode: \"0750\"}\n"
    "env_files:\n"
    "  - path: /etc/veza/backend-api.env\n"
    "    vault: group_vars/backend_api.vault.yml\n"
    "    owner: root\n"
    "    group: root\n"
    "    mode: \"0600\"\n"
    "    static:\n"
    "      PORT: \"8080\"\n";
