#!/usr/bin/env bash
# build-cpython.sh -- build CPython 3.13 (with the GIL) and/or 3.13t (free
# threaded, PEP 703) from Debian's source package, for the python strategies
# that need them (python-subinterpreter-pool: 3.12+; python-nogil: 3.13t).
#
#   scripts/build-cpython.sh [3.13|3.13t]...     (default: both)
#
# Debian 12 ships CPython 3.11 only. The source comes from Debian 13's
# (trixie) python3.13 source package, fetched with apt-get through a private
# apt state folder (this machine's apt configuration is left alone): the
# upstream tarball of that package, built with --prefix into a cache, without
# Debian's patches (they move the install layout to Debian's, which a private
# prefix does not want). Cached: a prefix whose stamp names the same source
# version is not rebuilt. Prints the interpreter's path for each flavour.
#
# Environment: AKT_CPYTHON_CACHE (default ~/.cache/akt/cpython),
# AKT_CPYTHON_JOBS (default 2: the shared machines have two cores).
set -euo pipefail

cache="${AKT_CPYTHON_CACHE:-$HOME/.cache/akt/cpython}"
jobs="${AKT_CPYTHON_JOBS:-2}"
flavours=("$@")
[ ${#flavours[@]} -eq 0 ] && flavours=(3.13 3.13t)
for f in "${flavours[@]}"; do
  case "$f" in 3.13|3.13t) ;; *) echo "build-cpython.sh: unknown flavour '$f' (expected 3.13 or 3.13t)" >&2; exit 2 ;; esac
done
mkdir -p "$cache"

apt_dir="$cache/apt"
src_dir="$cache/src"
aptopts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=-"
         -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
         -o "APT::Get::List-Cleanup=0")

fetch_source() {
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$src_dir"
  echo "deb-src http://deb.debian.org/debian trixie main" >"$apt_dir/sources.list"
  if ! ls "$apt_dir"/lists/*Sources* >/dev/null 2>&1; then
    apt-get "${aptopts[@]}" update -qq >&2
  fi
  local ver
  ver=$(apt-cache "${aptopts[@]}" showsrc python3.13 | sed -n 's/^Version: //p' | head -1)
  [ -n "$ver" ] || { echo "build-cpython.sh: no python3.13 source package found in trixie" >&2; exit 1; }
  local up=${ver%%-*}
  if [ ! -f "$src_dir/python3.13_${up}.orig.tar.xz" ]; then
    (cd "$src_dir" && apt-get "${aptopts[@]}" source --download-only "python3.13=$ver" >&2)
  fi
  echo "$up"
}

build_one() {
  local flavour=$1 up=$2
  local prefix="$cache/$flavour" stamp="$cache/$flavour/.akt-stamp"
  local want="python3.13 $up $flavour"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "build-cpython.sh: $flavour cached in $prefix" >&2
    return
  fi
  local work="$cache/build-$flavour"
  rm -rf "$work" "$prefix"
  mkdir -p "$work"
  tar -xJf "$src_dir/python3.13_${up}.orig.tar.xz" -C "$work" --strip-components=1
  local extra=()
  [ "$flavour" = 3.13t ] && extra+=(--disable-gil)
  (cd "$work" && ./configure -q --prefix="$prefix" --with-ensurepip=install "${extra[@]}" >&2 \
     && nice -n 10 make -s -j"$jobs" >&2 && make -s install >&2)
  rm -rf "$work"
  echo "$want" >"$stamp"
}

up=$(fetch_source)
for f in "${flavours[@]}"; do
  build_one "$f" "$up"
  if [ "$f" = 3.13t ]; then echo "$cache/$f/bin/python3.13t"; else echo "$cache/$f/bin/python3.13"; fi
done
