# shellcheck shell=bash
# Sourced by scripts/provision-test-env.sh (and usable by hand):
#   . scripts/lib-test-user.sh; as_mxtest id
#
# PostgreSQL's server binaries and mxhome itself both refuse to run as root,
# while CI runs as root. End-to-end processes therefore run as this
# unprivileged user.
MXTEST_USER=${MXTEST_USER:-mxtest}

# as_mxtest CMD...  — run CMD as $MXTEST_USER.
# --reset-env gives the user's own HOME/USER/PATH instead of root's (tools
# like initdb and pip look at HOME); `cd /tmp` because root's cwd (often
# /root) is unreadable for the user and initdb/pg_ctl complain about it.
as_mxtest() {
  (cd /tmp && setpriv --reuid="$MXTEST_USER" --regid="$MXTEST_USER" --init-groups --reset-env -- "$@")
}

# ensure_mxtest_user — create the user once (system account, real home,
# bash shell so `runuser -l` / interactive debugging work).
ensure_mxtest_user() {
  id -u "$MXTEST_USER" >/dev/null 2>&1 ||
    useradd --system --create-home --shell /bin/bash "$MXTEST_USER"
}

# make_traversable DIR — give "others" search (x) permission on DIR and
# every ancestor, so $MXTEST_USER can reach files below DIR (e.g. the
# checkout's .cache when CI clones under a 0700 directory such as /root).
# Only x is added: directory listings stay private.
make_traversable() {
  local d
  d=$(realpath "$1")
  while :; do
    [[ $(( 0$(stat -c %a "$d") & 1 )) -eq 1 ]] || chmod o+x "$d"
    [[ $d == / ]] && break
    d=$(dirname "$d")
  done
}
