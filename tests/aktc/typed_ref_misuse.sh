#!/bin/sh
# typed_ref_misuse.sh CC SOURCE_ROOT -- the typed refs of generated code
# turn sending to the wrong kind of actor into a compile error: the golden
# greeter.akt.h and door.akt.h (tests/aktc/ok/expected), a Greeter's tell
# given a Greeter ref compiles (the control), given a Door ref or a bare
# akt_ref does not.
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

akt_err send_hello(akt_ref r);

akt_err
send_hello(akt_ref r)
{
#if defined(RIGHT_KIND)
    demo_GreeterRef to = demo_greeter_ref(r);
#elif defined(DOOR_REF)
    fsmdemo_DoorRef to = fsmdemo_door_ref(r);
#else
    akt_ref to = r;
#endif
    return demo_greeter_tell_hello(to, demo_hello_new("x"));
}
C
flags="-std=c11 -Wall -Wextra -Werror -fsyntax-only -I$root/runtime/include -I$exp"
if ! "$cc" $flags -DRIGHT_KIND "$work/misuse.c"; then
    echo "FAIL: a Greeter ref to a Greeter's tell does not compile"
    exit 1
fi
failed=0
for case in DOOR_REF BARE_REF; do
    if "$cc" $flags -D$case "$work/misuse.c" >"$work/out" 2>&1; then
        echo "FAIL: $case: a Greeter's tell took it"
        failed=1
    elif ! grep -q 'demo_greeter_tell_hello' "$work/out"; then
        echo "FAIL: $case: failed, but not at the tell:"
        cat "$work/out"
        failed=1
    else
        echo "ok: $case rejected"
    fi
done
exit $failed
