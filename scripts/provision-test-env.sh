#!/usr/bin/env bash
# Install the real components the test suite runs against, on Debian 12
# (bookworm) as root. Idempotent: a second run only re-checks (a few seconds).
# Everything downloaded lands in <repo>/.cache (gitignored). See
# scripts/PROVISIONING.md for what ends up where and why.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=$ROOT/.cache
. "$ROOT/scripts/lib-test-user.sh"

# The one Synapse pin: the lock mxhome's managed venv installs (see section 3).
SYNAPSE_LOCK=$ROOT/src/runtime/native/synapse.lock
SYNAPSE_VERSION=$(sed -n 's/^matrix-synapse==\([0-9.]*\).*/\1/p' "$SYNAPSE_LOCK")
VENV=$CACHE/synapse-venv
WHEELS=$CACHE/synapse-wheels
# Suite that ships quadlet (podman >= 5). Pinned by name, not "stable", so a
# future Debian release cannot silently change the generator under the tests.
QUADLET_SUITE=trixie
PG_BIN=/usr/lib/postgresql/15/bin
BUN=$ROOT/node_modules/.bin/bun

[[ $(id -u) -eq 0 ]] || { echo "provision: run as root (apt, useradd)" >&2; exit 1; }
[[ -n $SYNAPSE_VERSION ]] || { echo "provision: no pin found in $SYNAPSE_LOCK" >&2; exit 1; }
step() { printf '\n== provision: %s\n' "$*"; }
# pip's config here adds file:// indexes that don't exist per package; each
# miss prints a WARNING line. Hide those, keep everything else.
quiet_pip() { { "$@" 2>&1; } | { grep -v 'is ignored: it is neither a file nor a directory' || true; }; }

# --- 1. Debian packages ------------------------------------------------------
# python3-venv: the Synapse venvs (Synapse's lock is wheels only: no compiler, no libpq-dev).
# qemu-user-static + libc6-arm64-cross: run the bun-linux-arm64 binary with
#   qemu-aarch64-static -L /usr/aarch64-linux-gnu (no binfmt needed).
# systemd: for systemd-analyze (calendar/verify); always there on Debian.
# bash-completion: the bash completion script `mxhome completion bash` prints uses it, and its test runs it.
# debootstrap + systemd-container: the podman box (scripts/provision-podman-box.sh).
# redis-server: Synapse workers ([scale] workers) relay replication through it;
#   the tests start their own on a socket (the package's system service is harmless).
APT_PKGS=(postgresql caddy python3-venv redis-server
          qemu-user-static libc6-arm64-cross systemd util-linux bash-completion
          debootstrap systemd-container)
step "apt packages"
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
# Trixie's keys arrived in debian-archive-keyring 2023.3+deb12u2; older
# bookworm images need the stable update before apt will trust trixie.
[[ -e /usr/share/keyrings/debian-archive-trixie-stable.gpg ]] || missing+=(debian-archive-keyring)
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  apt-get update -q
  # The postgresql package may create and start a system "main" cluster on
  # 5432; harmless, tests run their own clusters on other ports.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "all present"
fi
for b in initdb pg_ctl postgres psql pg_dump pg_restore; do
  [[ -x $PG_BIN/$b ]] || { echo "provision: missing $PG_BIN/$b" >&2; exit 1; }
done

# --- 1b. The podman box, in the background ----------------------------------
# Mostly downloads and dpkg; it overlaps well with the Synapse venv's pip.
# Waited for (and its log shown) before the verify step — unless
# MXHOME_PODMAN_BOX_LOG names a log file (CI: .ci/run): then nothing here
# waits, the build goes on while the other tests run, and the test runner
# (scripts/test.ts) waits for the log's last line, "== podman box: exit N",
# before it boots the box. The build's pid is in "$MXHOME_PODMAN_BOX_LOG.pid".
mkdir -p "$CACHE"
if [[ -n ${MXHOME_PODMAN_BOX_LOG:-} ]]; then
  { rc=0; bash "$ROOT/scripts/provision-podman-box.sh" || rc=$?; echo "== podman box: exit $rc"; } >"$MXHOME_PODMAN_BOX_LOG" 2>&1 &
  echo $! >"$MXHOME_PODMAN_BOX_LOG.pid"
else
  box_log=$(mktemp /tmp/mxhome-podman-box.XXXXXX.log)
  bash "$ROOT/scripts/provision-podman-box.sh" >"$box_log" 2>&1 &
  box_pid=$!
fi

# --- 2. Unprivileged test user and permissions ---------------------------------
step "user $MXTEST_USER"
ensure_mxtest_user
mkdir -p "$CACHE"
# scripts/test.ts re-runs the whole suite as mxtest from this checkout, so
# mxtest must reach and read it even when CI clones under a 0700 directory
# (o+x up the path) or with umask 077 (a+rX on whatever is not readable; a
# normal checkout needs nothing here). .cache gets a+rX after installing.
make_traversable "$CACHE"
find "$ROOT" \( -path "$ROOT/.git" -o -path "$CACHE/podman-box" \) -prune -o ! -perm -o=r -exec chmod a+rX {} +
id "$MXTEST_USER"

# --- 3. Synapse: wheelhouse and venv, from the lock (issue #13) ---------------
# Both come from src/runtime/native/synapse.lock, the lock built into mxhome:
# - .cache/synapse-wheels: every locked wheel for this python. Tests of the
#   managed install use it with PIP_NO_INDEX=1 PIP_FIND_LINKS, so no test
#   reaches PyPI. Refilled only when the lock changes (stamp = its sha256).
# - .cache/synapse-venv: the Synapse the shared test server runs (as
#   runtime.native.python), installed from that wheelhouse.
step "synapse $SYNAPSE_VERSION"
# Ask the installed distribution, not synapse.__version__: the latter appends
# git info of any enclosing checkout (here: this repo), e.g. "1.163.2 (b=main,…)".
have=$("$VENV/bin/python" -c 'import importlib.metadata as m, synapse, psycopg2; print(m.version("matrix-synapse"))' 2>/dev/null || true)
if [[ $have != "$SYNAPSE_VERSION" ]]; then
  echo "creating $VENV (had: ${have:-none})"
  rm -rf "$VENV"
  # /usr/bin/python3, not whatever `python3` is on PATH: the venv's python is a
  # symlink to its base interpreter, and e.g. a pyenv one under /root is
  # unreachable for mxtest.
  /usr/bin/python3 -m venv "$VENV"
fi
lock_sha=$(sha256sum "$SYNAPSE_LOCK" | cut -d' ' -f1)
if [[ $(cat "$WHEELS/.lock-sha256" 2>/dev/null) != "$lock_sha" ]]; then
  echo "downloading the locked wheels into $WHEELS"
  mkdir -p "$WHEELS"
  quiet_pip "$VENV/bin/python" -m pip download -q --disable-pip-version-check --only-binary=:all: \
    --require-hashes -r "$SYNAPSE_LOCK" -d "$WHEELS"
  echo "$lock_sha" >"$WHEELS/.lock-sha256"
else
  echo "wheelhouse matches the lock ($(ls "$WHEELS"/*.whl | wc -l) wheels)"
fi
# .cache/synapse-wheels-older: test/fixtures/synapse/older.lock, an older Synapse
# (issue #19: a deployment built with that lock is upgraded to the pin). It
# shares every other wheel with the pinned lock: hard links, then pip fetches
# only what differs.
OLDER_LOCK=$ROOT/test/fixtures/synapse/older.lock
OLDER_WHEELS=$CACHE/synapse-wheels-older
# Keyed on both locks: it holds the pinned lock's wheels too (the upgrade installs the pin from it).
older_sha=$(cat "$OLDER_LOCK" "$SYNAPSE_LOCK" | sha256sum | cut -d' ' -f1)
if [[ $(cat "$OLDER_WHEELS/.lock-sha256" 2>/dev/null) != "$older_sha" ]]; then
  echo "downloading the older lock's wheels into $OLDER_WHEELS"
  mkdir -p "$OLDER_WHEELS"
  cp -lf "$WHEELS"/*.whl "$OLDER_WHEELS"/ 2>/dev/null || cp -f "$WHEELS"/*.whl "$OLDER_WHEELS"/
  quiet_pip "$VENV/bin/python" -m pip download -q --disable-pip-version-check --only-binary=:all: \
    --require-hashes -r "$OLDER_LOCK" -d "$OLDER_WHEELS"
  echo "$older_sha" >"$OLDER_WHEELS/.lock-sha256"
fi
# A venv of the same Synapse from before the lock held the redis extra (txredisapi,
# hiredis: workers) gets what the lock adds; pip installs only what is missing.
if [[ $have != "$SYNAPSE_VERSION" ]] || ! "$VENV/bin/python" -c 'import txredisapi, hiredis' 2>/dev/null; then
  quiet_pip "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-index --find-links "$WHEELS" \
    --only-binary=:all: --require-hashes -r "$SYNAPSE_LOCK"
else
  echo "venv already has $have"
fi

# --- 4. quadlet from a newer Debian podman -----------------------------------
# bookworm's podman 4.3.1 has no quadlet. The generator in newer podman .debs
# is a Go binary linking only libc, so it runs here. Fetch the .deb with a
# throwaway apt config so the system's sources, lists and cache stay as they are.
step "quadlet"
if [[ -x $CACHE/quadlet/quadlet && -s $CACHE/quadlet/VERSION ]]; then
  echo "already from podman $(cat "$CACHE/quadlet/VERSION")"
else
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/lists/partial" "$tmp/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $QUADLET_SUITE main" >"$tmp/sources.list"
  apt_tmp=(-q -o "Dir::Etc::SourceList=$tmp/sources.list" -o Dir::Etc::SourceParts=/dev/null
           -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache::Archives=$tmp/archives"
           -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
           -o APT::Sandbox::User=root)   # root-owned 0700 tmp dir: skip the _apt sandbox
  apt-get "${apt_tmp[@]}" update
  (cd "$tmp" && apt-get "${apt_tmp[@]}" download podman)
  deb=$(echo "$tmp"/podman_*.deb)
  dpkg-deb -x "$deb" "$tmp/x"
  mkdir -p "$CACHE/quadlet"
  install -m 0755 "$tmp/x/usr/libexec/podman/quadlet" "$CACHE/quadlet/quadlet"
  echo "$(dpkg-deb -f "$deb" Version) ($QUADLET_SUITE)" >"$CACHE/quadlet/VERSION"
  rm -rf "$tmp"; trap - EXIT
fi

if [[ -n ${MXHOME_PODMAN_BOX_LOG:-} ]]; then
  step "podman box: still building in the background (log: $MXHOME_PODMAN_BOX_LOG; the test runner waits for it)"
else
  step "podman box (background job)"
  box_rc=0; wait "$box_pid" || box_rc=$?
  cat "$box_log"; rm -f "$box_log"
  ((box_rc == 0)) || { echo "provision: the podman box failed to build (exit $box_rc)" >&2; exit 1; }
fi

# After every install step: CI may run with umask 077. Not the podman box:
# its archive keeps the box's own owners and modes (root-only 0600 file).
find "$CACHE" -path "$CACHE/podman-box" -prune -o -exec chmod a+rX {} +

# --- 5. Verify, as the test user where it matters ------------------------------
step "verify"
t=$(mktemp -d); chmod 755 "$t"; chown "$MXTEST_USER:" "$t"
trap 'as_mxtest "$PG_BIN/pg_ctl" -D "$t/pg" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$t"' EXIT

# quadlet: dry-run a unit using 4.5+/5.0 keys; an unknown key would fail.
mkdir "$t/units"
cat >"$t/units/smoke.container" <<'EOF'
[Container]
Image=docker.io/library/postgres:16-alpine
Secret=pg,type=env,target=PGPASSWORD
HealthCmd=pg_isready
Notify=healthy
[Install]
WantedBy=default.target
EOF
chmod -R a+rX "$t/units"
gen=$(as_mxtest env QUADLET_UNIT_DIRS="$t/units" "$CACHE/quadlet/quadlet" -dryrun -user 2>"$t/quadlet.err") ||
  { cat "$t/quadlet.err" >&2; echo "provision: quadlet dry-run failed" >&2; exit 1; }
[[ $gen == *"--secret pg,type=env,target=PGPASSWORD"* ]] ||
  { echo "$gen" >&2; echo "provision: quadlet dry-run output unexpected" >&2; exit 1; }
echo "quadlet dry-run ok"

# PostgreSQL: a throwaway cluster as mxtest, loopback port + socket in /tmp.
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_mxtest "$PG_BIN/initdb" -D "$t/pg" -U postgres -A trust --no-sync \
  --encoding=UTF8 --locale=C >/dev/null
as_mxtest "$PG_BIN/pg_ctl" -D "$t/pg" -l "$t/pg.log" -w -s \
  -o "-p $port -k $t -c listen_addresses=127.0.0.1" start
as_mxtest "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -XAtqc 'select 1' >/dev/null
as_mxtest "$PG_BIN/pg_ctl" -D "$t/pg" -w -s -m fast stop
echo "postgres cluster as $MXTEST_USER ok (port $port)"

as_mxtest "$VENV/bin/python" -m synapse.app.homeserver --help >/dev/null
echo "synapse as $MXTEST_USER ok"
caddy_v=$(as_mxtest caddy version); echo "caddy as $MXTEST_USER ok"
redis_v=$(as_mxtest redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p'); echo "redis-server as $MXTEST_USER ok"
systemd-analyze calendar daily >/dev/null; echo "systemd-analyze ok"

# arm64: cross-compile a tiny binary and run it under qemu as mxtest.
# Cross targets need bun's runtime for that target (~100 MB, fetched from the
# npm registry into the install cache). Keep it in .cache/bun-cache: the
# suite runs with a throwaway HOME, so bun's default ~/.bun cache would be
# refetched on every run; a read-only pre-filled BUN_INSTALL_CACHE_DIR works.
# Needs node_modules (npm ci).
if [[ -x $BUN ]]; then
  bun_v=$("$BUN" --version)
  echo 'console.log(`arm64-ok ${process.arch}`)' >"$t/a.ts"
  BUN_INSTALL_CACHE_DIR=$CACHE/bun-cache "$BUN" build --compile \
    --target=bun-linux-arm64 "$t/a.ts" --outfile "$t/a-arm64" >/dev/null
  chmod -R a+rX "$CACHE/bun-cache" "$t"
  out=$(as_mxtest qemu-aarch64-static -L /usr/aarch64-linux-gnu "$t/a-arm64")
  [[ $out == "arm64-ok arm64" ]] || { echo "provision: arm64 run printed: $out" >&2; exit 1; }
  echo "arm64 binary under qemu as $MXTEST_USER ok"
else
  bun_v="not installed (run npm ci)"
  echo "arm64 check skipped: $BUN missing (run npm ci first)"
fi

# Paths for tests and humans; plain KEY=VALUE, sourceable by sh.
cat >"$CACHE/provisioned.env" <<EOF
MXTEST_USER=$MXTEST_USER
SYNAPSE_PYTHON=$VENV/bin/python
SYNAPSE_VERSION=$SYNAPSE_VERSION
SYNAPSE_WHEELS=$WHEELS
SYNAPSE_WHEELS_OLDER=$OLDER_WHEELS
PG_BIN=$PG_BIN
QUADLET=$CACHE/quadlet/quadlet
CADDY=$(command -v caddy)
REDIS_SERVER=$(command -v redis-server)
QEMU_AARCH64="qemu-aarch64-static -L /usr/aarch64-linux-gnu"
BUN_INSTALL_CACHE_DIR=$CACHE/bun-cache
PODMAN_BOX=$(ls "$CACHE"/podman-box/*/box.tar 2>/dev/null | head -n1)
EOF
chmod a+r "$CACHE/provisioned.env"

pg_v=$("$PG_BIN/postgres" --version | awk '{print $3}')
echo
echo "provisioned: synapse $SYNAPSE_VERSION | postgres $pg_v | caddy ${caddy_v%% *} | redis $redis_v | quadlet from podman $(cat "$CACHE/quadlet/VERSION") | bun $bun_v"
