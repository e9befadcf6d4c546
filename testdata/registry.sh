# Registry helpers for testdata/demo.sh and testdata/bench/cli.sh (sourced):
# find Debian's docker-registry, start it on loopback, push a tiny image.

# registry_bin prints the docker-registry binary: on PATH, or where .ci/run
# unpacks it.
registry_bin() {
  command -v docker-registry 2>/dev/null && return 0
  local p="${PROVENANT_CI_CACHE:-$HOME/.cache/provenant-ci}/docker-registry-2.8.2/usr/bin/docker-registry"
  [ -x "$p" ] && echo "$p"
}

# push_image HOST REPO TAG: a tiny image (config blob + manifest) with curl;
# prints its manifest digest.
push_image() {
  local h=$1 r=$2 t=$3 cfg d loc sep m
  cfg='{"architecture":"amd64","os":"linux","config":{"Labels":{"demo":"'"$r:$t"'"}},"rootfs":{"type":"layers","diff_ids":[]}}'
  d=$(printf %s "$cfg" | sha256sum | cut -d' ' -f1)
  loc=$(curl -sSfi -X POST "http://$h/v2/$r/blobs/uploads/" | tr -d '\r' | awk 'tolower($1)=="location:"{print $2}')
  case $loc in http*) ;; *) loc="http://$h$loc" ;; esac
  sep='?'; case $loc in *\?*) sep='&' ;; esac
  printf %s "$cfg" | curl -sSf -X PUT -H 'Content-Type: application/octet-stream' --data-binary @- "$loc${sep}digest=sha256:$d" >/dev/null
  m=$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[]}' "$d" "${#cfg}")
  printf %s "$m" | curl -sSf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary @- "http://$h/v2/$r/manifests/$t" >/dev/null
  echo "sha256:$(printf %s "$m" | sha256sum | cut -d' ' -f1)"
}

# start_registry DIR: starts docker-registry on a free loopback port with
# storage in DIR; sets registry=127.0.0.1:PORT and regpid (the caller stops
# it), or leaves registry empty when none can be started.
start_registry() {
  local dir=$1 bin port
  registry= regpid=
  bin=$(registry_bin) || return 0
  command -v curl >/dev/null || return 0
  mkdir -p "$dir"
  for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 20000))
    printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' "$dir/data" "$port" > "$dir/registry.yml"
    "$bin" serve "$dir/registry.yml" >"$dir/registry.log" 2>&1 &
    regpid=$!
    for _ in $(seq 50); do
      curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && { registry=127.0.0.1:$port; return 0; }
      kill -0 "$regpid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$regpid" 2>/dev/null || true
    regpid=
  done
}
