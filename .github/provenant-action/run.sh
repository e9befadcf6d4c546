#!/usr/bin/env bash
# run.sh: the action's main step, input plumbing only: provenant writes the
# step outputs, job summary and annotations itself (docs/ci.md). No set -x.
set -euo pipefail
umask 077
fail() { printf '::error title=provenant::%s\n' "$*"; exit 2; }
((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 404)) || fail "the provenant action needs bash 4.4 or later (this is $BASH_VERSION)"
lines() { local l; while IFS= read -r l || [[ -n $l ]]; do l=${l%$'\r'}; l=${l#"${l%%[![:space:]]*}"}; l=${l%"${l##*[![:space:]]}"}; [[ -z $l ]] || printf '%s\n' "$l"; done <<<"$1"; }
mask() { local l; while IFS= read -r l; do printf '::add-mask::%s\n' "$l"; done < <(lines "$1"); }
each() { local l; while IFS= read -r l; do args+=("$1" "$l"); done < <(lines "$2"); }
# Secrets leave the environment first: masked, saved to 0600 files, and this
# script (exec'd by the step, so no bash above it holds them) runs again
# without them, so that no /proc/PID/environ of ours shows them.
if [[ -n ${INPUT_KEY:-}${INPUT_KEY_PASSWORD:-} ]]; then
	mask "${INPUT_KEY:-}" && mask "${INPUT_KEY_PASSWORD:-}"
	s=$(mktemp -d "${RUNNER_TEMP:?}/provenant-secret.XXXXXX")
	printf '%s' "${INPUT_KEY:-}" >"$s/key" && printf '%s' "${INPUT_KEY_PASSWORD:-}" >"$s/pass"
	exec env -u INPUT_KEY -u INPUT_KEY_PASSWORD PROVENANT_ACTION_SECRETS="$s" bash "$0"
fi
s=${PROVENANT_ACTION_SECRETS:-} key='' pass='' pub=${INPUT_PUBLIC_KEY:-}
[[ -z $s ]] || { key=$(<"$s/key") && pass=$(<"$s/pass"); }
[[ $pub != *PRIVATE* && $pub != *'"private"'* ]] || { mask "$pub"; fail "public-key holds a private key: give it as key, from a secret"; }
: "${RUNNER_TEMP:?}" "${GITHUB_OUTPUT:?}" "${PROVENANT_BIN:?}"
cmd=${INPUT_COMMAND:-} bundle=$(lines "${INPUT_BUNDLE:-}") dir=$(mktemp -d "$RUNNER_TEMP/provenant.XXXXXX")
bundle=${bundle:-provenance.intoto.jsonl}
trap 'rm -rf -- "$s"' EXIT
[[ $bundle == /* ]] || bundle=$PWD/$bundle
[[ $bundle${INPUT_VSA:-} != *[[:cntrl:]]* ]] || fail "bundle and vsa are paths without control characters"
# Artifacts: a path or glob a line (** crosses directories), never word-split;
# a glob that matches nothing is an error.
arts=()
while IFS= read -r l; do
	[[ $l == *[*?[]* ]] || { arts+=("$l"); continue; }
	m=() && shopt -s nullglob globstar && IFS= eval 'm=($l)' && shopt -u nullglob
	((${#m[@]})) || fail "artifacts: $l matches nothing"
	arts+=("${m[@]}")
done < <(lines "${INPUT_ARTIFACTS:-}")
# args: one argument a line; nothing that changes what the command does.
extra=()
while IFS= read -r l; do
	[[ ! $l =~ ^(-h|--help|--version|--print-input|--format|--output|-o|--github-actions|--key|--keyless|--identity-token|--vsa-key)(=.*)?$ ]] || fail "args: $l is not allowed (use the action's inputs)"
	extra+=("$l")
done < <(lines "${INPUT_ARGS:-}")
# Public keys: file paths, or one key's material (PEM or JSON).
pubs=$pub
[[ $pub != *-----BEGIN* && $pub != '{'* ]] || { printf '%s\n' "$pub" >"$dir/trusted.pub" && pubs=$dir/trusted.pub; }
# Signing: the key from a secret as a 0600 file read only by this step's
# provenant; without one, keyless with the job's OIDC token.
sign=()
if [[ -n $key ]]; then
	sign=(--key "$s/key")
elif [[ $cmd == attest || $cmd == run ]]; then
	[[ -n ${ACTIONS_ID_TOKEN_REQUEST_URL:-} ]] || fail "$cmd without key signs keylessly: grant the job permissions: id-token: write (or give key from a secret)"
	sign=(--keyless)
	[[ -z ${INPUT_TRUSTED_ROOT:-} ]] || sign+=(--trusted-root "$INPUT_TRUSTED_ROOT")
fi
[[ -z $pass || -z $key || $cmd == run ]] || export PROVENANT_KEY_PASSWORD=$pass
unset key pass
pv() { "$PROVENANT_BIN" "$1" --github-actions always "${@:2}"; }
case $cmd in
attest)
	args=(attest "${sign[@]}" --bundle "$bundle")
	[[ -z ${INPUT_BUILDER_ID:-} ]] || args+=(--builder-id "$INPUT_BUILDER_ID")
	[[ -z ${INPUT_SOURCE_URI:-} ]] || args+=(--source "$INPUT_SOURCE_URI")
	[[ -z ${INPUT_PUSH_TO_REGISTRY:-} ]] || args+=(--image "$INPUT_PUSH_TO_REGISTRY")
	each --checksums "${INPUT_CHECKSUMS:-}"
	pv "${args[@]}" "${extra[@]}" -- "${arts[@]}"
	[[ -z ${INPUT_PUSH_TO_REGISTRY:-} ]] || "$PROVENANT_BIN" push --bundle "$bundle" "$INPUT_PUSH_TO_REGISTRY"
	;;
run)
	[[ ${sign[0]} == --keyless ]] || fail "run signs keylessly only: the build it wraps could read a key (sign with a key in command: attest after the build)"
	[[ -z ${INPUT_BUILDER_ID:-}${INPUT_SOURCE_URI:-} ]] || fail "run records this job's builder and source itself: builder-id and source-uri are for attest and verify"
	[[ -n ${INPUT_STEP:-} && -n ${INPUT_BUILD_COMMAND:-} ]] || fail "run needs step and build-command"
	args=(run "${sign[@]}" --bundle "$bundle" --step "$INPUT_STEP" --format json)
	each --materials "${INPUT_MATERIALS:-}"
	each --products "${INPUT_PRODUCTS:-}"
	pv "${args[@]}" "${extra[@]}" -- bash -eo pipefail -c "$INPUT_BUILD_COMMAND"
	;;
verify | inspect)
	args=("$cmd")
	each --key "$pubs"
	[[ -z ${INPUT_TRUSTED_ROOT:-} ]] || args+=(--trusted-root "$INPUT_TRUSTED_ROOT")
	[[ -z ${INPUT_CERTIFICATE_IDENTITY:-} ]] || args+=(--certificate-identity "$INPUT_CERTIFICATE_IDENTITY" --certificate-oidc-issuer "${INPUT_CERTIFICATE_OIDC_ISSUER:-https://token.actions.githubusercontent.com}")
	[[ $cmd == verify ]] || { pv "${args[@]}" "${extra[@]}" -- "$bundle"; exit; }
	for v in builder-id:INPUT_BUILDER_ID source-uri:INPUT_SOURCE_URI policy:INPUT_POLICY; do
		n=${v#*:} && printf -v "$n" '%s' "$(lines "${!n:-}")"
		[[ -n ${!n} ]] || fail "verify needs ${v%%:*} (none to skip that check): an empty value never disables a check"
	done
	args+=(--bundle "$bundle" --format json)
	[[ $INPUT_BUILDER_ID == none ]] || args+=(--builder-id "$INPUT_BUILDER_ID")
	[[ $INPUT_SOURCE_URI == none ]] || args+=(--source-uri "$INPUT_SOURCE_URI")
	[[ $INPUT_POLICY == none ]] || each --policy "$INPUT_POLICY"
	[[ -z ${INPUT_POLICY_CONFIG:-} ]] || args+=(--policy-config "$INPUT_POLICY_CONFIG")
	case ${INPUT_FAIL_ON:=deny} in deny | never) ;; warn) args+=(--fail-on warn) ;; *) fail "fail-on must be deny, warn or never" ;; esac
	vsa=${INPUT_VSA:-provenant.vsa.intoto.jsonl} && [[ $vsa == /* ]] || vsa=$PWD/$vsa
	((${#sign[@]} == 0)) || args+=(--vsa-out "$vsa" --vsa-key "${sign[1]}" --verifier-id "${INPUT_VERIFIER_ID:-$GITHUB_SERVER_URL/$GITHUB_WORKFLOW_REF}")
	rc=0 && pv "${args[@]}" "${extra[@]}" -- "${arts[@]}" >"$dir/result.json" || rc=$?
	printf 'result-path=%s\nbundle-path=%s\n' "$dir/result.json" "$bundle" >>"$GITHUB_OUTPUT"
	((rc || ${#sign[@]} == 0)) || echo "vsa-path=$vsa" >>"$GITHUB_OUTPUT"
	# The verdict is provenant's, from its report: exit 0 without it is an error.
	((rc)) || grep -qx 'verdict=allowed' "$GITHUB_OUTPUT" || fail "provenant verify exited 0 without an allowed verdict"
	((rc != 1)) || [[ $INPUT_FAIL_ON != never ]] || { echo "::warning title=provenant::denied; fail-on: never, so the step passes"; rc=0; }
	exit "$rc"
	;;
*) fail "command must be attest, run, verify or inspect" ;;
esac
echo "bundle-path=$bundle" >>"$GITHUB_OUTPUT"
