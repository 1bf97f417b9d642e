#!/bin/sh
# typed_ref_misuse.sh CC SOURCE_ROOT -- the typed API of generated code
# (since ABI 7 written by akt/akt_gen.h's AKT_MESSAGE / AKT_TELL macros)
# turns a wrong actor or message type into a compile error, in C11 and,
# where g++ / clang++ are installed, in C++17: with the golden
# greeter.akt.h and door.akt.h (tests/aktc/ok/expected), a Greeter's tell
# given a Greeter ref and a Hello compiles (the control); given a Door ref,
# a bare akt_ref or a Greeting instead of a Hello it does not, nor does
# decoding a Hello into a Greeting or keeping a new Hello as a Greeting.
set -u
cc=$1
root=$2
exp=$root/tests/aktc/ok/expected
work=${TMPDIR:-/tmp}/akt-typed-ref-$$
mkdir -p "$work" || exit 2
trap 'rm -rf "$work"' EXIT
cat >"$work/misuse.c" <<'C'
#include "door.akt.h"
#include "greeter.akt.h"

akt_err send_hello(akt_ref r, const void *data, size_t len);

akt_err
send_hello(akt_ref r, const void *data, size_t len)
{
#if defined(DOOR_REF)
    fsmdemo_DoorRef to = fsmdemo_door_ref(r);
#elif defined(BARE_REF)
    akt_ref to = r;
#else
    demo_GreeterRef to = demo_greeter_ref(r);
#endif
#if defined(WRONG_MSG)
    return demo_greeter_tell_hello(to, demo_greeting_new("x"));
#elif defined(WRONG_DECODE)
    demo_Greeting *g = NULL;
    (void)to;
    return demo_hello_decode(data, len, NULL, &g);
#elif defined(WRONG_NEW)
    demo_Greeting *g = demo_hello_new("x");
    (void)to;
    (void)data;
    (void)len;
    akt_msg_free(g);
    return AKT_OK;
#else
    (void)data;
    (void)len;
    return demo_greeter_tell_hello(to, demo_hello_new("x"));
#endif
}
C
# case and what its error must name
cases="DOOR_REF:demo_greeter_tell_hello BARE_REF:demo_greeter_tell_hello
WRONG_MSG:demo_greeter_tell_hello WRONG_DECODE:demo_hello_decode
WRONG_NEW:demo_Greeting"
failed=0
for comp in "$cc -std=c11" "g++ -x c++ -std=c++17" "clang++ -x c++ -std=c++17"; do
    bin=${comp%% *}
    if ! command -v "$bin" >/dev/null 2>&1; then
        echo "skip: $bin not installed"
        continue
    fi
    flags="-Wall -Wextra -Werror -fsyntax-only -I$root/runtime/include -I$exp"
    if ! $comp $flags "$work/misuse.c"; then
        echo "FAIL: $comp: a Greeter ref and a Hello to a Greeter's tell do not compile"
        failed=1
        continue
    fi
    for c in $cases; do
        case=${c%%:*}
        name=${c#*:}
        if $comp $flags -D$case "$work/misuse.c" >"$work/out" 2>&1; then
            echo "FAIL: $comp: $case compiled"
            failed=1
        elif ! grep -q "$name" "$work/out"; then
            echo "FAIL: $comp: $case failed, but not naming $name:"
            cat "$work/out"
            failed=1
        else
            echo "ok: $comp: $case rejected"
        fi
    done
done
exit $failed
