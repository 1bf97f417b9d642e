#!/bin/sh
# same_checksum.sh PARTICLES AKT_GPU_LIB [N STEPS] -- the particles program
# on the CPU (placement cpu) and on the GPU dispatcher (placement gpu; the
# CPU batch executor stands in for a device unless AKT_akt__gpu__executor,
# the environment override of akt.gpu.executor, says cuda) prints the same checksum. Exit 77 (skipped) when the GPU run finds
# no usable device.
set -eu
bin=$1
export AKT_GPU_LIB=$2
n=${3:-20000}
steps=${4:-5}
cpu=$("$bin" --n "$n" --steps "$steps" --placement cpu)
if ! gpu=$(AKT_akt__gpu__executor=${AKT_akt__gpu__executor:-cpu} "$bin" --n "$n" --steps "$steps" --placement gpu 2>&1); then
  echo "$gpu" | tail -n 3
  if echo "$gpu" | grep -q "spawn on gpu: ENOTSUP"; then
    echo "SKIP: no usable device for placement gpu"
    exit 77
  fi
  exit 1
fi
echo "$cpu"
echo "$gpu"
a=$(echo "$cpu" | sed -n 's/^checksum \([0-9a-f]*\).*/\1/p')
b=$(echo "$gpu" | sed -n 's/^checksum \([0-9a-f]*\).*/\1/p')
[ -n "$a" ] || { echo "no checksum on the CPU"; exit 1; }
if [ "$a" = "$b" ]; then
  echo "same checksum: $a"
else
  echo "checksums differ: cpu $a, gpu $b"
  exit 1
fi
