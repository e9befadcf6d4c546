#!/usr/bin/env bash
# The end-to-end demo behind `make demo`: make a key, attest a sample
# artifact, verify it, show a tampered copy denied, then record a two-step
# build with `provenant run` and gate it with a Rego chain policy (and with
# one that policy init writes from the evidence), and sign
# keyless against a loopback Sigstore when its servers are built. Everything happens in
# .demo/ (ignored by git); nothing outside it is touched.
set -euo pipefail

P=${PROVENANT:-provenant}
root=$(cd "$(dirname "$0")/.." && pwd)
work="${DEMO_DIR:-$root/.demo}"
rm -rf "$work"
mkdir -p "$work/dist"
cd "$work"

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
  step() { printf '\n== %s\n' "$*"; }
fi
provenant() { "$P" "$@"; }
# show prints a command the way one would type it, then runs it.
show() {
  local out='$' a
  for a in "$@"; do
    case $a in
      '') out+=" ''" ;;
      *[[:space:]\&\>\<\*\|\;]*) out+=" '$a'" ;;
      *) out+=" $a" ;;
    esac
  done
  printf '%s\n' "$out"
  "$@"
}

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

step "4. The release gate verifies it (exit 0): the trust file says the release key signs for the release builder"
printf 'keys:\n  - id: release\n    path: release.pub\n    builders: [https://ci.example.com/builders/release]\n' > trust.yaml
cat trust.yaml
show provenant verify --bundle hello.intoto.jsonl --trust trust.yaml \
  --builder-id https://ci.example.com/builders/release \
  --source-uri github.com/example/hello \
  dist/hello.tar.gz

step "4b. Without that mapping the builder id is only a claim: any trusted key can write any builder id (exit 1)"
set +e
show provenant verify --bundle hello.intoto.jsonl --key release.pub \
  --builder-id https://ci.example.com/builders/release dist/hello.tar.gz
rc=$?
set -e
if [ "$rc" != 1 ]; then
  echo "demo: expected a claimed builder id to be denied with exit 1, got $rc" >&2
  exit 1
fi

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

step "7. A two-step build recorded by provenant run: compile, then package"
mkdir -p src
printf 'int main(void) { return 0; }\n' > src/main.c
show provenant run --key release.key --bundle build.intoto.jsonl --step compile \
  --materials src --products build \
  -- sh -c 'mkdir -p build && cat src/*.c > build/app'
show provenant run --key release.key --bundle build.intoto.jsonl --step package \
  --materials build/app --products dist/app.tar.gz \
  -- tar -czf dist/app.tar.gz build/app

step "8. The gate checks the chain with a Rego policy: package consumed what compile produced"
printf 'data:\n  chain:\n    - {from: compile, to: package}\n' > policy.yaml
cat policy.yaml
show provenant verify --bundle build.intoto.jsonl --key release.pub \
  --policy builtin:chain --policy-config policy.yaml dist/app.tar.gz

step "8b. Or let provenant write the policy from the verified evidence (policy init), test it, and gate with it"
show provenant policy init --from build.intoto.jsonl --key release.pub --out pinned dist/app.tar.gz
cat pinned/policy.yaml
show provenant policy test pinned
show provenant verify --bundle build.intoto.jsonl --key release.pub \
  --policy pinned --policy-config pinned/policy.yaml dist/app.tar.gz

step "9. Someone rebuilds build/app outside the pipeline and re-packages it: the chain breaks (exit 1)"
printf 'int main(void) { return 1; }\n' > src/main.c
cat src/main.c > build/app
printf 'evil' >> build/app
show provenant run --key release.key --bundle rogue.intoto.jsonl --step package \
  --materials build/app --products dist/app.tar.gz \
  -- tar -czf dist/app.tar.gz build/app
head -n 1 build.intoto.jsonl >> rogue.intoto.jsonl
set +e
show provenant verify --bundle rogue.intoto.jsonl --key release.pub \
  --policy builtin:chain --policy-config policy.yaml dist/app.tar.gz
rc=$?
set -e
if [ "$rc" != 1 ]; then
  echo "demo: expected the broken chain to be denied with exit 1, got $rc" >&2
  exit 1
fi

step "9b. The policy written by policy init denies the rogue package step too (exit 1)"
set +e
show provenant verify --bundle rogue.intoto.jsonl --key release.pub \
  --policy pinned --policy-config pinned/policy.yaml dist/app.tar.gz
rc=$?
set -e
if [ "$rc" != 1 ]; then
  echo "demo: expected the policy from policy init to deny the rogue step with exit 1, got $rc" >&2
  exit 1
fi

# A registry act, when a registry is at hand: DEMO_REGISTRY=host:port, or
# Debian's docker-registry (on PATH, or where .ci/run unpacks it), started
# here on loopback and stopped at the end.
. "$root/testdata/registry.sh"
registry=${DEMO_REGISTRY:-}
regpid=
if [ -z "$registry" ]; then
  start_registry "$work/registry"
  [ -n "$regpid" ] && trap 'kill "$regpid" 2>/dev/null || true' EXIT
fi
if [ -n "$registry" ] && command -v curl >/dev/null; then
  step "10. The image goes to a registry ($registry); its provenance is pushed next to it (docs/oci.md)"
  digest=$(push_image "$registry" hello v1)
  echo "pushed $registry/hello:v1 ($digest)"
  show provenant attest --key release.key --image "$registry/hello:v1" --push --oci-storage both \
    --builder-id https://ci.example.com/builders/release \
    --source git+https://github.com/example/hello@refs/tags/v1.0.0

  step "11. The gate verifies the image from the registry, by digest (exit 0)"
  show provenant verify --trust trust.yaml --builder-id https://ci.example.com/builders/release \
    --source-uri github.com/example/hello "oci://$registry/hello@$digest"

  step "12. Another image under the same name has no provenance: denied (exit 1)"
  other=$(push_image "$registry" hello v2)
  set +e
  show provenant verify --key release.pub "oci://$registry/hello@$other"
  rc=$?
  set -e
  if [ "$rc" != 1 ]; then
    echo "demo: expected an unattested image to be denied with exit 1, got $rc" >&2
    exit 1
  fi
else
  printf '\n(no registry at hand: set DEMO_REGISTRY=host:port, or install Debian'"'"'s docker-registry (.ci/run does), for the registry act)\n'
fi
if [ -n "$regpid" ]; then
  kill "$regpid" 2>/dev/null || true
  wait "$regpid" 2>/dev/null || true
  trap - EXIT
fi

step "13. Keyless: CI signs with its OIDC identity, no key (Fulcio and a timestamp authority on loopback)"
# The servers are the real ones, built by .ci/run (or go install, see
# docs/keyless.md) and run by testdata/keyless with an OIDC issuer of its
# own; without them this step says so and is skipped. The trusted-root
# cache is the demo's own.
export XDG_CACHE_HOME="$work/cache"
keyless_env="$work/keyless.env"
if [ -n "${DEMO_NO_KEYLESS:-}" ] || ! command -v go >/dev/null || ! (cd "$root" && go build -o "$work/keyless-sigstore" ./testdata/keyless); then
  echo "skipped: no Go toolchain to build testdata/keyless (or DEMO_NO_KEYLESS is set)"
else
  "$work/keyless-sigstore" "$keyless_env" > "$work/keyless-sigstore.log" 2>&1 &
  sigstore_pid=$!
  trap 'kill "$sigstore_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 1 600); do
    [ -s "$keyless_env" ] && break
    kill -0 "$sigstore_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -s "$keyless_env" ] || { cat "$work/keyless-sigstore.log" >&2; echo "demo: the loopback Sigstore did not start" >&2; exit 1; }
  # shellcheck disable=SC1090
  . "$keyless_env"
  if [ -n "${SKIP:-}" ]; then
    echo "skipped: $SKIP"
  else
    show provenant attest --keyless --identity-token "$TOKEN_FILE" \
      --fulcio-url "$FULCIO_URL" --tsa-url "$TSA_URL" --rekor-url '' \
      --trusted-root "$TRUSTED_ROOT" --bundle keyless.intoto.jsonl dist/hello.tar.gz
    show provenant trust import "$TRUSTED_ROOT" --name loopback
    show provenant verify --bundle keyless.intoto.jsonl \
      --certificate-identity "$IDENTITY" --certificate-oidc-issuer "$ISSUER" dist/hello.tar.gz
    set +e
    show provenant verify --bundle keyless.intoto.jsonl \
      --certificate-identity someone-else@example.com --certificate-oidc-issuer "$ISSUER" dist/hello.tar.gz
    rc=$?
    set -e
    if [ "$rc" != 1 ]; then
      echo "demo: expected another identity to be denied with exit 1, got $rc" >&2
      exit 1
    fi
  fi
  kill "$sigstore_pid" 2>/dev/null || true
  wait "$sigstore_pid" 2>/dev/null || true
  trap - EXIT
fi

printf '\ndemo: all steps behaved as expected (files in %s)\n' "$work"
