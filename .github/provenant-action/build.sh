#!/usr/bin/env bash
# build.sh: builds provenant from the action's own source (the checkout of
# the action at the ref the workflow named), so that what runs is what was
# reviewed. Prints the binary's path as the step output "path".
#
# Environment: GITHUB_ACTION_PATH, RUNNER_TEMP, GITHUB_OUTPUT (set by the
# runner), PROVENANT_ACTION_REF (github.action_ref, empty for a local action).
set -euo pipefail

: "${GITHUB_ACTION_PATH:?not running as an action step}"
: "${RUNNER_TEMP:?}" "${GITHUB_OUTPUT:?}"

ref=${PROVENANT_ACTION_REF:-}
# The ref only labels the binary (provenant version); refuse anything that is
# not a plain ref name rather than pass it to the linker.
if [[ ! $ref =~ ^[A-Za-z0-9._/+-]+$ ]]; then
	ref=devel
fi

# Build exactly the checked-out module, whatever the calling job's Go
# settings: no workspace file, no vendoring flags, go.sum as committed.
# (cgo stays as the runner has it: PKCS#11 support needs it.)
export GOWORK=off GOFLAGS=-mod=readonly

out=$(mktemp -d "$RUNNER_TEMP/provenant-bin.XXXXXX")
cd "$GITHUB_ACTION_PATH"
go version
go build -trimpath -ldflags "-s -w -X main.version=$ref" -o "$out/provenant" ./cmd/provenant
"$out/provenant" version
printf 'path=%s\n' "$out/provenant" >>"$GITHUB_OUTPUT"
