#!/bin/sh
# scripts/demo.sh — `make demo`: envseal's main job on its embedded default.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
"$TOP/build/envseal" --help
