#!/bin/sh
# run_pytest.sh PYTHON PKGDIR HELPERDIR SRCDIR VENV [pytest args...]
# Runs tests/python with PYTHON, the akt package in PKGDIR and the helper
# extension in HELPERDIR. When PYTHON lacks pytest, pytest-asyncio,
# pytest-timeout or mypy (the generated stubs are type-checked), they are
# pip-installed once into VENV (--system-site-packages); if that is
# impossible (offline, no venv module) the test skips with exit 77.
set -u
py=$1 pkgdir=$2 helperdir=$3 srcdir=$4 venv=$5
shift 5
need="import pytest, pytest_asyncio, pytest_timeout, mypy"
if ! "$py" -c "$need" 2>/dev/null; then
  if ! [ -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "$need" 2>/dev/null; then
    echo "run_pytest: $py lacks pytest/pytest-asyncio/pytest-timeout/mypy; installing them into $venv"
    if ! { "$py" -m venv --system-site-packages "$venv" \
           && "$venv/bin/python" -m pip install -q --disable-pip-version-check \
                pytest pytest-asyncio pytest-timeout mypy; }; then
      echo "SKIP: cannot install pytest into $venv (offline? run scripts/deps.sh)"
      exit 77
    fi
  fi
  py=$venv/bin/python
fi
PYTHONPATH="$pkgdir:$helperdir:$srcdir/helper${PYTHONPATH:+:$PYTHONPATH}" \
  exec "$py" -X faulthandler -m pytest -p no:cacheprovider -c "$srcdir/pytest.ini" \
    --rootdir "$srcdir" "$srcdir" "$@"
