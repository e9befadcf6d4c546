#!/usr/bin/env bash
# Runs a command (make test's go test) with PROVENANT_VECTOR_SKIPS naming a
# scratch file, in which every test skipped for want of the shared vectors
# (attesttest.SkipVectors) writes "TestName<TAB>why"; then prints one line
# that says how many were skipped and why. The command's exit status is
# kept.
set -u
log=$(mktemp)
trap 'rm -f "$log"' EXIT
PROVENANT_VECTOR_SKIPS=$log "$@"
rc=$?
if [ -s "$log" ]; then
	n=$(wc -l <"$log" | tr -d ' ')
	why=$(cut -f2 "$log" | sort -u | paste -sd ';' -)
	echo "make test: $n vector test(s) skipped: $why (the shared vectors are read from ../shared/vectors beside the checkout, never copied into it)"
fi
exit "$rc"
