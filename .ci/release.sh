#!/usr/bin/env bash
# release.sh: provenant's own release binaries (docs/ci.md, "Our own
# release"), reproducibly: -trimpath, no VCS stamp, an empty build id, cgo
# off, the version given, so that the same commit gives the same bytes on
# any machine.
#
#   release.sh build DIR VERSION   all platforms into DIR, with SHA256SUMS
#   release.sh check DIR           linux/amd64 twice (other directory, cold
#                                  build cache): the bytes must be equal
#   release.sh pin DIR VERSION     pins DIR/SHA256SUMS and the source digest
#                                  in .github/provenant-action/ for the action
set -euo pipefail
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly GOWORK=off
root=$(cd "$(dirname "$0")/.." && pwd)
platforms="linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"

# build SRC OUT GOOS GOARCH VERSION
build() {
	(cd "$1" && GOOS=$3 GOARCH=$4 go build -trimpath -buildvcs=false \
		-ldflags "-s -w -buildid= -X main.version=$5" -o "$2" ./cmd/provenant)
}
sums() { (cd "$1" && if command -v sha256sum >/dev/null; then sha256sum -- provenant-*; else shasum -a 256 -- provenant-*; fi) >"$1/SHA256SUMS"; }

case ${1:-} in
build)
	dir=$2 version=$3
	mkdir -p "$dir"
	for p in $platforms; do
		os=${p%/*} arch=${p#*/} ext=
		[[ $os != windows ]] || ext=.exe
		echo "building provenant-$os-$arch$ext ($version)"
		build "$root" "$(cd "$dir" && pwd)/provenant-$os-$arch$ext" "$os" "$arch" "$version"
	done
	sums "$dir"
	cat "$dir/SHA256SUMS"
	;;
check)
	dir=$(mkdir -p "$2" && cd "$2" && pwd)
	build "$root" "$dir/first" linux amd64 v0.0.0-repro
	other=$(mktemp -d)
	trap 'chmod -R u+w "$other"; rm -rf "$other"' EXIT
	mkdir "$other/src"
	(cd "$root" && git ls-files -co --exclude-standard -z | tar --null -cf - -T -) | tar -xf - -C "$other/src"
	GOCACHE=$other/cache build "$other/src" "$dir/second" linux amd64 v0.0.0-repro
	if cmp -s "$dir/first" "$dir/second"; then
		echo "reproducible: two builds of linux/amd64 have the same bytes ($(sha256sum "$dir/first" | cut -c1-64))"
	else
		echo "NOT reproducible: $dir/first and $dir/second differ" >&2
		exit 1
	fi
	;;
pin)
	dir=$2 version=$3 pin=$root/.github/provenant-action
	[[ $version =~ ^v[0-9]+\.[0-9]+\.[0-9]+([.+-][0-9A-Za-z.+-]*)?$ ]] || { echo "release.sh pin: $version is not a release version" >&2; exit 2; }
	grep -E '^[0-9a-f]{64}  provenant-[a-z0-9]+-[a-z0-9]+(\.exe)?$' "$dir/SHA256SUMS" >"$pin/checksums.txt"
	printf 'version %s\nsource %s\n' "$version" "$(bash "$pin/install.sh" --source-digest "$root")" >"$pin/release.txt"
	echo "pinned $version: $(wc -l <"$pin/checksums.txt") binaries"
	;;
*)
	echo "usage: release.sh build DIR VERSION | check DIR | pin DIR VERSION" >&2
	exit 2
	;;
esac
