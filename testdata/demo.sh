#!/usr/bin/env bash
# The end-to-end demo behind `make demo`: make a key, attest a sample
# artifact, verify it, and show a tampered copy denied. Everything happens in
# .demo/ (ignored by git); nothing outside it is touched.
set -euo pipefail

P=${PROVENANT:-provenant}
root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/.demo"
rm -rf "$work"
mkdir -p "$work/dist"
cd "$work"

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
  step() { printf '\n== %s\n' "$*"; }
fi
provenant() { "$P" "$@"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "1. A release engineer makes a signing key"
show provenant keygen --type ecdsa-p256 --out release

step "2. The build produces an artifact"
printf 'hello from provenant %s\n' "$(provenant --version)" > dist/hello.txt
tar -czf dist/hello.tar.gz -C dist hello.txt
ls -l dist

step "3. The build signs SLSA provenance for it"
show provenant attest --key release.key --bundle hello.intoto.jsonl \
  --builder-id https://ci.example.com/builders/release \
  --source git+https://github.com/example/hello@refs/tags/v1.0.0 \
  dist/hello.tar.gz

step "4. The release gate verifies it (exit 0)"
show provenant verify --bundle hello.intoto.jsonl --key release.pub \
  --builder-id https://ci.example.com/builders/release \
  --source-uri github.com/example/hello \
  dist/hello.tar.gz

step "5. Someone swaps the artifact: the gate denies it (exit 1)"
cp dist/hello.tar.gz dist/hello-tampered.tar.gz
printf 'malware' >> dist/hello-tampered.tar.gz
set +e
show provenant verify --bundle hello.intoto.jsonl --key release.pub dist/hello-tampered.tar.gz
rc=$?
set -e
if [ "$rc" != 1 ]; then
  echo "demo: expected the tampered artifact to be denied with exit 1, got $rc" >&2
  exit 1
fi

step "6. Someone edits the signed provenance: the gate denies it (exit 1)"
sed 's/"payload":"ey/"payload":"eX/' hello.intoto.jsonl > forged.intoto.jsonl
set +e
show provenant verify --bundle forged.intoto.jsonl --key release.pub dist/hello.tar.gz
rc=$?
set -e
if [ "$rc" != 1 ]; then
  echo "demo: expected the forged bundle to be denied with exit 1, got $rc" >&2
  exit 1
fi

printf '\ndemo: all steps behaved as expected (files in %s)\n' "$work"
