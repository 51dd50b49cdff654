#!/usr/bin/env bash
# Build the podman end-to-end box (see scripts/PROVISIONING.md, "podman box"):
# a Debian trixie root file system that boots under systemd-nspawn with a
# lingering user manager and rootless podman 5.4, holding stand-in images
# under the exact names mxhome's units pin (src/render/images.ts) for each
# box user. Called by provision-test-env.sh as root; idempotent.
#
# The result is one tar archive, .cache/podman-box/<key>/box.tar (root-only,
# 0600): a tar keeps owners and modes exactly, whatever happens to the cache
# directory's permissions, and each test run unpacks a fresh writable copy.
# The key hashes everything the box is made from: the image pins, the package
# lists, the stand-in files and this script.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=$ROOT/.cache
BUN=$ROOT/node_modules/.bin/bun
HERE=$ROOT/scripts/podman-box
SUITE=trixie
MIRROR=http://deb.debian.org/debian
BOX_PKGS=systemd,systemd-sysv,dbus,dbus-user-session,libpam-systemd,podman,crun,passt,uidmap,fuse-overlayfs,catatonit,iproute2,ca-certificates,curl,procps
IMAGE_BASE_PKGS=python3,python3-venv,python3-psycopg2,curl,ca-certificates
IMAGE_PKGS="postgresql-17 caddy redis-server"

step() { printf '\n== podman box: %s\n' "$*"; }
[[ $(id -u) -eq 0 ]] || { echo "provision-podman-box: run as root (debootstrap, nspawn)" >&2; exit 1; }
[[ -x $BUN ]] || { echo "provision-podman-box: $BUN missing (npm ci first)" >&2; exit 1; }

images_json=$(cd "$ROOT" && "$BUN" -e 'import { images } from "./src/render/images.ts"; console.log(JSON.stringify(images))')
synapse_version=$(cd "$ROOT" && "$BUN" -e 'import { images } from "./src/render/images.ts"; console.log(images.synapse.replace(/^.*:v/, ""))')
[[ $synapse_version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "provision-podman-box: cannot read Synapse's version from images.synapse" >&2; exit 1; }
# ---- begin pg-major: the old PostgreSQL major of the major-upgrade tests ----
# A PostgreSQL 15 stand-in image (Containerfile.postgres15) under the pin an
# older mxhome build deploys (scripts/build.ts --postgres-image; see
# test/podman-box/postgres-major.test.ts). Its programs are Debian bookworm's
# (the host's suite) packages, unpacked into one tar below; no second debootstrap.
PG_OLD_MAJOR=15
PG_OLD_IMAGE=docker.io/library/postgres:15-alpine
PG_OLD_DEBS="postgresql-15 postgresql-client-15 libicu72 libldap-2.5-0"
images_json=$(IMAGES=$images_json OLD=$PG_OLD_IMAGE "$BUN" -e 'console.log(JSON.stringify({ ...JSON.parse(process.env.IMAGES), postgres15: process.env.OLD }))')
# ---- end pg-major ----
key=$( { echo "$SUITE $BOX_PKGS $IMAGE_BASE_PKGS $IMAGE_PKGS"; echo "$images_json"; cat "$0" "$HERE"/*; } | sha256sum | cut -c1-16)
# >>> podman Synapse upgrade (issue #19): the older Synapse's version and hashes, in the key too
OLDER_LOCK=$ROOT/test/fixtures/synapse/older.lock
older_synapse=$(sed -n 's/^matrix-synapse==\([0-9.]*\).*/\1/p' "$OLDER_LOCK")
[[ $older_synapse =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "provision-podman-box: cannot read Synapse's version from $OLDER_LOCK" >&2; exit 1; }
# Its matrix-synapse entry, hash lines included (pip --require-hashes).
older_requirement=$(awk '/^matrix-synapse==/ { p = 1 } p { print; if ($0 !~ /\\$/) exit }' "$OLDER_LOCK")
key=$(echo "$key $older_requirement" | sha256sum | cut -c1-16)
# <<< podman Synapse upgrade
OUT=$CACHE/podman-box/$key

step "host tools"
need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v systemd-nspawn >/dev/null || need+=(systemd-container)
if ((${#need[@]})); then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi
echo "debootstrap $(dpkg-query -W -f='${Version}' debootstrap), systemd-nspawn $(systemd-nspawn --version | head -1)"

if [[ -s $OUT/box.tar ]]; then
  step "cached: $OUT/box.tar"
  exit 0
fi

step "building $key (images: $images_json)"
# Stages that finished survive a failed run (a marker file each), so a rerun
# resumes; the whole build directory goes once the archive exists.
work=$CACHE/podman-box/.build-$key
mkdir -p "$work"; chmod 700 "$CACHE/podman-box/.build-$key"
umountif() { if mountpoint -q "$1"; then umount -l "$1"; fi; }
unmount_image() { for m in proc dev/pts dev sys; do umountif "$work/image/$m"; done; }
trap unmount_image EXIT

if [[ ! -e $work/rootfs.done ]]; then  # stage 1: the two root file systems
rm -rf --one-file-system "$work/box" "$work/image"
step "debootstrap $SUITE: box and image root, in parallel"
t0=$SECONDS
debootstrap --variant=minbase --include="$BOX_PKGS" "$SUITE" "$work/box" "$MIRROR" >"$work/box.log" 2>&1 &
box_pid=$!
debootstrap --variant=minbase --include="$IMAGE_BASE_PKGS" "$SUITE" "$work/image" "$MIRROR" >"$work/image.log" 2>&1 &
image_pid=$!
wait "$box_pid" || { tail -30 "$work/box.log" >&2; exit 1; }
wait "$image_pid" || { tail -30 "$work/image.log" >&2; exit 1; }
echo "both in $((SECONDS - t0)) s"

step "image root: PostgreSQL, Caddy, Redis, Synapse $synapse_version"
t0=$SECONDS
I=$work/image
mount -t proc proc "$I/proc"; mount --bind /dev "$I/dev"; mount --bind /dev/pts "$I/dev/pts"; mount -t sysfs sys "$I/sys"
cp /etc/resolv.conf "$I/etc/resolv.conf"
cp /etc/ssl/certs/ca-certificates.crt "$I/tmp/host-ca.crt"
# No daemon starts in the chroot, and no "main" cluster is created: the
# entrypoint initialises the data directory, as the official image does.
printf '#!/bin/sh\nexit 101\n' >"$I/usr/sbin/policy-rc.d"; chmod 755 "$I/usr/sbin/policy-rc.d"
mkdir -p "$I/etc/postgresql-common"
echo 'create_main_cluster = false' >"$I/etc/postgresql-common/createcluster.conf"
chroot "$I" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $IMAGE_PKGS >"$work/apt.log" 2>&1 ||
  { tail -30 "$work/apt.log" >&2; exit 1; }
# The official images' users: postgres is uid/gid 70 in postgres:*-alpine,
# redis 999:1000 in redis:*-alpine, Synapse runs as 991:991. Debian's caddy
# package took 999; the official caddy image runs as root, so its user moves.
chroot "$I" sh -euc '
  groupmod -g 70 postgres; usermod -u 70 -g 70 postgres
  groupmod -g 998 caddy; usermod -u 998 -g 998 caddy
  groupmod -g 1000 redis; usermod -u 999 -g 1000 redis
  groupadd -g 991 synapse; useradd -u 991 -g 991 -M -d /data -s /usr/sbin/nologin synapse
  mkdir -p /var/lib/postgresql /var/run/postgresql /data /config /srv
  chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
  chmod 3777 /var/run/postgresql'
# Synapse's pinned release from PyPI with the redis extra (txredisapi, hiredis:
# workers), as the official image has it; Debian's psycopg2, so nothing compiles.
chroot "$I" env SSL_CERT_FILE=/tmp/host-ca.crt PIP_CERT=/tmp/host-ca.crt PIP_DISABLE_PIP_VERSION_CHECK=1 sh -euc "
  python3 -m venv --system-site-packages /opt/synapse
  /opt/synapse/bin/pip install -q --no-cache-dir 'matrix-synapse[redis]==$synapse_version'
  /opt/synapse/bin/python -c 'import hiredis, txredisapi'" >"$work/pip.log" 2>&1 ||
  { tail -30 "$work/pip.log" >&2; exit 1; }
# >>> podman Synapse upgrade (issue #19): the older lock's Synapse beside the pinned one
# Only the matrix-synapse wheel (the two locks share every other pin), into its
# own directory: Containerfile.synapse built with --build-arg
# SYNAPSE_PYTHONPATH=/opt/synapse-$older_synapse puts it first on sys.path.
echo "$older_requirement" >"$I/tmp/older-synapse.txt"
chroot "$I" env SSL_CERT_FILE=/tmp/host-ca.crt PIP_CERT=/tmp/host-ca.crt PIP_DISABLE_PIP_VERSION_CHECK=1 \
  /opt/synapse/bin/pip install -q --no-cache-dir --no-deps --require-hashes --target "/opt/synapse-$older_synapse" -r /tmp/older-synapse.txt >"$work/pip-older.log" 2>&1 ||
  { tail -30 "$work/pip-older.log" >&2; exit 1; }
rm -f "$I/tmp/older-synapse.txt"
# <<< podman Synapse upgrade
install -m 0755 "$HERE/docker-entrypoint.sh" "$I/usr/local/bin/docker-entrypoint.sh"
install -m 0755 "$HERE/start.py" "$I/start.py"
rm -f "$I/usr/sbin/policy-rc.d" "$I/tmp/host-ca.crt" "$I/etc/resolv.conf"
chroot "$I" apt-get clean
for m in proc dev/pts dev sys; do umountif "$I/$m"; done
echo "in $((SECONDS - t0)) s"

step "box: podman config, users, image sources"
B=$work/box
# The host's v1 hierarchies hold the pids controller: podman must not ask for it.
mkdir -p "$B/etc/containers/containers.conf.d"
printf '[containers]\npids_limit = 0\n' >"$B/etc/containers/containers.conf.d/mxhome-box.conf"
echo mxhome-box >"$B/etc/hostname"
mkdir -p "$B/var/lib/systemd/linger" "$B/opt/mxhome-images"
for u in mx:1001 mx2:1002; do
  chroot "$B" useradd -m -s /bin/bash -u "${u#*:}" "${u%%:*}"
  : >"$B/var/lib/systemd/linger/${u%%:*}"
done
grep -q '^mx:' "$B/etc/subuid" || { echo "provision-podman-box: useradd gave mx no subuid range" >&2; exit 1; }
# >>> podman Synapse upgrade (issue #19): user mxsyn (1005), whose deployment
# test/podman-box/upgrade-synapse.test.ts moves from the older Synapse to the pin;
# only mxsyn gets the older stand-in (extra-images.json, built by the bake).
chroot "$B" useradd -m -s /bin/bash -u 1005 mxsyn
: >"$B/var/lib/systemd/linger/mxsyn"
printf '[{"users":["mxsyn"],"tag":"ghcr.io/element-hq/synapse:v%s","containerfile":"Containerfile.synapse","buildArgs":{"SYNAPSE_PYTHONPATH":"/opt/synapse-%s"}}]\n' \
  "$older_synapse" "$older_synapse" >"$B/opt/mxhome-images/extra-images.json"
# <<< podman Synapse upgrade
tar -C "$I" -cf "$B/opt/mxhome-images/rootfs.tar" .
rm -rf --one-file-system "$I"
cp "$HERE"/Containerfile.* "$B/opt/mxhome-images/"
echo "$images_json" >"$B/opt/mxhome-images/images.json"
touch "$work/rootfs.done"
fi
B=$work/box

# ---- begin pg-major: PostgreSQL 15's programs for Containerfile.postgres15 ----
if [[ ! -s $B/opt/mxhome-images/postgres15.tar ]]; then
  step "PostgreSQL $PG_OLD_MAJOR stand-in: bookworm's $PG_OLD_DEBS"
  t0=$SECONDS
  debs=$work/pg-old
  rm -rf "$debs"; mkdir -p "$debs/root"; chmod 755 "$debs"
  (cd "$debs" && { apt-get download -q $PG_OLD_DEBS || { apt-get update -q && apt-get download -q $PG_OLD_DEBS; }; }) >"$work/pg-old.log" 2>&1 ||
    { tail -30 "$work/pg-old.log" >&2; exit 1; }
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$debs/root"; done
  # Not needed to run it: documentation, and the JIT (llvmjit.so would need bookworm's LLVM).
  rm -rf "$debs/root/usr/share/doc" "$debs/root/usr/share/man" "$debs/root/usr/share/lintian" \
    "$debs/root/usr/lib/postgresql/$PG_OLD_MAJOR/lib/bitcode" "$debs/root/usr/lib/postgresql/$PG_OLD_MAJOR/lib/llvmjit"*
  tar -C "$debs/root" --numeric-owner --owner=0 --group=0 -cf "$B/opt/mxhome-images/postgres15.tar.part" .
  mv "$B/opt/mxhome-images/postgres15.tar.part" "$B/opt/mxhome-images/postgres15.tar"
  rm -rf "$debs"
  echo "in $((SECONDS - t0)) s"
fi
# ---- end pg-major ----

step "bake: boot the box once, build each user's images"
t0=$SECONDS
(cd "$ROOT" && "$BUN" test/support/podman-box.ts bake "$B")
rm -f "$B/opt/mxhome-images/rootfs.tar"
rm -f "$B/opt/mxhome-images/postgres15.tar"  # pg-major: in the postgres15 image now
echo "in $((SECONDS - t0)) s"

step "archive"
mkdir -p "$OUT"
tar -C "$B" --numeric-owner --xattrs -cf "$OUT/box.tar.part" .
chmod 600 "$OUT/box.tar.part"
mv "$OUT/box.tar.part" "$OUT/box.tar"
rm -rf --one-file-system "$work"
# Only this script's own older keys go; nothing else in the cache is touched.
find "$CACHE/podman-box" -mindepth 1 -maxdepth 1 ! -name "$key" -exec rm -rf --one-file-system {} +
ls -l "$OUT/box.tar"
