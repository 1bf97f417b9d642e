"""docs/python.md's python blocks run (those not marked
<!-- doc-test: skip (...) -->), so the page cannot drift from the API."""
import contextlib
import io
import pathlib
import re

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "python.md"


def python_blocks():
    text = DOC.read_text()
    for m in re.finditer(r"(<!-- doc-test: ([^>]*)-->\n)?```python\n(.*?)```", text, re.S):
        if m.group(2) and m.group(2).strip().startswith("skip"):
            continue
        yield text.count("\n", 0, m.start(3)) + 1, m.group(3)


def test_docs_python_blocks_run():
    blocks = list(python_blocks())
    assert len(blocks) >= 2
    for line, code in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"{DOC}:{line}", "exec"), {"__name__": "__doc_block__"})
        if "hello, world" in code:
            assert out.getvalue() == "hello, world\n"
