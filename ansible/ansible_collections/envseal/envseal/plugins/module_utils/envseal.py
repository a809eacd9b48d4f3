# -*- coding: utf-8 -*-
# Shared by envseal.envseal.render and envseal.envseal.apply: build the
# envseal command line, hand the password over stdin, turn envseal's JSON
# report into the module's result and Ansible's diff, restart the units.
#
# What must hold: the password goes to envseal's stdin only (never argv,
# environment or a file); a failure returns envseal's one-line message and
# exit status, never a traceback; nothing here prints a value (envseal's
# report carries names only).
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import tempfile

# The longest vault the modules pass on (envseal's own bound is
# ES_VAULT_MAX; this one keeps a stray file from filling the target's tmp).
VAULT_CONTENT_MAX = 64 * 1024 * 1024

# Actions in envseal's report that changed something on the target.
CHANGED_ACTIONS = ('created', 'replaced', 'metadata')


def argument_spec(command):
    spec = dict(
        policy=dict(type='path'),
        policy_content=dict(type='str'),
        root=dict(type='path', default='/'),
        vault=dict(type='path'),
        vault_src=dict(type='path'),
        vault_content=dict(type='str', no_log=True),
        vault_password=dict(type='str', no_log=True),
        vault_password_id=dict(type='str'),
        vault_password_file=dict(type='list', elements='path', default=[],
                                 no_log=False),
        vault_ids=dict(type='list', elements='str', default=[]),
        restart=dict(type='list', elements='str', default=[]),
        restart_command=dict(type='list', elements='str',
                             default=['systemctl', 'try-restart']),
        envseal_bin=dict(type='str', default='envseal'),
    )
    if command == 'apply':
        spec['reload'] = dict(type='bool', default=False)
    return spec


MUTUALLY_EXCLUSIVE = []


def _find_bin(module, name):
    if os.sep in name:
        return name
    path = module.get_bin_path(name)
    if path is None:
        module.fail_json(msg='envseal: %s not found in PATH on the target '
                         '(install envseal or set envseal_bin)' % name,
                         rc=127, changed=False)
    return path


def command_line(module, command, policy_path, vault_path):
    p = module.params
    argv = [_find_bin(module, p['envseal_bin']), command, '--json',
            '--no-prompt', '--root', p['root']]
    if policy_path:
        argv += ['--policy', policy_path]
    if vault_path:
        argv += ['--vault', vault_path]
    for f in p['vault_password_file']:
        argv += ['--vault-password-file', f]
    for i in p['vault_ids']:
        argv += ['--vault-id', i]
    if p['vault_password'] is not None:
        # "-": envseal reads the password from its stdin (once, bounded,
        # stripped as a password file is).
        if p['vault_password_id']:
            argv += ['--vault-id', p['vault_password_id'] + '@-']
        else:
            argv += ['--vault-password-file', '-']
    if module.check_mode:
        argv.append('--check')
    if module._diff:
        argv.append('--diff')
    if p.get('reload'):
        argv.append('--reload')
    return argv


def _env_diff(item):
    """Ansible's before/after for one env file: names only. A changed
    value shows as NAME=<old value> / NAME=<new value>, never the value."""
    before = sorted([n + '=<old value>' for n in item.get('changed', [])] +
                    [n for n in item.get('removed', [])])
    after = sorted([n + '=<new value>' for n in item.get('changed', [])] +
                   [n for n in item.get('added', [])])
    path = item.get('path', '?')
    return dict(before_header=path, after_header=path,
                before='\n'.join(before) + ('\n' if before else ''),
                after='\n'.join(after) + ('\n' if after else ''))


def diff_of(report):
    out = []
    for item in report.get('files', []):
        if item.get('kind') == 'env':
            if item.get('added') or item.get('removed') or \
                    item.get('changed'):
                out.append(_env_diff(item))
        elif item.get('diff'):
            # envseal's unified diff, password fields already masked.
            out.append(dict(prepared=item['diff']))
    return out


def _changed_kind(report, kinds):
    return any(i.get('kind') in kinds and i.get('action') in CHANGED_ACTIONS
               for i in report.get('files', []))


def _write_vault(module, content):
    """The ciphertext into a private temporary file for this run; the
    directory it is in (root-only 0700) is returned for removal."""
    d = tempfile.mkdtemp(prefix='envseal-vault.')
    path = os.path.join(d, 'vault.yml')
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                 0o600)
    with os.fdopen(fd, 'wb') as f:
        f.write(content)
    return d, path


def _read_current(path):
    try:
        with open(path, 'rb') as f:
            return f.read(VAULT_CONTENT_MAX + 1)
    except (IOError, OSError):
        return None


def vault_plan(module):
    """What envseal reads as the vault: (path for --vault, temporary
    directory to remove, bind mount (source, target) or None).

    vault_content is what the file `vault` holds once the task that
    installs it has run. Outside check mode it must hold it already. In
    check mode, when it does not yet, envseal reads the new content in
    place of the file through a bind mount in a private mount namespace
    (the env file's header names the vault path, so a temporary path would
    be a change of its own); nothing on the target changes."""
    p = module.params
    content = p['vault_content']
    if content is None:
        return p['vault'], None, None
    content = content.encode('utf-8', 'surrogateescape')
    if len(content) > VAULT_CONTENT_MAX:
        module.fail_json(msg='envseal: vault_content longer than %d bytes'
                         % VAULT_CONTENT_MAX, rc=2, changed=False)
    if not p['vault']:
        module.fail_json(msg='envseal: vault_content needs vault (the path '
                         'on the target it is installed at)', rc=2,
                         changed=False)
    current = _read_current(p['vault'])
    if current == content:
        return p['vault'], None, None
    if not module.check_mode:
        module.fail_json(msg='envseal: %s does not hold the vault given '
                         '(vault_src or vault_content): install it before '
                         'this task' % p['vault'], rc=2, changed=False)
    tmpdir, tmp = _write_vault(module, content)
    if current is None:
        # Nothing to mount over; no env file rendered from it exists.
        return tmp, tmpdir, None
    return p['vault'], tmpdir, (tmp, p['vault'])


def policy_plan(module):
    """The policy envseal reads: (path, temporary directory to remove).

    policy_content is what the file `policy` holds once the task that
    installs it has run. Only check mode uses it, and only when the file
    does not hold it yet (a new host, a changed template): then envseal
    reads it from a private temporary file (root-only, 0600, which passes
    envseal's trusted-input rule). Outside check mode the installed file is
    what envseal reads."""
    p = module.params
    content = p['policy_content']
    if content is None or not module.check_mode:
        return p['policy'], None
    content = content.encode('utf-8', 'surrogateescape')
    if p['policy'] and _read_current(p['policy']) == content:
        return p['policy'], None
    d = tempfile.mkdtemp(prefix='envseal-policy.')
    path = os.path.join(d, 'policy.yml')
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                 0o600)
    with os.fdopen(fd, 'wb') as f:
        f.write(content)
    return path, d


def in_namespace(module, argv, mount):
    """argv run with mount[0] bound over mount[1], in a mount namespace
    of its own (gone when envseal exits)."""
    unshare = module.get_bin_path('unshare', required=True)
    return [unshare, '--mount', '--propagation', 'private', '--', 'sh',
            '-c', 'mount --bind -- "$1" "$2" && shift 2 && exec "$@"',
            'sh', mount[0], mount[1]] + argv


def _restart(module, result, units):
    done = []
    for unit in units:
        argv = list(module.params['restart_command']) + [unit]
        rc, out, err = module.run_command(argv)
        if rc != 0:
            line = (err or out or '').strip().splitlines()
            result.update(failed=True, rc=rc, restarted=done,
                          msg='restart of %s failed (%s): %s' %
                          (unit, ' '.join(argv), line[0] if line else
                           'exit status %d' % rc))
            module.fail_json(**result)
        done.append(unit)
    return done


def run(module, command):
    p = module.params
    tmpdir = ptmpdir = None
    try:
        policy_path, ptmpdir = policy_plan(module)
        vault_path, tmpdir, mount = vault_plan(module)
        argv = command_line(module, command, policy_path, vault_path)
        if mount is not None:
            argv = in_namespace(module, argv, mount)
        rc, out, err = module.run_command(
            argv, data=p['vault_password'], binary_data=True,
            # envseal's messages are the module's: not translated.
            environ_update=dict(LC_ALL='C'))
    finally:
        for d in (tmpdir, ptmpdir):
            if d is not None:
                shutil.rmtree(d, ignore_errors=True)

    err_lines = [line for line in (err or '').splitlines() if line]
    try:
        report = json.loads(out)
        if not isinstance(report, dict):
            raise ValueError('not an object')
    except ValueError:
        module.fail_json(
            msg=(err_lines[0] if err_lines else
                 'envseal %s printed no JSON report (exit status %d)' %
                 (command, rc)),
            rc=rc, changed=False, stderr_lines=err_lines)

    result = dict(report)
    result['rc'] = rc
    result['changed'] = bool(report.get('changed'))
    result['stderr_lines'] = err_lines
    result['env_changed'] = _changed_kind(report, ('env',))
    result['unit_changed'] = _changed_kind(report, ('unit',))
    result['restarted'] = []
    if module._diff:
        result['diff'] = diff_of(report)
    if rc != 0 or report.get('failed'):
        result['failed'] = True
        result['msg'] = report.get('msg') or (
            err_lines[0] if err_lines else 'envseal %s failed' % command)
        module.fail_json(**result)
    want = result['env_changed'] or (command == 'apply' and
                                     result['unit_changed'])
    if want and p['restart'] and not module.check_mode:
        result['restarted'] = _restart(module, result, p['restart'])
    module.exit_json(**result)
