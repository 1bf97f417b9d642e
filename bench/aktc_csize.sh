#!/usr/bin/env bash
# aktc_csize.sh -- how much C aktc writes for a big .akt file and what
# compiling it costs, for one or more aktc builds in the same run (say the
# aktc before and after a change to the C emitter).
#
#   bench/aktc_csize.sh [-n MESSAGES] [-s SHAPE] [-c 0|1] NAME=AKTC:INCLUDE ...
#
#   NAME     a label for the JSON ("before", "after")
#   AKTC     the aktc binary
#   INCLUDE  the runtime/include directory of the libakt that aktc's output
#            is compiled against (its akt_gen.h must have the same ABI)
#   -n       messages in the generated file (default 10000)
#   -s       shape of each message (default rich):
#              speed  the file bench/aktc_speed.c generates: five fields
#                     (uint64, string with a default, optional int32,
#                     list<float64>, an enum), two doc comments
#              rich   eight fields (also a map, an optional message, bytes),
#                     a two-line doc comment on the message and one on every
#                     field: about 590 bytes of .akt per message
#              nodoc  speed without any doc comment (per-message C cost)
#   -c       1 (default): also time `gcc -O2 -c` of the generated .c
#
# Prints one JSON object per aktc: input bytes, .c and .h bytes, .c bytes
# per message, aktc seconds, gcc -O2 -c wall and CPU (user + sys) seconds
# and peak memory (KiB, from /usr/bin/time); on a shared machine compare
# the CPU seconds. Everything runs in a fresh temporary directory.
set -euo pipefail

n=10000
shape=rich
compile=1
while getopts "n:s:c:" opt; do
  case $opt in
    n) n=$OPTARG ;;
    s) shape=$OPTARG ;;
    c) compile=$OPTARG ;;
    *) sed -n '2,27p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n '2,27p' "$0"; exit 2; }

work=$(mktemp -d /tmp/aktc_csize.XXXXXX)
trap 'rm -rf "$work"' EXIT
akt="$work/big.akt"

# The schema: awk writes it in one pass (10,000 messages in a moment).
awk -v n="$n" -v shape="$shape" 'BEGIN {
  doc = shape != "nodoc"
  if (doc) print "/// A generated schema for bench/aktc_csize.sh."
  print "package bench.big;\n"
  print "enum Kind {\n    A = 0;\n    B = 1;\n    C = 2;\n}\n"
  for (i = 0; i < n; i++) {
    if (shape == "rich") {
      printf "/// Message number %d: one record of the generated schema that the C\n", i
      printf "/// size benchmark compiles; every field below has a doc comment too.\n"
      printf "message M%d {\n", i
      printf "    /// the key of the record\n    uint64 id = 1;\n"
      printf "    /// a display name, with a default\n    string name = 2 [default = \"m%d\"];\n", i
      printf "    /// how many, when it is known\n    optional int32 count = 3;\n"
      printf "    /// the samples, in the order taken\n    list<float64> values = 4;\n"
      printf "    /// what kind of record it is\n    Kind kind = 5;\n"
      printf "    /// labels, each with a weight\n    map<string, int64> tags = 6;\n"
      printf "    /// the record this one came from\n    optional M%d parent = 7;\n", (i > 0 ? i - 1 : 0)
      printf "    /// an opaque payload\n    bytes blob = 8;\n}\n\n"
    } else {
      if (doc) printf "/// Message number %d.\n", i
      printf "message M%d {\n", i
      if (doc) printf "    /// an id\n"
      printf "    uint64 id = 1;\n    string name = 2 [default = \"m%d\"];\n", i
      printf "    optional int32 count = 3;\n    list<float64> values = 4;\n"
      printf "    Kind kind = 5;\n}\n\n"
    }
  }
  print "actor Sink {"
  for (i = 0; i < n; i += 10) printf "    on M%d;\n", i
  print "}"
}' > "$akt"
in_bytes=$(stat -c %s "$akt")

for spec in "$@"; do
  name=${spec%%=*}
  rest=${spec#*=}
  aktc=${rest%%:*}
  inc=${rest#*:}
  out="$work/$name"
  mkdir -p "$out"
  t0=$(date +%s.%N)
  "$aktc" --c_out "$out" "$akt"
  t1=$(date +%s.%N)
  c_bytes=$(stat -c %s "$out/big.akt.c")
  h_bytes=$(stat -c %s "$out/big.akt.h")
  gcc_s=null
  gcc_cpu=null
  gcc_kib=null
  if [ "$compile" = 1 ]; then
    /usr/bin/time -f "%e %U %S %M" -o "$out/time" \
      gcc -std=c11 -O2 -c "$out/big.akt.c" -o "$out/big.o" -I"$inc" -I"$out"
    read -r gcc_s gcc_user gcc_sys gcc_kib < "$out/time"
    gcc_cpu=$(echo "$gcc_user + $gcc_sys" | bc)
  fi
  printf '{"bench": "aktc_csize", "name": "%s", "shape": "%s", "messages": %d, ' \
    "$name" "$shape" "$n"
  printf '"akt_bytes": %d, "c_bytes": %d, "h_bytes": %d, "c_and_h_bytes": %d, ' \
    "$in_bytes" "$c_bytes" "$h_bytes" $((c_bytes + h_bytes))
  printf '"c_bytes_per_message": %d, "aktc_s": %.2f, "gcc_O2_c_s": %s, ' \
    $((c_bytes / n)) "$(echo "$t1 - $t0" | bc)" "$gcc_s"
  printf '"gcc_O2_c_cpu_s": %s, "gcc_peak_kib": %s}\n' "$gcc_cpu" "$gcc_kib"
done
