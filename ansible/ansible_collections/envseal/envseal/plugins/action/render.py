# -*- coding: utf-8 -*-
# The controller side of envseal.envseal.render and envseal.envseal.apply:
# - vault_password is refused unless the module is pipelined: without
#   pipelining Ansible writes the module and its arguments (the password
#   among them) into a file on the target before running it;
# - vault_src is read here, on the controller, as raw bytes (never through
#   Ansible's loader, which would decrypt a vault file) and sent on as the
#   module's vault_content.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

# As the module's bound (module_utils/envseal.py VAULT_CONTENT_MAX).
VAULT_SRC_MAX = 64 * 1024 * 1024
VAULT_MAGIC = b'$ANSIBLE_VAULT;'


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False
    _requires_connection = True
    MODULE = 'envseal.envseal.render'

    def _vault_content(self, args):
        src = args.pop('vault_src', None)
        if src is None:
            return
        if args.get('vault_content') is not None:
            raise AnsibleActionFail('vault_src and vault_content are '
                                    'mutually exclusive')
        path = self._find_needle('files', src)
        with open(path, 'rb') as f:
            data = f.read(VAULT_SRC_MAX + 1)
        if len(data) > VAULT_SRC_MAX:
            raise AnsibleActionFail('vault_src %s: larger than %d bytes'
                                    % (path, VAULT_SRC_MAX))
        # The module sends what it gets to the target: only ciphertext.
        # A YAML file of inline !vault values is ciphertext too.
        if not data.lstrip().startswith(VAULT_MAGIC) and \
                b'!vault' not in data:
            raise AnsibleActionFail('vault_src %s: not encrypted (no '
                                    '$ANSIBLE_VAULT header, no !vault '
                                    'value); it would be sent in clear'
                                    % path)
        args['vault_content'] = to_text(data, errors='surrogate_or_strict')

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        if args.get('vault_password') is not None and \
                not self._is_pipelining_enabled('new'):
            result.update(failed=True, changed=False, msg=(
                'vault_password needs pipelining (pipelining = true in '
                'ansible.cfg, ANSIBLE_PIPELINING=true or '
                'ansible_pipelining=true): without it Ansible writes the '
                'module arguments, the password among them, to a file on '
                'the target'))
            return result
        try:
            self._vault_content(args)
        except (AnsibleActionFail, IOError, OSError) as e:
            result.update(failed=True, changed=False, msg=to_text(e))
            return result
        result.update(self._execute_module(module_name=self.MODULE,
                                           module_args=args,
                                           task_vars=task_vars))
        return result
