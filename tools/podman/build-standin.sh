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
# Usage: tools/podman/build-standin.sh upstream|official
# Prints the image reference, localhost/agentsmith-redis-standin:<flavour>-<hash>,
# where <hash> covers this script and every file copied into the image, so an
# unchanged stand-in is built once and reused (`podman image exists`); a new build
# removes that flavour's older stand-ins.
# Needs root (podman import into the system store), podman, redis-server, redis-cli.
set -euo pipefail

flavour=${1:-}
case "$flavour" in
  upstream) preset="" ;;
  official) preset="--protected-mode no" ;;
  *) echo "usage: $0 upstream|official" >&2; exit 2 ;;
esac
for tool in podman redis-server redis-cli ldd sha256sum tar; do
  command -v "$tool" >/dev/null || { echo "error: '$tool' is missing: apt-get install podman runc redis-server" >&2; exit 1; }
done
: "${CONTAINERS_CONF:=$(cd "$(dirname "$0")" && pwd)/containers.conf}"
export CONTAINERS_CONF

server=$(readlink -f "$(command -v redis-server)")  # Debian: a symlink to redis-check-rdb
cli=$(readlink -f "$(command -v redis-cli)")
shell=$(readlink -f /bin/sh)
libs=$(ldd "$server" "$cli" "$shell" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}' | sort -u)

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

tar --numeric-owner --sort=name --mtime=@0 -C "$root" -cf "$root.tar" .
trap 'rm -rf "$root" "$root.tar"' EXIT
podman import --quiet \
  --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
  --change 'CMD ["redis-server"]' \
  --change 'WORKDIR /data' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'EXPOSE 6379' \
  --change "LABEL agentsmith.standin.flavour=$flavour" \
  "$root.tar" "$ref" >/dev/null
# Drop this flavour's stand-ins of earlier content (a changed script or package).
podman images --noheading --format '{{.Repository}}:{{.Tag}}' localhost/agentsmith-redis-standin \
  | grep "^localhost/agentsmith-redis-standin:$flavour-" | grep -vx "$ref" \
  | xargs -r -n1 podman rmi >/dev/null 2>&1 || true  # not --force: never an image in use
echo "$ref"
