#!/usr/bin/env bash
# check_layering.sh SRC_DIR OBJ... -- the layering of libakt, checked on
# the built objects so it cannot erode:
#  1. no object of runtime/src/core/ references a symbol that an object of
#     kit/, remote/, persist/, cluster/ or gpu/ defines (the core reaches
#     them only through const tables: akti_plugin_ops, akti_ext_ops);
#  2. no object of codec/, config/ or types/ references a symbol of core/
#     other than the narrow ones in core/ext.h... checked by includes:
#     only core/ and kit/ include core/core.h (the private header);
#  3. no file of core/ includes a header of those upper subsystems.
# Prints every violation; exit 1 when there is one.
set -euo pipefail
src=$1
shift
# CTest passes $<TARGET_OBJECTS:...> as one ;-separated argument
IFS=';' read -r -a objs <<< "$*"
core=() upper=()
for o in "${objs[@]}"; do
  o=${o# }
  case "$o" in
    */src/core/*) core+=("$o") ;;
    */src/kit/* | */src/remote/* | */src/persist/* | */src/cluster/* | */src/gpu/*) upper+=("$o") ;;
  esac
done
[ ${#core[@]} -gt 0 ] || { echo "no core objects among the arguments" >&2; exit 1; }
[ ${#upper[@]} -gt 0 ] || { echo "no kit/remote objects among the arguments" >&2; exit 1; }
bad=0
defined=$(nm --defined-only "${upper[@]}" | awk 'NF == 3 && $2 ~ /[TDRBV]/ { print $3 }' | sort -u)
for o in "${core[@]}"; do
  used=$(nm -u "$o" | awk '{ print $2 }' | sort -u)
  hits=$(comm -12 <(echo "$defined") <(echo "$used") || true)
  if [ -n "$hits" ]; then
    echo "layering: core object $(basename "$o") references an upper subsystem's symbols:" $hits
    bad=1
  fi
done
hits=$(grep -rln '#include "core/core.h"' "$src/runtime/src" --include='*.c' --include='*.h' \
  | grep -v -e '/src/core/' -e '/src/kit/' || true)
if [ -n "$hits" ]; then
  echo "layering: core's private header core/core.h is included outside core/ and kit/:" $hits
  bad=1
fi
hits=$(grep -rlE '#include "(kit|remote|persist|cluster|gpu)/' "$src/runtime/src/core" || true)
if [ -n "$hits" ]; then
  echo "layering: core includes an upper subsystem's header:" $hits
  bad=1
fi
if [ $bad = 0 ]; then
  echo "layering: ${#core[@]} core objects reference none of the $(echo "$defined" | wc -l) symbols of ${#upper[@]} kit/remote objects; includes clean"
fi
exit $bad
