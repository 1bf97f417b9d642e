#!/bin/sh
# compile_headers.sh cxx|clang SOURCE_ROOT -- compile the golden generated
# files (tests/aktc/ok/expected) with compilers other than the build's,
# under -Wall -Wextra -Wpedantic -Werror:
#   cxx    each header included from C++17 (users include them from C++),
#          by g++ and by clang++
#   clang  each header included from C11, and each .akt.c (and the
#          --c_docs text.akt.docs.c), by clang
# Exit 77 (CTest: skipped) when none of those compilers is installed.
set -u
mode=$1
root=$2
exp=$root/tests/aktc/ok/expected
flags="-Wall -Wextra -Wpedantic -Werror -fsyntax-only -I$root/runtime/include -I$exp"
case $mode in
cxx) compilers="g++ clang++" std="-x c++ -std=c++17" ;;
clang) compilers="clang" std="-x c -std=c11" ;;
*) echo "usage: $0 cxx|clang SOURCE_ROOT" >&2; exit 2 ;;
esac
# from the folder itself, so "x.akt.h" cannot resolve to a stray copy
cd "$exp" || exit 2
ran=0 failed=0
for cc in $compilers; do
    if ! command -v "$cc" >/dev/null 2>&1; then
        echo "$cc: not installed, skipped"
        continue
    fi
    ran=1
    for h in "$exp"/*.akt.h; do
        # included, as users do: a header compiled on its own would warn
        # about every unused static inline function in it
        if ! printf '#include "%s"\n' "$(basename "$h")" \
            | "$cc" $std $flags -; then
            echo "FAIL: $cc $std: #include \"$(basename "$h")\""
            failed=1
        fi
    done
    if [ "$mode" = clang ]; then
        for c in "$exp"/*.akt.c "$exp"/*.docs.c; do
            if ! "$cc" $std $flags "$c"; then
                echo "FAIL: $cc $std: $(basename "$c")"
                failed=1
            fi
        done
    fi
done
if [ $ran = 0 ]; then
    echo "none of $compilers is installed: skipped"
    exit 77
fi
exit $failed
