#!/bin/sh
# bench/run.sh — `make bench`: every benchmark, one after the other. Each
# compares against the peer tool (or the bare syscall loop) in the same
# run and prints medians and ratios; the machine is shared and noisy, so
# read ratios, not absolute times. Needs root (scratch roots with chown).
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
make --no-print-directory tests >/dev/null
echo "== bench/fs.sh: es_write_file vs a bare open/write/fsync/rename loop"
sh bench/fs.sh
echo "== bench/vault.sh: envseal vault decrypt vs ansible-vault decrypt"
sh bench/vault.sh
echo "== bench/render.sh: envseal render as a ratio to bench/limit (the physical limit)"
bash bench/render.sh
echo "== bench/render_phases.sh: one render worker's job, phase by phase"
bash bench/render_phases.sh
echo "== bench/rotate.sh: envseal rotate vs ansible-vault rekey, 100 vaults of 100 keys"
sh bench/rotate.sh
echo "== bench/apply.sh: unchanged envseal apply vs ansible-playbook"
bash bench/apply.sh
