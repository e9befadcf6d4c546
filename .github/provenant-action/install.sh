#!/usr/bin/env bash
# install.sh: installs provenant for the action: the released binary for
# this runner when the action's ref is the release pinned in release.txt
# (same source digest), verified against the SHA-256 in checksums.txt;
# otherwise it asks for a build from source (output build=true). A binary
# whose digest differs is refused, never run and never a reason to fall
# back. `install.sh --source-digest DIR` prints the source digest of DIR.
set -euo pipefail
umask 077
here=$(cd "$(dirname "$0")" && pwd)

# source_digest DIR: SHA-256 over go.mod, go.sum and every .go file.
source_digest() {
	(cd "$1" && find . -path ./.git -prune -o -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print0 |
		LC_ALL=C sort -z | xargs -0 "${sum[@]}" | sha)
}
sum=(sha256sum) && command -v sha256sum >/dev/null || sum=(shasum -a 256)
sha() { "${sum[@]}" | cut -c1-64; }
if [[ ${1:-} == --source-digest ]]; then source_digest "$2"; exit; fi

: "${GITHUB_ACTION_PATH:?not running as an action step}" "${RUNNER_TEMP:?}" "${GITHUB_OUTPUT:?}"
build() { echo "provenant: $1; building from source"; echo build=true >>"$GITHUB_OUTPUT"; exit 0; }
case ${RUNNER_OS:-}/${RUNNER_ARCH:-} in
Linux/X64) plat=linux-amd64 ;; Linux/ARM64) plat=linux-arm64 ;;
macOS/X64) plat=darwin-amd64 ;; macOS/ARM64) plat=darwin-arm64 ;;
Windows/X64) plat=windows-amd64.exe ;; Windows/ARM64) plat=windows-arm64.exe ;;
*) build "no release binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}" ;;
esac
[[ -f $here/release.txt && -f $here/checksums.txt ]] || build "no release is pinned at this ref"
version=$(sed -n 's/^version //p' "$here/release.txt")
pinned_src=$(sed -n 's/^source //p' "$here/release.txt")
want=$(awk -v f="provenant-$plat" '$2 == f { print $1 }' "$here/checksums.txt")
[[ $version =~ ^v[0-9A-Za-z.+-]+$ && $want =~ ^[0-9a-f]{64}$ ]] || build "no pinned digest for provenant-$plat"
[[ $(source_digest "$GITHUB_ACTION_PATH") == "$pinned_src" ]] || build "this ref is not release $version"

base=${PROVENANT_RELEASE_URL:-https://github.com/provenant/provenant/releases/download}
dir=$(mktemp -d "$RUNNER_TEMP/provenant-bin.XXXXXX")
bin=$dir/provenant && [[ $plat != *.exe ]] || bin+=.exe
if ! curl -fsSL --retry 3 --proto '=https,file' -o "$dir/download" "$base/$version/provenant-$plat"; then
	build "release $version has no provenant-$plat to download"
fi
got=$(sha <"$dir/download")
if [[ $got != "$want" ]]; then
	rm -f -- "$dir/download"
	echo "::error title=provenant install::provenant-$plat of $version has SHA-256 $got, but this action pins $want: refused"
	exit 2
fi
mv -- "$dir/download" "$bin" && chmod 755 "$bin"
"$bin" version
echo "path=$bin" >>"$GITHUB_OUTPUT"
