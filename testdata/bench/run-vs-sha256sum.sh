#!/usr/bin/env bash
# Compares `provenant run --materials TREE` over 10,000 files of 4 KiB with
# `find TREE -type f | xargs sha256sum` on this machine, warm cache, and
# prints both times and their ratio (provenant / sha256sum; <= 1 is the goal).
#
# Usage: testdata/bench/run-vs-sha256sum.sh [RUNS]
#   PROVENANT=path/to/provenant  use this binary (default: build one)
#   FILES=10000 SIZE=4096        the tree's shape
#
# provenant run needs a product to attest, so the wrapped command is
# `touch OUT/stamp` rather than `true`: the same fork and exec, one more
# file hashed.
set -euo pipefail

runs=${1:-10}
files=${FILES:-10000}
size=${SIZE:-4096}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/provenant-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [[ -z "${PROVENANT:-}" ]]; then
	(cd "$root" && GOTOOLCHAIN=local go build -trimpath -o "$work/provenant" ./cmd/provenant)
	PROVENANT="$work/provenant"
fi

# The tree: 100 files a directory, random content.
tree="$work/tree"
per_dir=100
dirs=$(((files + per_dir - 1) / per_dir))
for ((d = 0; d < dirs; d++)); do
	n=$((files - d * per_dir))
	((n > per_dir)) && n=$per_dir
	mkdir -p "$tree/d$d"
	head -c $((n * size)) /dev/urandom | (cd "$tree/d$d" && split -b "$size" -a 3 -d - f)
done
count=$(find "$tree" -type f | wc -l)
echo "tree: $count files of $size bytes in $dirs directories ($work)"

CI=true "$PROVENANT" keygen --out "$work/test-only" >/dev/null
out="$work/out"
mkdir -p "$out"

run_provenant() {
	rm -f "$work/b.intoto.jsonl"
	CI=true "$PROVENANT" run --key "$work/test-only.key" --bundle "$work/b.intoto.jsonl" --step bench \
		--materials "$tree" --products "$out" -- touch "$out/stamp" 2>/dev/null
}
run_sha256sum() {
	find "$tree" -type f | xargs sha256sum >/dev/null
}

# median_ms CMD: runs CMD once to warm up, then $runs times; prints the
# median wall time in milliseconds.
median_ms() {
	local -a t=()
	"$1"
	for ((i = 0; i < runs; i++)); do
		local s e
		s=$(date +%s%N)
		"$1"
		e=$(date +%s%N)
		t+=($(((e - s) / 1000)))
	done
	printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.1f\n", m / 1000}'
}

if command -v hyperfine >/dev/null; then
	hyperfine --warmup 1 --runs "$runs" --export-json "$work/h.json" \
		-n provenant "bash -c '$(declare -f run_provenant); tree=$tree out=$out work=$work PROVENANT=$PROVENANT run_provenant'" \
		-n sha256sum "find $tree -type f | xargs sha256sum >/dev/null"
	p=$(python3 -c "import json;r=json.load(open('$work/h.json'))['results'];print('%.1f'%(r[0]['median']*1000))")
	s=$(python3 -c "import json;r=json.load(open('$work/h.json'))['results'];print('%.1f'%(r[1]['median']*1000))")
else
	p=$(median_ms run_provenant)
	s=$(median_ms run_sha256sum)
fi
ratio=$(awk -v p="$p" -v s="$s" 'BEGIN { printf "%.2f", p / s }')
echo "provenant run --materials TREE: ${p} ms (median of $runs)"
echo "find TREE -type f | xargs sha256sum: ${s} ms (median of $runs)"
echo "ratio provenant/sha256sum: $ratio"
awk -v r="$ratio" 'BEGIN { exit !(r <= 1.0) }' || { echo "provenant is slower than sha256sum" >&2; exit 1; }
