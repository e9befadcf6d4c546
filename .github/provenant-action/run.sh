#!/usr/bin/env bash
# run.sh: the provenant action's main step (see action.yml and docs/ci.md).
#
# Every input arrives as an environment variable set in action.yml's env:
# block (INPUT_COMMAND, INPUT_ARTIFACTS, ...); nothing is spliced into the
# script text. Arguments for provenant are built in bash arrays, so a value
# is always one argument, never shell syntax.
#
# Secrets (INPUT_KEY, INPUT_KEY_PASSWORD) are masked before anything else is
# printed, written to 0600 files in a 0700 directory under RUNNER_TEMP,
# removed from the environment, and the directory is removed on exit.
#
# Features of provenant that may not exist at the action's ref (--policy,
# --format sarif|markdown, inspect, --vsa-out, --trusted-root, ...) are
# detected from provenant itself; a missing one is skipped with a ::notice::,
# never silently.
#
# Never add `set -x` here: it would print the key material.
set -euo pipefail
umask 077

if ((BASH_VERSINFO[0] < 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] < 4))); then
	echo "::error title=provenant::the provenant action needs bash 4.4 or later (this is $BASH_VERSION)"
	exit 2
fi

# --- secrets first: mask, then move out of the environment ---------------

# mask VALUE: registers every non-blank line of VALUE as a secret. printf and
# the pipe keep the value off argv and out of temporary files.
mask() {
	local line
	printf '%s\n' "$1" | while IFS= read -r line || [[ -n $line ]]; do
		line=${line%$'\r'}
		if [[ $line =~ [^[:space:]] ]]; then
			printf '::add-mask::%s\n' "$line"
		fi
	done
}

key_material=${INPUT_KEY:-}
key_password=${INPUT_KEY_PASSWORD:-}
unset INPUT_KEY INPUT_KEY_PASSWORD
if [[ -n $key_material ]]; then
	mask "$key_material"
	# A securesystemslib JSON key is one line; mask its private value alone
	# too, in case something prints just that field.
	if [[ $key_material == '{'* ]] && command -v jq >/dev/null; then
		priv=$(printf '%s' "$key_material" | jq -r '.keyval.private // empty' 2>/dev/null || true)
		if [[ -n $priv ]]; then
			mask "$priv"
		fi
		unset priv
	fi
fi
if [[ -n $key_password ]]; then
	mask "$key_password"
fi

: "${RUNNER_TEMP:?not running as an action step: RUNNER_TEMP is unset}"
: "${GITHUB_OUTPUT:?}" "${GITHUB_STEP_SUMMARY:?}"
PROVENANT=${PROVENANT_BIN:?the build step did not report provenant\'s path}

secrets_dir=$(mktemp -d "$RUNNER_TEMP/provenant-secrets.XXXXXX")
cleanup() {
	rm -rf -- "$secrets_dir"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

key_file=
if [[ -n $key_material ]]; then
	key_file=$secrets_dir/signing.key
	printf '%s\n' "$key_material" >"$key_file"
	chmod 600 "$key_file"
fi
unset key_material
if [[ -n $key_password ]]; then
	# Read by provenant when the key is encrypted (PKCS#8 ENCRYPTED PRIVATE KEY).
	export PROVENANT_KEY_PASSWORD=$key_password
fi
unset key_password

# Results that outlive this step (SARIF, JSON, the VSA default) go here.
out_dir=$(mktemp -d "$RUNNER_TEMP/provenant-out.XXXXXX")

# --- helpers ----------------------------------------------------------------

notice() { printf '::notice title=provenant::%s\n' "$(escape_data "$*")"; }
warning() { printf '::warning title=provenant::%s\n' "$(escape_data "$*")"; }
error() { printf '::error title=provenant::%s\n' "$(escape_data "$*")"; }

# escape_data: workflow command data escaping (%, CR, LF).
escape_data() {
	local s=$1
	s=${s//'%'/'%25'}
	s=${s//$'\r'/'%0D'}
	s=${s//$'\n'/'%0A'}
	printf '%s' "$s"
}

# set_output NAME VALUE: one-line outputs only (paths and verdicts).
set_output() {
	if [[ $2 == *$'\n'* || $2 == *$'\r'* ]]; then
		error "output $1 would span lines; refusing to write it"
		return 1
	fi
	printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
}

summary() { printf '%s\n' "$@" >>"$GITHUB_STEP_SUMMARY"; }

# lines VALUE: prints the non-blank lines of a multi-line input, trimmed.
lines() {
	local line
	printf '%s\n' "$1" | while IFS= read -r line || [[ -n $line ]]; do
		line=${line%$'\r'}
		line=${line#"${line%%[![:space:]]*}"}
		line=${line%"${line##*[![:space:]]}"}
		if [[ -n $line ]]; then
			printf '%s\n' "$line"
		fi
	done
}

# abspath PATH
abspath() {
	if [[ $1 == /* ]]; then printf '%s' "$1"; else printf '%s/%s' "$PWD" "$1"; fi
}

# Untrusted text (provenant's report quotes attestation contents) is printed
# with workflow commands switched off, so that a crafted builder id cannot
# emit ::set-output, ::add-mask or ::stop-commands lines of its own.
stop_token=provenant-$RANDOM$RANDOM$RANDOM$$
print_untrusted() {
	printf '::stop-commands::%s\n' "$stop_token"
	cat -- "$@"
	printf '::%s::\n' "$stop_token"
}

help_cache_dir=$(mktemp -d "$RUNNER_TEMP/provenant-help.XXXXXX")
# has_command NAME: provenant lists NAME among its commands.
has_command() {
	"$PROVENANT" --help 2>/dev/null |
		awk '/^Available Commands:/ { on = 1; next } /^$/ { on = 0 } on { print $1 }' |
		grep -qx -- "$1"
}
# help_file COMMAND: prints the path of a file holding `provenant COMMAND --help`.
help_file() {
	local f=$help_cache_dir/$1
	if [[ ! -f $f ]]; then
		"$PROVENANT" "$1" --help >"$f" 2>/dev/null || true
	fi
	printf '%s' "$f"
}
# has_flag COMMAND FLAG: `provenant COMMAND --help` documents --FLAG.
has_flag() {
	grep -Eq -- "^[[:space:]]+(-[[:alnum:]], )?--$2([[:space:]=]|\$)" "$(help_file "$1")"
}
# mentions COMMAND WORD: the help text of COMMAND mentions WORD at all.
mentions() {
	grep -q -- "$2" "$(help_file "$1")"
}

# expand_artifacts: INPUT_ARTIFACTS, one path or glob a line, into the array
# artifacts. Globs are expanded here (bash, with ** across directories); a
# glob that matches nothing is an error, never silently skipped.
artifacts=()
expand_artifacts() {
	local line matches
	shopt -s nullglob globstar
	while IFS= read -r line; do
		if [[ $line == *[*?[]* ]]; then
			# shellcheck disable=SC2206 # deliberate: the line is a glob
			matches=($line)
			if ((${#matches[@]} == 0)); then
				error "artifacts: $line matches nothing"
				exit 2
			fi
			artifacts+=("${matches[@]}")
		else
			artifacts+=("$line")
		fi
	done < <(lines "${INPUT_ARTIFACTS:-}")
	shopt -u nullglob globstar
}

# extra_args: INPUT_ARGS, one argument a line (not shell-parsed).
extra=()
while IFS= read -r line; do extra+=("$line"); done < <(lines "${INPUT_ARGS:-}")

# public_keys: INPUT_PUBLIC_KEY is PEM or JSON key material (any number of
# PEM blocks) or file paths, one a line.
pub_args=()
public_keys() {
	local v=${INPUT_PUBLIC_KEY:-} n=0 block=
	if [[ -z $v ]]; then
		return
	fi
	if [[ $v == *'-----BEGIN'* ]]; then
		local line
		while IFS= read -r line || [[ -n $line ]]; do
			line=${line%$'\r'}
			[[ -n $block || $line == '-----BEGIN'* ]] || continue
			block+=$line$'\n'
			if [[ $line == '-----END'* ]]; then
				n=$((n + 1))
				printf '%s' "$block" >"$out_dir/trusted-$n.pub"
				pub_args+=(--key "$out_dir/trusted-$n.pub")
				block=
			fi
		done < <(printf '%s\n' "$v")
	elif [[ $v == '{'* ]]; then
		printf '%s\n' "$v" >"$out_dir/trusted-1.pub"
		pub_args+=(--key "$out_dir/trusted-1.pub")
	else
		while IFS= read -r line; do pub_args+=(--key "$line"); done < <(lines "$v")
	fi
}

# optional COMMAND FLAG VALUE WHAT: appends --FLAG VALUE to args when VALUE is
# set and provenant knows the flag; otherwise says it was skipped.
optional() {
	if [[ -z $3 ]]; then
		return
	fi
	if has_flag "$1" "$2"; then
		args+=("--$2" "$3")
	else
		notice "provenant $1 at this ref has no --$2 yet; $4 skipped"
	fi
}

md_escape() { sed -e 's/[\\`*_|<>#[]/\\&/g' -e 's/]/\\]/g'; }

# JQ_MD defines md for jq: Markdown-escapes untrusted text for the summary
# (table cells included) and keeps it on one line.
# JQ_PROBLEMS defines problems for jq: why an artifact of the verify result is
# denied, one line each: the built-in checks' reasons, then the policy
# findings that deny (deny, violation, error; not waived by an exception);
# failing those, the warnings (which deny under fail-on: warn).
# shellcheck disable=SC2016 # jq's $p, not the shell's
JQ_PROBLEMS='def finding: "\((.title // .code // .package // .kind)): \(.msg)"; def problems: ((.reasons // []) + [(.findings // [])[] | select((.kind != "warn") and (.exception == null)) | finding]) as $p | if ($p | length) > 0 then $p else ([(.findings // [])[] | select(.exception == null) | finding] | if length == 0 then ["denied"] else . end) end;'
JQ_MD='def md: tostring | gsub("(?<c>[\\\\`*_{}\\[\\]<>|#])"; "\\\(.c)") | gsub("[\r\n]+"; " ");'


command=${INPUT_COMMAND:-}
bundle=${INPUT_BUNDLE:-}
fail_on=${INPUT_FAIL_ON:-deny}
case $fail_on in
deny | warn | never) ;;
*)
	error "fail-on must be deny, warn or never, not \"$fail_on\""
	exit 2
	;;
esac

if [[ -n ${INPUT_TRUSTED_ROOT:-} ]] && [[ $command == attest || $command == run ]]; then
	notice "trusted-root is for verify and inspect; ignored by $command"
fi
if [[ -n ${PROVENANT_KEY_PASSWORD:-} ]] && ! mentions "${command:-attest}" PROVENANT_KEY_PASSWORD && ! mentions keygen PROVENANT_KEY_PASSWORD; then
	notice "provenant at this ref does not document PROVENANT_KEY_PASSWORD; an encrypted key may be refused"
fi

# --- commands ---------------------------------------------------------------

cmd_attest() {
	local rc=0
	[[ -n $key_file ]] || { error "attest needs key (the private key, from a secret)"; exit 2; }
	[[ -n $bundle ]] || bundle=provenance.intoto.jsonl
	expand_artifacts
	args=(attest --format json --key "$key_file" --bundle "$bundle")
	[[ -z ${INPUT_BUILDER_ID:-} ]] || args+=(--builder-id "$INPUT_BUILDER_ID")
	[[ -z ${INPUT_SOURCE_URI:-} ]] || args+=(--source "$INPUT_SOURCE_URI")
	while IFS= read -r line; do args+=(--checksums "$line"); done < <(lines "${INPUT_CHECKSUMS:-}")
	args+=("${extra[@]}" -- "${artifacts[@]}")
	"$PROVENANT" "${args[@]}" >"$out_dir/attest.json" 2>"$out_dir/stderr" || rc=$?
	print_untrusted "$out_dir/attest.json" "$out_dir/stderr"
	if ((rc != 0)); then
		error "provenant attest failed (exit $rc): $(tail -n 1 "$out_dir/stderr")"
		summary "## provenant attest: failed" "" "\`provenant attest\` exited $rc." ""
		exit "$rc"
	fi
	set_output bundle-path "$(abspath "$bundle")"
	summary "## provenant attest: signed" ""
	summary "Bundle: \`$(printf '%s' "$bundle" | md_escape)\`" ""
	if command -v jq >/dev/null; then
		summary "| subject | sha256 |" "| --- | --- |"
		jq -r "$JQ_MD"' .subjects[] | "| \(.name | md) | `\(.digest.sha256)` |"' "$out_dir/attest.json" >>"$GITHUB_STEP_SUMMARY"
		summary ""
	fi
}

cmd_run() {
	local rc=0
	if ! has_command run; then
		error "provenant at this ref has no run command; use command: attest"
		exit 2
	fi
	[[ -n $key_file ]] || { error "run needs key (the private key, from a secret)"; exit 2; }
	[[ -n ${INPUT_STEP:-} ]] || { error "run needs step (the step name)"; exit 2; }
	[[ -n ${INPUT_BUILD_COMMAND:-} ]] || { error "run needs build-command (the command to wrap)"; exit 2; }
	[[ -n $bundle ]] || bundle=provenance.intoto.jsonl
	args=(run --format json --key "$key_file" --bundle "$bundle" --step "$INPUT_STEP")
	while IFS= read -r line; do args+=(--materials "$line"); done < <(lines "${INPUT_MATERIALS:-}")
	while IFS= read -r line; do args+=(--products "$line"); done < <(lines "${INPUT_PRODUCTS:-}")
	[[ -z ${INPUT_BUILDER_ID:-} ]] || args+=(--builder-id "$INPUT_BUILDER_ID")
	[[ -z ${INPUT_SOURCE_URI:-} ]] || args+=(--source "$INPUT_SOURCE_URI")
	# env -u: the wrapped build never sees the key's password (provenant
	# loads the key before it starts the command).
	args+=("${extra[@]}" -- env -u PROVENANT_KEY_PASSWORD bash -eo pipefail -c "$INPUT_BUILD_COMMAND")
	# The wrapped command's output is its own (build logs); provenant's JSON
	# report goes to stderr.
	"$PROVENANT" "${args[@]}" 2>"$out_dir/run.json" || rc=$?
	print_untrusted "$out_dir/run.json"
	if ((rc != 0)); then
		error "provenant run failed (exit $rc)"
		summary "## provenant run: failed" "" "Step \`$(printf '%s' "$INPUT_STEP" | md_escape)\` exited $rc; no attestation was written." ""
		exit "$rc"
	fi
	set_output bundle-path "$(abspath "$bundle")"
	summary "## provenant run: signed step \`$(printf '%s' "$INPUT_STEP" | md_escape)\`" "" "Bundle: \`$(printf '%s' "$bundle" | md_escape)\`" ""
}

cmd_verify() {
	local rc=0 verdict
	[[ -n $bundle ]] || { error "verify needs bundle"; exit 2; }
	public_keys
	if ((${#pub_args[@]} == 0)); then
		error "verify needs public-key (PEM material or file paths)"
		exit 2
	fi
	expand_artifacts
	args=(verify "${pub_args[@]}" --bundle "$bundle")
	[[ -z ${INPUT_BUILDER_ID:-} ]] || args+=(--builder-id "$INPUT_BUILDER_ID")
	[[ -z ${INPUT_SOURCE_URI:-} ]] || args+=(--source-uri "$INPUT_SOURCE_URI")
	if [[ -n ${INPUT_POLICY:-} ]]; then
		if has_flag verify policy; then
			while IFS= read -r line; do args+=(--policy "$line"); done < <(lines "$INPUT_POLICY")
		else
			notice "provenant verify at this ref has no --policy yet; policy skipped, only the built-in checks ran"
		fi
	fi
	optional verify policy-config "${INPUT_POLICY_CONFIG:-}" "policy-config"
	optional verify trusted-root "${INPUT_TRUSTED_ROOT:-}" "trusted-root (Sigstore)"
	if [[ $fail_on == warn ]]; then
		if has_flag verify fail-on; then
			args+=(--fail-on warn)
		else
			notice "provenant verify at this ref has no --fail-on yet; warnings do not fail"
		fi
	fi
	local vsa=
	if [[ -n $key_file ]]; then
		if has_flag verify vsa-out; then
			vsa=${INPUT_VSA:-provenant.vsa.intoto.jsonl}
			local verifier=${INPUT_VERIFIER_ID:-}
			if [[ -z $verifier ]]; then
				verifier=${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_WORKFLOW_REF:-${GITHUB_REPOSITORY:-unknown}}
			fi
			args+=(--vsa-out "$vsa" --vsa-key "$key_file" --verifier-id "$verifier")
		else
			notice "provenant verify at this ref has no --vsa-out yet; no VSA written"
		fi
	fi
	# common: everything after `verify`; the format is given first.
	local common=("${args[@]:1}" "${extra[@]}" -- "${artifacts[@]}")

	"$PROVENANT" verify --format json "${common[@]}" >"$out_dir/result.json" 2>"$out_dir/stderr" || rc=$?
	case $rc in
	0) verdict=allowed ;;
	*) verdict=denied ;;
	esac
	set_output verdict "$verdict"
	set_output bundle-path "$(abspath "$bundle")"
	if [[ -s $out_dir/result.json ]]; then
		set_output result-path "$out_dir/result.json"
	fi
	if [[ -n $vsa && $rc -eq 0 && -s $vsa ]]; then
		set_output vsa-path "$(abspath "$vsa")"
	fi

	# The human report, for the log.
	if command -v jq >/dev/null && [[ -s $out_dir/result.json ]]; then
		jq -r "$JQ_PROBLEMS"' .artifacts[]? | if .verified then "✓ \(.name): verified by \([.attestations[]? | "\(.file):\(.line)"] | join(", "))"
			else "✗ \(.name): \(problems | join("; "))" end' "$out_dir/result.json" >"$out_dir/report.txt" || true
		print_untrusted "$out_dir/report.txt" "$out_dir/stderr"
	else
		print_untrusted "$out_dir/result.json" "$out_dir/stderr"
	fi

	# SARIF, when provenant writes it (checked: the output must be SARIF).
	if mentions verify sarif; then
		local src=0
		"$PROVENANT" verify --format sarif "${common[@]}" >"$out_dir/results.sarif" 2>/dev/null || src=$?
		if ((src <= 1)) && is_sarif "$out_dir/results.sarif"; then
			set_output sarif-path "$out_dir/results.sarif"
		else
			notice "provenant verify at this ref did not write SARIF (exit $src); no sarif-path"
			rm -f -- "$out_dir/results.sarif"
		fi
	else
		notice "provenant verify at this ref has no SARIF output yet; no sarif-path"
	fi

	verify_summary "$verdict" "$rc" "${common[@]}"
	annotate "$rc"
	inspect_graph

	if ((rc == 2)); then
		error "provenant verify could not run (exit 2): $(tail -n 1 "$out_dir/stderr")"
		exit 2
	fi
	if ((rc != 0)); then
		if [[ $fail_on == never ]]; then
			warning "verification denied; fail-on: never, so the step passes"
			return 0
		fi
		exit "$rc"
	fi
}

is_sarif() {
	if command -v jq >/dev/null; then
		jq -e '(.version == "2.1.0") and (.runs | type == "array")' "$1" >/dev/null 2>&1
	else
		grep -q '"runs"' "$1" && grep -q '"2.1.0"' "$1"
	fi
}

# verify_summary VERDICT RC ARGS...: the job summary. provenant's own
# Markdown when it has one; otherwise rendered here from the JSON result.
verify_summary() {
	local verdict=$1 rc=$2 icon=✅
	shift 2
	[[ $verdict == allowed ]] || icon=❌
	if mentions verify markdown; then
		local mrc=0
		"$PROVENANT" verify --format markdown "$@" >"$out_dir/summary.md" 2>/dev/null || mrc=$?
		# Markdown, not the text report: a heading or a table.
		if ((mrc <= 1)) && grep -Eq '^(#|\|)' "$out_dir/summary.md" && fits_summary "$out_dir/summary.md"; then
			cat -- "$out_dir/summary.md" >>"$GITHUB_STEP_SUMMARY"
			summary ""
			return
		fi
	fi
	# The same heading as provenant's own Markdown.
	summary "## provenant verify: $icon $verdict" ""
	if ! command -v jq >/dev/null || [[ ! -s $out_dir/result.json ]] || ! jq -e . "$out_dir/result.json" >/dev/null 2>&1; then
		summary '```' "$(tail -n 20 "$out_dir/stderr" | md_escape)" '```' ""
		return
	fi
	jq -r --arg bundle "$bundle" --arg policy "${INPUT_POLICY:-}" "$JQ_MD$JQ_PROBLEMS"'
		"### Criteria", "",
		"| criterion | value |", "| --- | --- |",
		"| bundle | \($bundle | md) |",
		"| trusted keys | \(.criteria.keys | length) (threshold \(.criteria.threshold)) |",
		(if .criteria.builderId then "| builder id | \(.criteria.builderId | md) |" else empty end),
		(if .criteria.sourceUri then "| source | \(.criteria.sourceUri | md) |" else empty end),
		"| predicate types | \(.criteria.predicateTypes | map(md) | join(", ")) |",
		(if $policy != "" then "| policies | \($policy | split("\n") | map(select(. != "") | md) | join(", ")) |" else empty end),
		"",
		"### Artifacts", "",
		"| | artifact | sha256 | details |", "| --- | --- | --- | --- |",
		(.artifacts[] |
			"| \(if .verified then "✅" else "❌" end) | \(.name | md) | `\(.digests.sha256 // "" | .[0:16])…` | " +
			(if .verified then "verified by \([.attestations[]? | "\(.file):\(.line)" | md] | join(", "))"
			 else (problems | map(md) | join("<br>")) end) + " |"),
		"",
		([.artifacts[] | .name as $a | (.findings // [])[] | . + {artifact: $a}] as $f |
			if ($f | length) > 0 then
				"### Findings", "",
				"| kind | rule | artifact | message |", "| --- | --- | --- | --- |",
				($f[] | "| \(.kind | md) | \((.title // .code // .package // "") | md) | \(.artifact | md) | \(.msg | md) |"),
				""
			else empty end),
		([.envelopes[]? | select(.verified | not)] as $bad |
			if ($bad | length) > 0 then
				"### Envelopes that did not verify", "",
				($bad[] | "- \(.source.file | md):\(.source.line): \((.error // "not verified") | md)"),
				""
			else empty end)
	' "$out_dir/result.json" >>"$GITHUB_STEP_SUMMARY"
}

# annotate RC: one ::error per denied artifact (and ::warning per warn
# finding), built by jq with workflow-command escaping.
annotate() {
	if (($1 == 2)); then
		return # an input error, reported once by the caller
	fi
	if ! command -v jq >/dev/null || ! jq -e . "$out_dir/result.json" >/dev/null 2>&1; then
		if (($1 != 0)); then
			error "verification denied (exit $1); see the log"
		fi
		return
	fi
	jq -r "$JQ_PROBLEMS"'
		def data: tostring | gsub("%"; "%25") | gsub("\r"; "%0D") | gsub("\n"; "%0A");
		def prop: data | gsub(":"; "%3A") | gsub(","; "%2C");
		(.artifacts[] | select(.verified | not) |
			"::error title=\("provenant: denied " + .name | prop)::\(.name + ": " + (problems | join("; ")) | data)"),
		(.artifacts[] | .name as $a | (.findings // [])[] | select(.kind == "warn") |
			"::warning title=\("provenant: " + (.title // .code // "warning") | prop)::\($a + ": " + .msg | data)")
	' "$out_dir/result.json"
}

# fits_summary FILE: FILE leaves room in the job summary, which GitHub caps
# at 1 MiB per step.
fits_summary() {
	local size
	size=$(wc -c <"$1")
	((size < 512 * 1024))
}

# inspect_graph: appends inspect's Markdown (with its Mermaid graph) to the
# summary when provenant has inspect.
inspect_graph() {
	if ! has_command inspect; then
		notice "provenant at this ref has no inspect command yet; no provenance graph in the summary"
		return
	fi
	local iargs=(inspect --format markdown)
	if has_flag inspect key; then
		iargs+=("${pub_args[@]}")
	fi
	if "$PROVENANT" "${iargs[@]}" "$bundle" >"$out_dir/inspect.md" 2>"$out_dir/inspect.err"; then
		if ! fits_summary "$out_dir/inspect.md"; then
			notice "the bundle's inspect report is too large for the job summary; run provenant inspect to see it"
			return
		fi
		summary "<details><summary>Bundle: signers, subjects and the provenance graph</summary>" ""
		cat -- "$out_dir/inspect.md" >>"$GITHUB_STEP_SUMMARY"
		summary "" "</details>" ""
	else
		notice "provenant inspect failed; no provenance graph in the summary: $(tail -n 1 "$out_dir/inspect.err")"
	fi
}

cmd_inspect() {
	[[ -n $bundle ]] || { error "inspect needs bundle"; exit 2; }
	if ! has_command inspect; then
		error "provenant at this ref has no inspect command yet"
		exit 2
	fi
	public_keys
	local iargs=(inspect)
	if has_flag inspect key; then
		iargs+=("${pub_args[@]}")
	fi
	optional inspect trusted-root "${INPUT_TRUSTED_ROOT:-}" "trusted-root (Sigstore)"
	local rc=0
	"$PROVENANT" "${iargs[0]}" --format table "${iargs[@]:1}" "${extra[@]}" "$bundle" >"$out_dir/inspect.txt" 2>&1 || rc=$?
	print_untrusted "$out_dir/inspect.txt"
	set_output bundle-path "$(abspath "$bundle")"
	summary "## provenant inspect" ""
	if "$PROVENANT" "${iargs[0]}" --format markdown "${iargs[@]:1}" "${extra[@]}" "$bundle" >"$out_dir/inspect.md" 2>/dev/null; then
		cat -- "$out_dir/inspect.md" >>"$GITHUB_STEP_SUMMARY"
	fi
	if ((rc != 0)); then
		error "provenant inspect failed (exit $rc)"
		exit "$rc"
	fi
}

case $command in
attest) cmd_attest ;;
run) cmd_run ;;
verify) cmd_verify ;;
inspect) cmd_inspect ;;
*)
	error "command must be attest, run, verify or inspect, not \"$command\""
	exit 2
	;;
esac
