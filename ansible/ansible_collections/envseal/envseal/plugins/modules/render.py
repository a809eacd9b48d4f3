#!/usr/bin/python
# -*- coding: utf-8 -*-
# envseal.envseal.render: `envseal render` on the target.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: render
short_description: Render systemd EnvironmentFiles from an Ansible Vault with envseal
version_added: 0.1.0
description:
  - Runs C(envseal render) on the target. A seccomp-sandboxed worker decrypts the vault and
    envseal replaces each env file of the policy atomically (same owner, group and mode as
    the policy says), through its audited write layer. An unchanged env file is not touched.
  - The vault password travels on envseal's standard input only.
  - Render does not create users, directories or units; use M(envseal.envseal.apply) for that.
    For the same reason it has no C(reload) option (no unit is written).
extends_documentation_fragment:
  - envseal.envseal.common
attributes:
  check_mode:
    support: full
    description: C(envseal render --check).
  diff_mode:
    support: full
    description: The variable names added, removed or changed, per env file.
author:
  - envseal developers
'''

EXAMPLES = r'''
- name: Render the backend's env file (password from the controller, over stdin)
  envseal.envseal.render:
    policy: /etc/envseal/backend_api.policy.yml
    vault_src: "{{ playbook_dir }}/group_vars/backend_api.vault.yml"
    vault_password: "{{ backend_api_vault_password }}"
    restart: [veza-backend-api.service]
  register: rendered

- name: Render with a password file that is already on the target
  envseal.envseal.render:
    policy: /etc/envseal/backend_api.policy.yml
    vault_password_file: [/root/.envseal/backend_api.pw]

- name: Use envseal's JSON report
  ansible.builtin.debug:
    msg: "{{ rendered.files | selectattr('kind', 'eq', 'env') | map(attribute='changed') }}"
'''

RETURN = r'''
changed:
  description: True when an env file was created, replaced or had its owner, group or mode repaired.
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
  sample: "envseal: render: group_vars/backend_api.vault.yml: no vault secret opened it (vault label default; tried: default)"
files:
  description: One entry per file of envseal's report.
  returned: when envseal ran
  type: list
  elements: dict
  contains:
    path:
      description: The file's path, relative to I(root).
      type: str
    kind:
      description: C(env) for an env file.
      type: str
    action:
      description: C(created), C(replaced), C(metadata) (owner, group or mode repaired), C(unchanged) or C(refused).
      type: str
    owner:
      description: Owner name.
      type: str
    group:
      description: Group name.
      type: str
    mode:
      description: Octal mode, four digits.
      type: str
      sample: "0600"
    added:
      description: Variable names added.
      type: list
      elements: str
    removed:
      description: Variable names removed.
      type: list
      elements: str
    changed:
      description: Variable names whose value changed (names only).
      type: list
      elements: str
env_changed:
  description: True when an env file changed (what I(restart) and handlers key on).
  returned: when envseal ran
  type: bool
unit_changed:
  description: Always false for render (it writes no unit); present so that render and apply results read alike.
  returned: when envseal ran
  type: bool
restarted:
  description: The units of I(restart) that were restarted, in order.
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
    module = AnsibleModule(argument_spec=argument_spec('render'),
                           mutually_exclusive=MUTUALLY_EXCLUSIVE,
                           supports_check_mode=True)
    run(module, 'render')


if __name__ == '__main__':
    main()
