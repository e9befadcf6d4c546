#!/usr/bin/env bash
# action-test.sh: runs the provenant action (action.yml) with a simulated
# GitHub Actions runner and checks its outputs, job summary, annotations and
# secret handling; see simrunner/main.go. Arguments go to the simulator
# (-run REGEXP, -v, -keep).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$here/simrunner"
exec go run . -repo "$repo" "$@"
