#!/bin/sh
# pg_server.sh start DIR [tcp] | stop DIR | pause DIR | resume DIR -- a
# throwaway PostgreSQL server
# for the persistence tests and the bench: initdb into DIR/data, started on
# a Unix socket in DIR (and, with `tcp`, on 127.0.0.1 at a free port),
# trust authentication, role akt. The connection string goes to
# DIR/conninfo (and DIR/conninfo.tcp). PostgreSQL refuses to run as root:
# under root (CI) the server runs as the unprivileged user `nobody`
# (runuser, or setpriv). Exit status 77 (a CTest skip), with the reason on
# stderr, when the server binaries are not installed (Debian's postgresql
# package; scripts/deps.sh installs it).
set -eu
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start DIR [tcp] | stop DIR" >&2; exit 2; }

bindir=""
for d in "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/*/bin; do
  if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/postgres" ] && [ -x "$d/pg_ctl" ]; then
    bindir=$d
    break
  fi
done

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    if command -v runuser >/dev/null 2>&1; then
      runuser -u nobody -- "$@"
    else
      setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
    fi
  else
    "$@"
  fi
}

case $cmd in
start)
  if [ -z "$bindir" ]; then
    echo "pg_server.sh: SKIP: no PostgreSQL server binaries (initdb, postgres, pg_ctl) found; install Debian's postgresql package (scripts/deps.sh)" >&2
    exit 77
  fi
  mkdir -p "$dir"
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown nobody "$dir"
  as_owner "$bindir/initdb" -D "$dir/data" -U akt --auth=trust -E UTF8 \
    --locale=C --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  listen="''"
  port=5432
  if [ "${3:-}" = tcp ]; then
    listen="'127.0.0.1'"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  fi
  # in postgresql.conf, so `resume` starts the same server again
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = $listen
port = $port
unix_socket_directories = '$dir'
max_connections = 100
fsync = on
synchronous_commit = on
CONF
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  echo "host=$dir port=$port user=akt dbname=postgres" >"$dir/conninfo"
  if [ "${3:-}" = tcp ]; then
    echo "host=127.0.0.1 port=$port user=akt dbname=postgres" >"$dir/conninfo.tcp"
  fi
  ;;
pause)
  # an abrupt stop (no checkpoint, clients cut off); the data stays
  as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
  ;;
resume)
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  ;;
stop)
  if [ -n "$bindir" ] && [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start DIR [tcp] | stop DIR" >&2
  exit 2
  ;;
esac
