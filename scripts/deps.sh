#!/usr/bin/env bash
# deps.sh -- install the Debian 12 packages akt needs, only those missing.
# Runs apt-get as root directly, or through sudo when not root.
# PostgreSQL: libpq-dev builds the journal plug-in; the server package
# (postgresql) is what the persistence tests and the bench start, as a
# throwaway instance (tests/persist/pg_server.sh), never as a service.
# Python: the tests use Debian's pytest, pytest-asyncio and pytest-timeout
# for /usr/bin/python3; with another python3 first on PATH,
# tests/python/run_pytest.sh pip-installs them into a venv in the build
# folder instead (python3-venv). `pip install .` fetches scikit-build-core
# from PyPI. python3-pykka: the Python profiler measures Pykka beside akt.
# iproute2, nftables: the cluster's network-namespace lab
# (tests/cluster/lab), which runs as root and cuts links with nft.
# etcd-server: the lease tests start a throwaway etcd (never the service).
# valgrind: remote_valgrind runs a remote server and client under memcheck
# (tests/remote/valgrind_chat.sh; skipped without it).
set -euo pipefail

pkgs=(build-essential cmake pkg-config flex bison
      libnng-dev liblmdb-dev libmsgpack-dev libprotobuf-c-dev protobuf-c-compiler
      check python3 python3-dev python3-pykka clang clang-format-15 libclang-rt-14-dev openssl
      libpq-dev postgresql iproute2 nftables etcd-server valgrind)
[ "${AKT_WITH_PEERS:-0}" = 1 ] && pkgs+=(libcaf-dev erlang-nox)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps.sh: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "deps.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
