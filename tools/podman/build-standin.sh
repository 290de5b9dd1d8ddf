#!/usr/bin/env bash
# Build the pod tier's stand-in for the manifest's `redis:7-alpine`, offline.
#
# No container registry can be reached here, so tests/test_pod.py runs the
# synthesised pod on a local image built from this machine's Debian packages
# (redis-server, redis-tools: Redis 7.0.x, the manifest image's major version):
#   - a minimal root filesystem: redis-server, redis-cli, /bin/sh (dash) and the
#     shared libraries they load (ldd), /etc/passwd and /etc/group, /tmp;
#   - user and group `redis`, uid/gid 999 (as in the official image), WORKDIR
#     /data owned by redis, mode 0755, empty;
#   - ENTRYPOINT /usr/local/bin/docker-entrypoint.sh, a cut-down copy of the
#     official image's: args that start with `-` are handed to redis-server,
#     umask 0077 as in the official 7.x entrypoint; no gosu (the manifest runs
#     as uid 999 already, never as root); CMD redis-server.
# Which defaults: Debian's redis-server is upstream's build, and without a
# config file (the manifest passes none) it runs with upstream's compiled
# defaults, including `protected-mode yes`. The official image instead patches
# protected mode OFF in src/config.c when it is built ("unnecessary in context
# of Docker"). FLAVOUR picks which one the stand-in reproduces:
#   upstream  compiled defaults unchanged: protected-mode yes (Debian, source builds, hardened bases)
#   official  the entrypoint passes `--protected-mode no` BEFORE the manifest's args, so it
#             acts as a compiled-in default the manifest's args can still override,
#             like the official image's patched default.
# Everything else is upstream's default in both (bind "* -::*", port 6379, dir ./,
# no config file, daemonize no, logs to stdout). Debian's build uses jemalloc, like
# the official image.
#
#
# `exporter` builds the stand-in for the metrics sidecar's `oliver006/redis_exporter`
# (EphemeralRedis(metrics=RedisMetrics())) from Debian's prometheus-redis-exporter
# (redis_exporter 1.45, the same flags, REDIS_PASSWORD read from the environment):
#   - like the official image (FROM scratch): the binary at /redis_exporter, USER
#     59000:59000, ENTRYPOINT ["/redis_exporter"], EXPOSE 9121, so the manifest's
#     args go to the exporter unchanged; plus the shared libraries Debian's build
#     loads (ldd: libc), which the official static build does not need;
#   - no shell and no other files (no CA bundle: the exporter speaks plain TCP to
#     Redis on the pod's loopback).
#
# Usage: tools/podman/build-standin.sh upstream|official|exporter
# Prints the image reference, localhost/agentsmith-redis-standin:<flavour>-<hash>
# (exporter: localhost/agentsmith-redis-exporter-standin:<hash>), where <hash>
# covers this script and every file copied into the image, so an unchanged
# stand-in is built once and reused (`podman image exists`); a new build removes
# that flavour's older stand-ins.
# Needs root (podman import into the system store), podman, and redis-server,
# redis-cli (Redis) or prometheus-redis-exporter (exporter).
set -euo pipefail

flavour=${1:-}
case "$flavour" in
  upstream) preset="" ;;
  official) preset="--protected-mode no" ;;
  exporter) ;;
  *) echo "usage: $0 upstream|official|exporter" >&2; exit 2 ;;
esac
: "${CONTAINERS_CONF:=$(cd "$(dirname "$0")" && pwd)/containers.conf}"
export CONTAINERS_CONF

# Libraries (and the loader) that ldd lists for the given binaries, one a line.
libraries() {
  ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}' | sort -u
}

# import_root ROOT REF REPOSITORY KEEP_PREFIX CHANGE...: a reproducible tar of ROOT imported as
# REF; then REPOSITORY's older images whose tag starts with KEEP_PREFIX are removed (never --force).
import_root() {
  local root=$1 ref=$2 repository=$3 prefix=$4
  shift 4
  local changes=()
  for change in "$@"; do changes+=(--change "$change"); done
  tar --numeric-owner --sort=name --mtime=@0 -C "$root" -cf "$root.tar" .
  podman import --quiet "${changes[@]}" "$root.tar" "$ref" >/dev/null
  rm -f "$root.tar"
  podman images --noheading --format '{{.Repository}}:{{.Tag}}' "$repository" \
    | grep "^$repository:$prefix" | grep -vx "$ref" \
    | xargs -r -n1 podman rmi >/dev/null 2>&1 || true  # not --force: never an image in use
}

if [ "$flavour" = exporter ]; then
  for tool in podman prometheus-redis-exporter ldd sha256sum tar; do
    command -v "$tool" >/dev/null || {
      echo "error: '$tool' is missing: apt-get install podman runc prometheus-redis-exporter" >&2
      exit 1
    }
  done
  exporter=$(readlink -f "$(command -v prometheus-redis-exporter)")
  libs=$(libraries "$exporter")
  hash=$( { sha256sum <"$0"; echo "$flavour"; for f in "$exporter" $libs; do sha256sum "$(readlink -f "$f")"; done; } \
    | sha256sum | cut -c1-16)
  repository=localhost/agentsmith-redis-exporter-standin
  ref="$repository:$hash"
  if podman image exists "$ref"; then
    echo "$ref"
    exit 0
  fi
  root=$(mktemp -d /tmp/agentsmith-exporter-standin.XXXXXX)
  trap 'rm -rf "$root" "$root.tar"' EXIT
  install -m 0755 "$exporter" "$root/redis_exporter"
  for lib in $libs; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  import_root "$root" "$ref" "$repository" "" \
    'ENTRYPOINT ["/redis_exporter"]' \
    'USER 59000:59000' \
    'EXPOSE 9121' \
    "LABEL agentsmith.standin.flavour=$flavour"
  echo "$ref"
  exit 0
fi
for tool in podman redis-server redis-cli ldd sha256sum tar; do
  command -v "$tool" >/dev/null || { echo "error: '$tool' is missing: apt-get install podman runc redis-server" >&2; exit 1; }
done
server=$(readlink -f "$(command -v redis-server)")  # Debian: a symlink to redis-check-rdb
cli=$(readlink -f "$(command -v redis-cli)")
shell=$(readlink -f /bin/sh)
libs=$(libraries "$server" "$cli" "$shell")

hash=$( { sha256sum <"$0"; echo "$flavour"; for f in "$server" "$cli" "$shell" $libs; do sha256sum "$(readlink -f "$f")"; done; } \
  | sha256sum | cut -c1-16)
ref="localhost/agentsmith-redis-standin:$flavour-$hash"
if podman image exists "$ref"; then
  echo "$ref"
  exit 0
fi

root=$(mktemp -d /tmp/agentsmith-standin.XXXXXX)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{usr/local/bin,usr/bin,bin,etc,data,tmp}
install -m 0755 "$server" "$root/usr/bin/redis-server"  # named redis-server: it picks its mode from argv[0]
install -m 0755 "$cli" "$root/usr/bin/redis-cli"
install -m 0755 "$shell" "$root/bin/sh"
for lib in $libs; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
redis:x:999:999:redis:/data:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
PASSWD
cat >"$root/etc/group" <<'GROUP'
root:x:0:
redis:x:999:
nogroup:x:65534:
GROUP
cat >"$root/usr/local/bin/docker-entrypoint.sh" <<ENTRYPOINT
#!/bin/sh
# Stand-in for the official redis image's docker-entrypoint.sh ($flavour flavour).
set -e
if [ "\${1#-}" != "\$1" ] || [ "\${1%.conf}" != "\$1" ]; then
  set -- redis-server "\$@"
fi
if [ "\$1" = redis-server ] && [ -n "$preset" ]; then
  shift
  set -- redis-server $preset "\$@"
fi
um=\$(umask)
if [ "\$um" = 0022 ]; then umask 0077; fi
exec "\$@"
ENTRYPOINT
chmod 0755 "$root/usr/local/bin/docker-entrypoint.sh"
chmod 1777 "$root/tmp"
chown 999:999 "$root/data"
chmod 0755 "$root/data"

trap 'rm -rf "$root" "$root.tar"' EXIT
import_root "$root" "$ref" localhost/agentsmith-redis-standin "$flavour-" \
  'ENTRYPOINT ["docker-entrypoint.sh"]' \
  'CMD ["redis-server"]' \
  'WORKDIR /data' \
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  'EXPOSE 6379' \
  "LABEL agentsmith.standin.flavour=$flavour"
echo "$ref"
