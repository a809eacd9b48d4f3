# -*- coding: utf-8 -*-
# The options render and apply share: where envseal and its inputs are,
# the key sources, check and diff mode, the restart.
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r'''
options:
  policy:
    description:
      - Path on the target of the envseal policy (policy v1, see C(envseal policy show)).
      - envseal reads it only when it is owned by root (or the caller), not group- or
        world-writable, in directories no one else can write (envseal's trusted-input
        rule); install it root-owned C(0600).
      - Omitted, envseal uses its embedded default policy (the backend_api role's defaults).
    type: path
  policy_content:
    description:
      - The policy text that the file I(policy) holds, or will hold once the task that
        installs it has run (the role passes its template, rendered).
      - Used in check mode only, and only when I(policy) does not hold it yet (a new host, a
        changed template); envseal then reads it from a private temporary file (C(0600) in a
        root-only directory, removed afterwards), so C(--check) works on a host that has
        never been set up. Outside check mode the installed I(policy) is what envseal reads.
    type: str
  root:
    description:
      - The root directory envseal writes under (C(envseal --root)); every path of the
        policy is taken relative to it. C(/) on a real host; a scratch root in tests.
    type: path
    default: /
  vault:
    description:
      - Path on the target of the vault to render, instead of the policy's C(vault) path
        (C(envseal --vault)). With I(vault_content), the path that content is installed at.
    type: path
  vault_src:
    description:
      - Path on the B(controller) of the encrypted vault file. The action plugin reads its
        bytes as they are (it does not decrypt it, unlike C(lookup('file'))), refuses a file
        that holds no encrypted content, and passes them on as I(vault_content).
    type: path
  vault_content:
    description:
      - The encrypted vault (ciphertext) that the file I(vault) holds, or will hold once the
        task that copies it there has run. Normally set by the action plugin from I(vault_src).
      - Outside check mode I(vault) must hold it already (else the task fails, nothing run).
      - In check mode, when I(vault) does not hold it yet, envseal reads it in place of that
        file through a bind mount in a private mount namespace (C(unshare)), from a private
        temporary file that is removed afterwards. So C(--check --diff) shows what a vault
        change will do before the copy is made, and nothing on the target changes.
    type: str
  vault_password:
    description:
      - The vault password. Handed to envseal on its standard input
        (C(--vault-password-file -), or C(--vault-id LABEL@-) with I(vault_password_id));
        never written to the target's disk, never in argv or the environment.
      - Because Ansible otherwise copies a module's arguments into a file on the target,
        the action plugin refuses this option unless pipelining is on for the connection
        (C(pipelining = true) in C(ansible.cfg), C(ANSIBLE_PIPELINING=true) or the host
        variable C(ansible_pipelining=true)); C(ansible_connection=local) needs it too.
    type: str
  vault_password_id:
    description:
      - The vault-id label of I(vault_password) (for vaults encrypted with
        C(--vault-id LABEL@...)). Omitted, the password has the label C(default).
    type: str
  vault_password_file:
    description:
      - Password files or scripts on the target (C(envseal --vault-password-file)), in order.
        They must pass envseal's trusted-input rule.
    type: list
    elements: path
    default: []
  vault_ids:
    description:
      - C([LABEL@]SOURCE) key sources on the target (C(envseal --vault-id)), in order.
    type: list
    elements: str
    default: []
  restart:
    description:
      - Units to restart when an env file changed (and, for M(envseal.envseal.apply), when
        the unit changed), I(restart_command) followed by the unit name, once per unit, in
        order, after envseal succeeded. Never in check mode.
    type: list
    elements: str
    default: []
  restart_command:
    description:
      - The command a restart runs, the unit name appended. C(try-restart) leaves a unit
        that is not running stopped. Tests substitute a stand-in that records itself.
    type: list
    elements: str
    default: [systemctl, try-restart]
  envseal_bin:
    description:
      - The envseal binary on the target (a name looked up in C(PATH), or a path).
    type: str
    default: envseal
notes:
  - Check mode runs C(envseal --check) (plans and reports, writes nothing; C(changed) is what
    a real run would do). Diff mode runs C(envseal --diff) and returns Ansible's C(diff), for
    each env file the variable B(names) added, removed or changed (values are never shown),
    and for the unit and the passwd family envseal's own unified diff (password fields masked).
  - On failure the task fails with envseal's one-line message in C(msg) and its exit status in
    C(rc) (1 runtime, 2 usage or policy, 3 integrity such as a wrong password, 4 sandbox
    violation, 70 internal error, a bug in envseal), never a traceback, never a value.
  - C(changed) is envseal's, true only when a file was created, replaced or repaired.
requirements:
  - envseal on the target (C(envseal --version)); Linux.
'''
