#!/usr/bin/env bash
# The VSA-cache benchmark of issue 20: the release gate (N artifacts x N
# Ed25519 envelopes, builtin:slsa) through `verify --vsa-cache`, cold
# (every artifact verified fully, a VSA written for each) and warm (every
# artifact a hit), with the same gate without a cache as the baseline, all
# three in the same run and interleaved (rotating order), so that load
# from other processes falls on all alike. Prints the medians of wall time
# and of CPU time (user + system), the target (warm <= 200 ms wall) and
# PASS or FAIL; exits 1 when the target is missed (not with QUICK=1).
#
# Usage: testdata/bench/vsa-cache.sh
#   QUICK=1        100 artifacts instead of 1,000 (indicative only)
#   RUNS=N         timed runs per side (default 10)
#   BENCH_DIR=DIR  where the temporary inputs go (default $TMPDIR or /tmp)
#   PROVENANT=FILE use this binary instead of building one (release flags)
#   POLICY=loop    the issue's costly policy (every artifact loops over all
#                  the attestations, checking the builder id) instead of
#                  builtin:slsa
#
# Needs: go, awk, GNU time (/usr/bin/time).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
n=1000
[[ ${QUICK:-0} == 1 ]] && n=100
runs=${RUNS:-10}
base=${BENCH_DIR:-${TMPDIR:-/tmp}}
mkdir -p "$base"
work=$(mktemp -d "$base/provenant-vsa-cache-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
log() { printf '%s\n' "$*" >&2; }

if [[ -z "${PROVENANT:-}" ]]; then
	log "building provenant (release flags)"
	(cd "$root" && GOTOOLCHAIN=local go build -trimpath -ldflags '-s -w' -o "$work/provenant" ./cmd/provenant)
	PROVENANT="$work/provenant"
fi
P=$PROVENANT
cd "$work"
CI=true "$P" keygen --type ed25519 --out k >/dev/null
CI=true "$P" keygen --type ed25519 --out gate >/dev/null
log "inputs in $work: $n artifacts of 4 KiB, a bundle of $n envelopes"
(cd "$root" && GOTOOLCHAIN=local go run testdata/bench/gengate.go -key "$work/k.key" -dir "$work/gate" -n "$n" -size 4096)
arts=(gate/art/*)
policy=builtin:slsa
if [[ ${POLICY:-} == loop ]]; then
	policy=loop.rego
	cat >loop.rego <<'REGO'
package gate

deny contains msg if {
	some att in input.attestations
	att.statement.predicate.runDetails.builder.id != "https://ci.example.com/builders/release@v1"
	msg := sprintf("%s: built by %v", [att.id, att.statement.predicate.runDetails.builder.id])
}
REGO
fi
gate=("$P" verify --bundle gate/gate.intoto.jsonl --key k.pub --policy "$policy" --source-uri github.com/example/app)
cache=(--verifier-id https://ci.example.com/gate)

nocache() { "${gate[@]}" "${arts[@]}"; }
cold() { rm -rf cold && "${gate[@]}" "${cache[@]}" --vsa-cache cold --vsa-key gate.key "${arts[@]}"; }
warm() { "${gate[@]}" "${cache[@]}" --vsa-cache warm --vsa-cache-key gate.pub "${arts[@]}"; }

# Fill the warm cache once, and check that it is all hits.
"${gate[@]}" "${cache[@]}" --vsa-cache warm --vsa-key gate.key "${arts[@]}" >/dev/null 2>&1
warm >/dev/null 2>hits.txt
grep -q "VSA cache warm: $n hit(s), 0 miss(es)" hits.txt || { cat hits.txt >&2; exit 2; }

# sample FN: runs FN once; appends "wall_ms cpu_ms" to FN.times.
sample() {
	local s e
	s=$EPOCHREALTIME
	/usr/bin/time -f '%U %S' -o "$1.cpu" bash -c "$(declare -f "$1"); $(declare -p gate cache arts P); $1" >/dev/null 2>"$1.err" || { cat "$1.err" >&2; exit 2; }
	e=$EPOCHREALTIME
	awk -v s="$s" -v e="$e" 'NR == 1 { printf "%.1f %.1f\n", (e - s) * 1000, ($1 + $2) * 1000 }' "$1.cpu" >>"$1.times"
}
median() { sort -g | awk '{ a[NR] = $1 } END { printf "%.1f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

order=(nocache cold warm)
for f in "${order[@]}"; do sample "$f"; : >"$f.times"; done # one warm-up each
for ((i = 0; i < runs; i++)); do
	for ((j = 0; j < 3; j++)); do sample "${order[(i + j) % 3]}"; done
done

load=$(cut -d' ' -f1-3 /proc/loadavg)
printf '%-40s %12s %12s\n' "gate: $n x $n, $policy" "wall (ms)" "CPU (ms)"
for f in "${order[@]}"; do
	printf '%-40s %12s %12s\n' "$f" "$(cut -d' ' -f1 "$f.times" | median)" "$(cut -d' ' -f2 "$f.times" | median)"
done
w=$(cut -d' ' -f1 warm.times | median)
verdict=PASS
awk -v w="$w" 'BEGIN { exit !(w <= 200) }' || verdict=FAIL
printf 'warm <= 200 ms wall: %s (medians of %d runs; load average %s)\n' "$verdict" "$runs" "$load"
[[ $verdict == PASS || ${QUICK:-0} == 1 ]]
