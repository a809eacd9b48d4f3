#!/usr/bin/python
# -*- coding: utf-8 -*-
# envseal.envseal.apply: `envseal apply` on the target.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: apply
short_description: Provision a service's user, directories and hardened unit and render its env files with envseal
version_added: 0.1.0
description:
  - Runs C(envseal apply) on the target. In one locked, audited run, creates or repairs the
    service's user and group (passwd family), its directories, its hardened systemd unit, and
    then renders its env files from the vault (a seccomp-sandboxed worker decrypts it). Each
    file is replaced atomically and only when it differs; a failure leaves every file as it was
    before that file's write.
  - The vault password travels on envseal's standard input only.
extends_documentation_fragment:
  - envseal.envseal.common
options:
  reload:
    description:
      - Run C(systemctl daemon-reload) when the unit changed (C(envseal --reload); only with
        I(root=/) and a running systemd, otherwise envseal says why it did not).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: C(envseal apply --check).
  diff_mode:
    support: full
    description: >-
      The variable names per env file, and envseal's unified diffs of the unit and the passwd
      family (password fields masked).
author:
  - envseal developers
'''

EXAMPLES = r'''
- name: The backend API, all in one run
  envseal.envseal.apply:
    policy: /etc/envseal/backend_api.policy.yml
    vault_src: "{{ playbook_dir }}/group_vars/backend_api.vault.yml"
    vault_password: "{{ backend_api_vault_password }}"
    reload: true
  register: backend_api_apply
  notify: Restart backend API

- name: Only report what would change
  envseal.envseal.apply:
    policy: /etc/envseal/backend_api.policy.yml
    vault_password_file: [/root/.envseal/backend_api.pw]
  check_mode: true
  diff: true
'''

RETURN = r'''
changed:
  description: True when any file or directory was created, replaced or repaired.
  returned: always
  type: bool
rc:
  description: envseal's exit status (0 ok, 1 runtime, 2 usage or policy, 3 integrity, 4 sandbox, 70 internal error, a bug in envseal).
  returned: always
  type: int
msg:
  description: envseal's one-line error message (on failure only). Never holds a value.
  returned: failure
  type: str
daemon_reload:
  description: True when the unit changed (systemd needs a daemon-reload).
  returned: when envseal ran
  type: bool
files:
  description: >-
    One entry per file or directory of envseal's report, with the keys of
    M(envseal.envseal.render)'s C(files) (C(kind) is C(env), C(dir), C(unit), C(passwd),
    C(group), C(shadow) or C(gshadow)), and in diff mode C(diff), envseal's unified diff of a
    unit or passwd-family file (password fields masked).
  returned: when envseal ran
  type: list
  elements: dict
env_changed:
  description: True when an env file changed.
  returned: when envseal ran
  type: bool
unit_changed:
  description: True when the unit changed.
  returned: when envseal ran
  type: bool
restarted:
  description: The units of I(restart) that were restarted (env file or unit changed), in order.
  returned: when envseal ran
  type: list
  elements: str
stderr_lines:
  description: envseal's notes and warnings (no values).
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.envseal.envseal.plugins.module_utils.envseal import (
    MUTUALLY_EXCLUSIVE, argument_spec, run)


def main():
    module = AnsibleModule(argument_spec=argument_spec('apply'),
                           mutually_exclusive=MUTUALLY_EXCLUSIVE,
                           supports_check_mode=True)
    run(module, 'apply')


if __name__ == '__main__':
    main()
