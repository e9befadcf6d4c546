#!/usr/bin/env bash
# build.sh: builds provenant from the action's own source when no pinned
# release fits (install.sh said build=true), in an environment of its own:
# nothing of the calling job's Go settings (GOFLAGS, GOENV, GOPROXY,
# GOPRIVATE, CC, a go earlier on PATH) and no restored cache reaches it. The
# Go toolchain is the one actions/setup-go put in RUNNER_TOOL_CACHE (the
# step before, without its cache); the job's module download cache is read
# only as a proxy, each module checked against go.sum.
set -euo pipefail
: "${GITHUB_ACTION_PATH:?}" "${RUNNER_TEMP:?}" "${GITHUB_OUTPUT:?}"
want=$(sed -n 's/^go \([0-9]*\.[0-9]*\).*/\1/p' "$GITHUB_ACTION_PATH/go.mod")
goroot=
for d in "${RUNNER_TOOL_CACHE:-/nonexistent}/go/$want"*/*/; do [[ -x $d/bin/go ]] && goroot=${d%/}; done
[[ -n $goroot ]] || { echo "::error title=provenant build::no Go $want in RUNNER_TOOL_CACHE (actions/setup-go)"; exit 2; }
proxy=https://proxy.golang.org
cache=${GOMODCACHE:-${HOME:-/nonexistent}/go/pkg/mod}
[[ -d $cache/cache/download ]] && proxy="file://$cache/cache/download,$proxy"
out=$(mktemp -d "$RUNNER_TEMP/provenant-bin.XXXXXX")
cd "$GITHUB_ACTION_PATH"
env -i PATH="$goroot/bin:/usr/bin:/bin" HOME="$out" GOTOOLCHAIN=local GOENV=off GOFLAGS=-mod=readonly GOWORK=off \
	GOPROXY="$proxy" GOSUMDB=sum.golang.org GOMODCACHE="$out/mod" GOCACHE="$out/cache" CGO_ENABLED=0 \
	go build -modcacherw -trimpath -buildvcs=false -ldflags "-s -w -buildid= -X main.version=devel" -o "$out/provenant" ./cmd/provenant
rm -rf "$out/mod" "$out/cache"
"$out/provenant" version
echo "path=$out/provenant" >>"$GITHUB_OUTPUT"
