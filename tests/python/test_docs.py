"""docs/python.md's python blocks run (those not marked
<!-- doc-test: skip (...) -->), so the page cannot drift from the API. A
block marked <!-- doc-test: with=x.akt --> runs after aktc --py_out made
the module of the page's ```akt block named x.akt; a block marked
<!-- doc-test: file=x.py --> is not run but written as module x (on
sys.path) for the blocks after it."""
import contextlib
import io
import pathlib
import re
import sys

from conftest import run_aktc

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "python.md"
BLOCK = re.compile(r"(<!-- doc-test: ([^>]*)-->\n)?```(python|akt)\n(.*?)```", re.S)


def blocks():
    text = DOC.read_text()
    for m in BLOCK.finditer(text):
        yield (text.count("\n", 0, m.start(4)) + 1, m.group(3),
               (m.group(2) or "").strip(), m.group(4))


def test_docs_python_blocks_run(tmp_path):
    akt_files = {}
    for _, lang, note, code in blocks():
        name = re.search(r"name=(\S+)", note)
        if lang == "akt" and name:
            akt_files[name.group(1)] = code
    ran = 0
    for line, lang, note, code in blocks():
        if lang != "python" or note.startswith("skip"):
            continue
        mod = re.search(r"file=(\S+\.py)", note)
        if mod:  # a module the next blocks import (on sys.path)
            (tmp_path / mod.group(1)).write_text(code)
            if str(tmp_path) not in sys.path:
                sys.path.insert(0, str(tmp_path))
            continue
        with_ = re.search(r"with=(\S+)", note)
        if with_:
            src = tmp_path / with_.group(1)
            src.write_text(akt_files[with_.group(1)])
            r = run_aktc(tmp_path, [src])
            assert r.returncode == 0, r.stderr
            if str(tmp_path) not in sys.path:
                sys.path.insert(0, str(tmp_path))
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"{DOC}:{line}", "exec"), {"__name__": "__doc_block__"})
        if "hello, world" in code:
            assert out.getvalue() == "hello, world\n"
        ran += 1
    assert ran >= 3
