#!/opt/synapse/bin/python
"""Stand-in for the official Synapse image's /start.py (element-hq/synapse,
docker/start.py), run mode only: `/start.py run ARGS` runs
`python -m synapse.app.homeserver ARGS`; started as root it drops to
UID:GID (default 991:991) first, as upstream does with gosu."""
import os
import sys

mode = sys.argv[1] if len(sys.argv) > 1 else "run"
if mode != "run":
    sys.exit(f"stand-in start.py: only 'run' is imitated, not {mode!r}")
args = sys.argv[2:]
if "-m" not in args:
    args = ["-m", os.environ.get("SYNAPSE_WORKER", "synapse.app.homeserver"), *args]
args = [sys.executable, *args]
if os.getuid() == 0:
    ownership = f"{os.environ.get('UID', '991')}:{os.environ.get('GID', '991')}"
    uid, gid = ownership.split(":")
    args = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", *args]
os.execvp(args[0], args)
