#!/bin/sh
# pip_install.sh PYTHON SRCDIR WORKDIR -- `pip install SRCDIR` into a fresh
# venv under WORKDIR (scikit-build-core from PyPI, a full build of libakt
# and akt._core), then run the seed's quick start with it from outside the
# source tree. Exit 77 when no venv can be made or PyPI is unreachable.
set -eu
py=$1 src=$2 work=$3
rm -rf "$work"
"$py" -m venv "$work/venv" || { echo "SKIP: $py -m venv failed (python3-venv)"; exit 77; }
"$work/venv/bin/python" -m pip install -q --disable-pip-version-check "$src" || {
  rc=$?
  if ! "$work/venv/bin/python" -m pip download -q --no-deps -d "$work/probe" scikit-build-core >/dev/null 2>&1; then
    echo "SKIP: PyPI unreachable"; exit 77
  fi
  exit $rc
}
cd "$work"
"$work/venv/bin/python" - <<'PY'
from akt import Actor, ActorSystem, props
class Greeter(Actor):
    async def handle(self, ctx, msg):
        return f"hello, {msg}"
system = ActorSystem.create_blocking("app")
ref = system.actor_of(props(Greeter), "greeter")
r = ref.ask_blocking("world", timeout=5.0)
print(r)
assert r == "hello, world"
system.terminate_blocking()
import akt, os
print("installed at", os.path.dirname(akt.__file__))
PY
