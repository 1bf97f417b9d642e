"""aktc --decode / --encode (aktc/wire.c; docs/encoding.md, "aktc --decode").

usage: wire_test.py <aktc> <source dir>

Round trips a document of every field kind (tests/aktc/wire/nested.json,
type corpus.all.Nested of tests/aktc/ok/alltypes.akt) through --encode and
--decode; decodes every cross-language vector (tests/vectors: the bytes the
C encoder produced) and compares with its expected value or error, and
re-encodes the canonical ones to the same bytes; checks the exact error
text for truncated bytes, an unknown field name, an out-of-range value and
an unknown type name.
"""
import json
import os
import struct
import subprocess
import sys

AKTC, SRC = sys.argv[1], sys.argv[2]
OK = os.path.join(SRC, "tests", "aktc", "ok")
ALLTYPES = ["-I", OK, os.path.join(OK, "alltypes.akt")]
VEC = os.path.join(SRC, "tests", "vectors")
VECTORS = [os.path.join(VEC, "vectors.akt")]
failures = []


def run(args, data):
    p = subprocess.run([AKTC] + args, input=data, capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode()


def check(name, cond, detail=""):
    if not cond:
        failures.append(name + (": " + detail if detail else ""))


def hex_bytes(path):
    text = "".join(line.split("#", 1)[0] for line in open(path))
    return bytes.fromhex("".join(text.split()))


def same(want, got):
    """JSON equality; a float compares after rounding to float32 when the
    vector's float32 field would (both sides go through the same rounding,
    so float64 values stay exact)."""
    if isinstance(want, dict) and isinstance(got, dict):
        return want.keys() == got.keys() and all(
            same(want[k], got[k]) for k in want)
    if isinstance(want, list) and isinstance(got, list):
        return len(want) == len(got) and all(
            same(a, b) for a, b in zip(want, got))
    if isinstance(want, float) or isinstance(got, float):
        if isinstance(want, bool) or isinstance(got, bool):
            return False
        f32 = lambda x: struct.unpack("f", struct.pack("f", x))[0]
        return want == got or f32(want) == f32(got)
    return type(want) is type(got) and want == got


# 1. every kind: encode, decode, compare
doc = open(os.path.join(SRC, "tests", "aktc", "wire", "nested.json"), "rb").read()
rc, wire, err = run(["--encode=corpus.all.Nested"] + ALLTYPES, doc)
check("nested encode", rc == 0 and err == "", err)
rc, out, err = run(["--decode=corpus.all.Nested"] + ALLTYPES, wire)
check("nested decode", rc == 0 and err == "", err)
if rc == 0:
    check("nested round trip", json.loads(out) == json.loads(doc), out.decode())
    rc, wire2, err = run(["--encode=corpus.all.Nested"] + ALLTYPES, out)
    check("nested re-encode", rc == 0 and wire2 == wire, err)

# 2. the cross-language vectors
for name in sorted(os.listdir(VEC)):
    if not name.endswith(".json"):
        continue
    v = json.load(open(os.path.join(VEC, name)))
    data = hex_bytes(os.path.join(VEC, v["hex"]))
    rc, out, err = run(["--decode=" + v["type"]] + VECTORS, data)
    if "error" in v:
        want = "aktc: decode error: %s: " % v["error"]
        check(name, rc == 1 and out == b"" and err.startswith(want), err)
        continue
    check(name + " decode", rc == 0 and err == "", err)
    if rc != 0:
        continue
    got = json.loads(out)
    check(name + " value", same(v["value"], got), out.decode())
    if v.get("canonical"):
        rc, again, err = run(["--encode=" + v["type"]] + VECTORS, out)
        check(name + " canonical", rc == 0 and again == data, err)

# 3. exact error texts
ERRORS = [
    ("truncated", ["--decode=testvec.Scalars"],
     hex_bytes(os.path.join(VEC, "bad_truncated.hex")),
     "aktc: decode error: EPROTO: malformed or corrupt data\n"),
    ("unknown field", ["--encode=testvec.Scalars"], b'{"flag": true, "nope": 1}',
     "aktc: encode error: EINVAL: testvec.Scalars has no field 'nope'\n"),
    ("out of range", ["--encode=testvec.Scalars"], b'{"i8": 128}',
     "aktc: encode error: ERANGE: field 'i8': value out of range\n"),
    ("list item out of range", ["--encode=testvec.Containers"],
     b'{"ints": [1, -2147483649]}',
     "aktc: encode error: ERANGE: field 'ints': value out of range\n"),
    ("bad JSON", ["--encode=testvec.Scalars"], b'{"text": "a"',
     "aktc: encode error: ESYNTAX: expected ',' or '}' at byte 12\n"),
    ("unknown type (decode)", ["--decode=testvec.Nope"], b"\x80",
     "aktc: no message type 'testvec.Nope' in the given files\n"),
    ("unknown type (encode)", ["--encode=testvec.Nope"], b"{}",
     "aktc: no message type 'testvec.Nope' in the given files\n"),
]
for name, args, data, want in ERRORS:
    rc, out, err = run(args + VECTORS, data)
    check(name, rc == 1 and out == b"" and err == want, repr(err))

for f in failures:
    print("FAIL", f)
print("%d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
