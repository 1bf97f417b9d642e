#!/usr/bin/env python3
"""check_docs.py -- compile, parse and build the code blocks of the manual.

Every fenced block of docs/*.md and README.md is checked by its info
string: C programs are compiled, linked against libakt (with the aktc output
of the .akt block they name) and run when marked; C fragments are compiled
as translation units with the page's context (tests/docs/context/); .akt
blocks go through aktc; hocon/conf blocks through akt-config (and their
keys must be in the reference); with --cmake, cmake blocks are built as
projects against an installed akt; sh blocks must name existing scripts.

An HTML comment just before a fence steers its check:
  <!-- doc-test: skip (why) -->   <!-- doc-test: name=x.akt -->
  <!-- doc-test: with=x.akt run -->   <!-- doc-test: fails "text" -->
  <!-- doc-test: subst=a/b -->   <!-- doc-test: new-keys -->
  <!-- doc-test: files=a.c,dir/b.akt run=target -->
tests/docs/README.md gives the rules in full.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([^\s`]*)")
NOTE = re.compile(r"<!--\s*doc-test:(.*?)-->", re.S)
# "file" marks a python block that tests/python/test_docs.py writes as a
# module for the page's later blocks; python blocks are that test's, not ours
KNOWN_ATTRS = {"skip", "name", "with", "run", "fails", "subst", "new-keys", "files", "file"}


class Block:
    def __init__(self, page, line, info, text, attrs):
        self.page = page  # path relative to the source dir
        self.line = line  # markdown line of the first code line
        self.info = info
        self.text = text
        self.attrs = attrs

    def where(self):
        return "%s:%d" % (self.page, self.line)


def parse_attrs(s):
    """'skip (why) name=x run fails "t"' -> dict"""
    attrs = {}
    s = s.strip()
    while s:
        m = re.match(r"skip\s*\(([^)]*)\)\s*", s)
        if m:
            attrs["skip"] = m.group(1).strip() or "no reason given"
            s = s[m.end():]
            continue
        m = re.match(r'fails\s+"([^"]*)"\s*', s)
        if m:
            attrs["fails"] = m.group(1)
            s = s[m.end():]
            continue
        m = re.match(r"([\w-]+)=(\S+)\s*", s)
        if m:
            attrs[m.group(1)] = m.group(2)
            s = s[m.end():]
            continue
        m = re.match(r"([\w-]+)\s*", s)
        if m:
            attrs[m.group(1)] = True
            s = s[m.end():]
            continue
        raise ValueError("cannot read doc-test attributes at: " + s)
    unknown = set(attrs) - KNOWN_ATTRS
    if unknown:
        raise ValueError("unknown doc-test attribute(s): " + ", ".join(sorted(unknown)))
    return attrs


def extract(path, rel):
    """The fenced blocks of one markdown file, with their annotations."""
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks = []
    pending = None  # attrs of an annotation waiting for its fence
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("<!--") and "doc-test:" in line:
            j = i
            text = line
            while "-->" not in text and j + 1 < len(lines):
                j += 1
                text += "\n" + lines[j]
            m = NOTE.search(text)
            if not m:
                raise ValueError("%s:%d: unterminated doc-test comment" % (rel, i + 1))
            try:
                pending = (parse_attrs(m.group(1)), i + 1)
            except ValueError as e:
                raise ValueError("%s:%d: %s" % (rel, i + 1, e))
            i = j + 1
            continue
        m = FENCE.match(line)
        if m:
            indent, fence, info = m.group(1), m.group(2), m.group(3).lower()
            body = []
            j = i + 1
            while j < len(lines):
                s = lines[j]
                if s.strip().startswith(fence[0] * len(fence)) and s.strip().strip(fence[0]) == "":
                    break
                body.append(s[len(indent):] if s.startswith(indent) else s.lstrip())
                j += 1
            attrs = pending[0] if pending else {}
            blocks.append(Block(rel, i + 2, info, "\n".join(body) + "\n", attrs))
            pending = None
            i = j + 1
            continue
        if pending and line.strip():
            raise ValueError(
                "%s:%d: a doc-test comment must come just before a fence" % (rel, pending[1]))
        i += 1
    if pending:
        raise ValueError("%s:%d: a doc-test comment with no block after it" % (rel, pending[1]))
    return blocks


# --- C fragments ------------------------------------------------------------


def code_mask(text):
    """True for each character that is code (not comment, string, char)."""
    mask = [True] * len(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
        else:
            i += 1
            continue
        for k in range(i, j):
            mask[k] = False
        i = j
    return mask


def fill_ellipses(text):
    """`...` standing for omitted code becomes a comment; C's own `...` (a
    variadic parameter, after a comma) stays."""
    mask = code_mask(text)
    out = []
    i = 0
    while i < len(text):
        if text.startswith("...", i) and mask[i]:
            before = text[:i].rstrip()
            if not before.endswith(","):
                out.append("/* ... */")
                i += 3
                continue
        out.append(text[i])
        i += 1
    return "".join(out)


CONTROL = {"if", "for", "while", "switch", "do", "else", "return", "case", "default"}
FILE_SCOPE_START = {"static", "typedef", "struct", "union", "enum", "extern", "inline",
                    "_Static_assert"}


def split_fragment(text):
    """Split C text into top-level chunks [(offset, text, file_scope)]:
    a chunk ends at a ';' outside any brackets, at the '}' that closes the
    body of a function or a control statement, or with a preprocessor line.
    File scope: preprocessor lines, declarations that start with static,
    typedef, struct, enum, ..., and function definitions; the rest are
    statements (and local declarations)."""
    mask = code_mask(text)
    code = "".join(c if m else " " for c, m in zip(text, mask))
    chunks = []
    start = 0
    depth = 0
    block_body = False  # the chunk's depth-0 '{' opens a body, not an initializer
    i, n = 0, len(code)
    while i < n:
        c = code[i]
        if c == "#" and depth == 0 and code[start:i].strip() == "":
            j = code.find("\n", i)
            j = n if j < 0 else j
            chunks.append((start, i))
            chunks.append((i, j))
            start, i = j, j
            continue
        if c in "([{":
            if c == "{" and depth == 0:
                before = code[start:i].rstrip()
                block_body = before == "" or before.endswith(")") or \
                    re.search(r"\b(else|do)$", before) is not None
            depth += 1
        elif c in ")]}":
            depth -= 1
            if c == "}" and depth == 0 and block_body:
                chunks.append((start, i + 1))
                start, block_body = i + 1, False
        elif c == ";" and depth == 0:
            chunks.append((start, i + 1))
            start, block_body = i + 1, False
        i += 1
    chunks.append((start, n))

    out = []
    for a, b in chunks:
        piece, pcode = text[a:b], code[a:b]
        if not pcode.strip():
            if piece.strip():  # only comments: keep them where they are
                out.append((a, piece, bool(out and out[-1][2])))
            continue
        words = re.findall(r"[A-Za-z_]\w*", pcode)
        first = words[0] if words else ""
        stripped = pcode.strip()
        brace = pcode.find("{")
        if stripped.startswith("#") or first in FILE_SCOPE_START:
            scope = True
        elif stripped.endswith("}") and first not in CONTROL and brace > 0 and \
                pcode[:brace].rstrip().endswith(")") and "=" not in pcode[:brace]:
            scope = True  # a function definition
        else:
            scope = False
        out.append((a, piece, scope))
    return out


def line_of(text, offset):
    return text.count("\n", 0, offset)


class Checker:
    def __init__(self, args):
        self.a = args
        self.src = os.path.abspath(args.source_dir)
        self.work = os.path.abspath(args.work_dir)
        self.failures = []
        self.counts = {}
        self.skipped = []
        self.other = {}
        self.verbose = args.verbose
        self.include = os.path.abspath(args.include_dir or
                                       os.path.join(self.src, "runtime", "include"))

    # -- helpers --
    def count(self, what):
        self.counts[what] = self.counts.get(what, 0) + 1

    def fail(self, block, msg):
        self.failures.append("%s: %s" % (block.where(), msg.rstrip()))
        print("FAIL %s %s\n%s" % (block.info, block.where(), indent(msg)))

    def ok(self, block, what):
        if self.verbose:
            print("ok   %-6s %s (%s)" % (block.info, block.where(), what))

    def run(self, cmd, cwd=None, timeout=120, env=None):
        try:
            p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=timeout, env=env)
            return p.returncode, p.stdout.decode("utf-8", "replace")
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode("utf-8", "replace")
            return 124, out + "\n(timed out after %d s)" % timeout

    def blockdir(self, block, tag):
        d = os.path.join(self.work, "%s-%d-%s" % (
            block.page.replace("/", "_").replace(".md", ""), block.line, tag))
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        return d

    def context(self, page, ext):
        stem = os.path.splitext(os.path.basename(page))[0]
        p = os.path.join(self.src, "tests", "docs", "context", stem + ext)
        return p if os.path.exists(p) else None

    # -- akt --
    def akt_source(self, block, d, page_blocks=()):
        """Write the block as an .akt file in d (with the blocks it names in
        with=, which it imports); returns its path."""
        name = block.attrs.get("name") or "block%d.akt" % block.line
        text = block.text
        imports = ""
        for n in [n for n in str(block.attrs.get("with", "")).split(",") if n]:
            found = [b for b in page_blocks if b.info == "akt" and b.attrs.get("name") == n]
            if not found:
                raise ValueError("with=%s: no ```akt block named %s on this page" % (n, n))
            self.akt_source(found[0], d, page_blocks)
            imports += 'import "%s"; ' % n
        # added on the first line, so aktc's line numbers stay the block's
        if not re.search(r"^\s*package\s", text, re.M):
            head = "package doc; "
            ctx = self.context(block.page, ".akt")
            if ctx:
                shutil.copy(ctx, os.path.join(d, "doc_context.akt"))
                head += 'import "doc_context.akt"; '
            text = head + imports + text
        elif imports:
            text = re.sub(r"(?m)^(\s*package\s+[\w.]+\s*;)", lambda m: m.group(1) + " " + imports,
                          text, count=1)
        path = os.path.join(d, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def aktc(self, block, d, out_dir=None, page_blocks=()):
        try:
            path = self.akt_source(block, d, page_blocks)
        except ValueError as e:
            return 2, str(e), None
        cmd = [self.a.aktc]
        if out_dir:
            cmd += ["--c_out", out_dir]
            if "@gpu" in block.text:  # @gpu handlers: the CUDA outputs too
                cmd += ["--cuda_out", out_dir]
        rc, out = self.run(cmd + [os.path.basename(path)], cwd=d)
        # aktc names the file by the path we gave it: point at the markdown
        out = re.sub(r"(?m)^%s:(\d+):" % re.escape(os.path.basename(path)),
                     lambda m: "%s:%d:" % (block.page, block.line + int(m.group(1)) - 1), out)
        return rc, out, path

    def check_akt(self, block, page_blocks):
        d = self.blockdir(block, "akt")
        rc, out, _ = self.aktc(block, d, None, page_blocks)
        want = block.attrs.get("fails")
        if want is not None:
            errors = [l for l in out.split("\n") if ": error: " in l]
            if rc == 1 and errors and all(want in l for l in errors):
                self.count("akt rejected as documented")
                self.ok(block, "rejected: " + want)
            else:
                self.fail(block, "aktc should reject this block with '%s', and only "
                          "with that (exit %d):\n%s"
                          % (want, rc, out))
            return
        if rc != 0:
            self.fail(block, "aktc failed (exit %d):\n%s" % (rc, out))
        else:
            self.count("akt compiled")
            self.ok(block, "aktc")

    # -- C --
    def generate(self, block, page_blocks, d):
        """Run aktc for the .akt blocks a C block names (with=) or, for a
        fragment that names none, for the page's context .akt. Returns
        (headers to include, generated .c files) or None after a failure."""
        names = [n for n in str(block.attrs.get("with", "")).split(",") if n]
        gen = os.path.join(d, "gen")
        os.makedirs(gen, exist_ok=True)
        headers, sources = [], []
        for n in names:
            found = [b for b in page_blocks if b.info == "akt" and b.attrs.get("name") == n]
            if not found:
                self.fail(block, "with=%s: no ```akt block named %s on this page" % (n, n))
                return None
            rc, out, path = self.aktc(found[0], d, gen, page_blocks)
            if rc != 0:
                self.fail(block, "aktc failed on %s (with=):\n%s" % (found[0].where(), out))
                return None
            headers.append(os.path.basename(path) + ".h")
            sources.append(os.path.join(gen, os.path.basename(path) + ".c"))
            gpu_c = os.path.join(gen, os.path.basename(path) + ".gpu.c")
            if os.path.exists(gpu_c):  # docs/gpu.md: the @gpu handlers
                headers.append(os.path.basename(path) + ".gpu.h")
                sources.append(gpu_c)
        ctx = os.path.join(d, "doc_context.akt")
        if not names and not self.is_program(block) and self.context(block.page, ".akt"):
            shutil.copy(self.context(block.page, ".akt"), ctx)
            headers.append("doc_context.akt.h")
        if os.path.exists(ctx):  # the page context, imported or included
            rc, out = self.run([self.a.aktc, "--c_out", gen, "doc_context.akt"], cwd=d)
            if rc != 0:
                self.fail(block, "aktc failed on the page context %s:\n%s"
                          % (self.context(block.page, ".akt"), out))
                return None
            sources.append(os.path.join(gen, "doc_context.akt.c"))
        return headers, sources

    @staticmethod
    def is_program(block):
        mask = code_mask(block.text)
        code = "".join(c if m else " " for c, m in zip(block.text, mask))
        return re.search(r"\bmain\s*\(", code) is not None

    def cflags(self):
        # -ffp-contract=off: what akt_generate gives @gpu code (docs/gpu.md)
        return (["-std=c11", "-ffp-contract=off", "-I" + self.include]
                + shlex.split(self.a.cflags or ""))

    WARN = ["-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror"]
    FRAGMENT_WARN = ["-Wno-unused-variable", "-Wno-unused-function",
                     "-Wno-unused-but-set-variable", "-Wno-unused-value",
                     "-Wno-unused-label",
                     "-Wno-return-type"]  # a body elided with `...`

    def subst(self, block, text):
        s = block.attrs.get("subst")
        if s:
            old, _, new = s.partition("/")
            text = text.replace(old, new)
        return text

    def check_c(self, block, page_blocks):
        d = self.blockdir(block, "c")
        gen = self.generate(block, page_blocks, d)
        if gen is None:
            return
        headers, sources = gen
        text = self.subst(block, block.text)
        if self.is_program(block):
            self.check_program(block, d, text, sources)
        else:
            self.check_fragment(block, d, text, headers)

    def check_program(self, block, d, text, sources):
        prog = os.path.join(d, "main.c")
        with open(prog, "w") as f:
            f.write('#line %d "%s"\n' % (block.line, block.page) + text)
        exe = os.path.join(d, "prog")
        libdir = os.path.dirname(self.a.libakt)
        cmd = (["cc" if not self.a.cc else self.a.cc] + self.cflags() + self.WARN
               + ["-I" + os.path.join(d, "gen"), prog] + sources
               + [self.a.testkit, self.a.libakt, "-Wl,-rpath," + libdir, "-lpthread",
                  "-lm", "-o", exe] + shlex.split(self.a.ldflags or ""))
        rc, out = self.run(cmd, cwd=d)
        if rc != 0:
            self.fail(block, "the program does not compile and link:\n%s" % out)
            return
        if not block.attrs.get("run"):
            self.count("C programs linked")
            self.ok(block, "linked")
            return
        rc, out = self.run([exe], cwd=d, timeout=60)
        if rc != 0:
            self.fail(block, "the program exited with %d:\n%s" % (rc, out))
            return
        self.count("C programs linked and run")
        self.ok(block, "ran")

    def check_fragment(self, block, d, text, headers):
        text = fill_ellipses(text)
        chunks = split_fragment(text)
        inc = sorted(h for h in os.listdir(os.path.join(self.include, "akt"))
                     if h.endswith(".h"))
        out = ["/* %s, as a translation unit */" % block.where()]
        out += ["#include <%s>" % h for h in ("assert.h", "inttypes.h", "stdbool.h",
                                              "stdint.h", "stdio.h", "stdlib.h",
                                              "string.h")]
        out += ["#include <akt/%s>" % h for h in inc]
        out += ['#include "%s"' % h for h in headers]
        ctx = self.context(block.page, ".h")
        if ctx:
            out.append('#include "%s"' % ctx)
        body = []
        for off, piece, file_scope in chunks:
            # the chunk starts on the line where the previous one ended
            directive = '#line %d "%s"' % (block.line + line_of(text, off), block.page)
            (out if file_scope else body).extend([directive, piece])
        if body:
            out.append("int doc_fragment_statements(void);")
            out.append("int\ndoc_fragment_statements(void)\n{")
            out += body
            out.append("return 0;\n}")
        src = os.path.join(d, "fragment.c")
        with open(src, "w") as f:
            f.write("\n".join(out) + "\n")
        cmd = ([self.a.cc or "cc", "-fsyntax-only"] + self.cflags() + self.WARN
               + self.FRAGMENT_WARN + ["-I" + os.path.join(d, "gen"), src])
        rc, res = self.run(cmd, cwd=d)
        if rc != 0:
            self.fail(block, "the fragment does not compile (%s):\n%s" % (src, res))
            return
        self.count("C fragments compiled")
        self.ok(block, "fragment")

    # -- config --
    def reference_keys(self):
        if not hasattr(self, "_ref"):
            rc, out = self.run([self.a.akt_config, "--no-env", "--json"])
            self._ref = set(flatten(json.loads(out))) if rc == 0 else set()
        return self._ref

    def check_config(self, block):
        d = self.blockdir(block, "conf")
        path = os.path.join(d, "doc.conf")
        with open(path, "w") as f:
            f.write(block.text)
        rc, out = self.run([self.a.akt_config, "--bare", "--json", "doc.conf"], cwd=d)
        out = re.sub(r"(?m)^doc\.conf:(\d+):",
                     lambda m: "%s:%d:" % (block.page, block.line + int(m.group(1)) - 1), out)
        if rc != 0:
            self.fail(block, "akt-config cannot parse it:\n%s" % out)
            return
        if not block.attrs.get("new-keys"):
            keys = flatten(json.loads(out))
            ref = self.reference_keys()
            unknown = [k for k in keys if k.startswith("akt.") and k not in ref]
            if unknown:
                self.fail(block, "keys that the built-in reference does not have: %s"
                          % ", ".join(unknown))
                return
        self.count("config blocks parsed")
        self.ok(block, "akt-config")

    # -- sh --
    def check_sh(self, block):
        missing = []
        for line in block.text.split("\n"):
            line = re.sub(r"^\s*\$\s+", "", line).strip()
            if not line or line.startswith("#"):
                continue
            words = line.split()
            for w in words[:1]:
                if re.match(r"^(scripts|bench|tools|tests)/", w) and \
                        not os.path.exists(os.path.join(self.src, w)):
                    missing.append(w)
        if missing:
            self.fail(block, "names files the repository does not have: " + ", ".join(missing))
        else:
            self.count("sh blocks (repository paths checked)")
            self.ok(block, "sh paths")

    # -- cmake --
    def check_cmake(self, block, page_blocks):
        files = [f for f in str(block.attrs.get("files", "")).split(",") if f]
        if not files:
            self.fail(block, "a cmake block needs files=... (and run=...) or skip (why)")
            return
        d = self.blockdir(block, "cmake")
        proj = os.path.join(d, "src")
        os.makedirs(proj)
        with open(os.path.join(proj, "CMakeLists.txt"), "w") as f:
            f.write("cmake_minimum_required(VERSION 3.25)\nproject(doc_test C)\n"
                    + block.text)
        for name in files:
            named = [b for b in page_blocks if b.attrs.get("name") == name]
            if named:
                with open(os.path.join(proj, name), "w") as f:
                    f.write(named[0].text)
            elif os.path.exists(os.path.join(self.src, name)):
                shutil.copy(os.path.join(self.src, name), proj)
            else:
                self.fail(block, "files=%s: neither a name= block of the page nor a "
                          "repository file" % name)
                return
        flags = self.a.cflags or ""
        ldflags = self.a.ldflags or ""
        build = os.path.join(d, "build")
        rc, out = self.run(["cmake", "-S", proj, "-B", build,
                            "-DCMAKE_PREFIX_PATH=" + self.a.prefix,
                            "-DCMAKE_C_COMPILER=" + (self.a.cc or "cc"),
                            "-DCMAKE_C_FLAGS=" + flags,
                            "-DCMAKE_EXE_LINKER_FLAGS=" + ldflags], timeout=300)
        if rc == 0:
            rc, out = self.run(["cmake", "--build", build], timeout=300)
        if rc != 0:
            self.fail(block, "the project does not build:\n%s" % out)
            return
        target = block.attrs.get("run")
        if target:
            env = dict(os.environ)
            libdirs = [os.path.join(self.a.prefix, l) for l in ("lib", "lib64",
                                                                 "lib/x86_64-linux-gnu")]
            env["LD_LIBRARY_PATH"] = ":".join(libdirs + [env.get("LD_LIBRARY_PATH", "")])
            rc, out = self.run([os.path.join(build, target)], cwd=build, timeout=60, env=env)
            if rc != 0:
                self.fail(block, "%s exited with %d:\n%s" % (target, rc, out))
                return
            self.count("cmake projects built and run")
        else:
            self.count("cmake projects built")
        self.ok(block, "cmake")

    # -- driver --
    def check_page(self, rel, blocks):
        for b in blocks:
            info = b.info
            if info in ("hocon", "conf"):
                kind = "config"
            else:
                kind = info
            checked = {"c", "akt", "config", "sh"} if not self.a.cmake else {"cmake"}
            if kind not in checked and not (kind == "cmake" and not self.a.cmake):
                if not self.a.cmake:
                    self.other[info or "(none)"] = self.other.get(info or "(none)", 0) + 1
                continue
            if kind == "cmake" and not self.a.cmake:
                self.other["cmake (the docs_cmake test)"] = \
                    self.other.get("cmake (the docs_cmake test)", 0) + 1
                continue
            if "skip" in b.attrs:
                self.skipped.append("%s %s: %s" % (info, b.where(), b.attrs["skip"]))
                continue
            if kind == "c":
                self.check_c(b, blocks)
            elif kind == "akt":
                self.check_akt(b, blocks)
            elif kind == "config":
                self.check_config(b)
            elif kind == "sh":
                self.check_sh(b)
            elif kind == "cmake":
                self.check_cmake(b, blocks)

    def main(self, pages):
        os.makedirs(self.work, exist_ok=True)
        if self.a.cmake and self.a.install_from:
            self.a.prefix = os.path.join(self.work, "prefix")
            shutil.rmtree(self.a.prefix, ignore_errors=True)
            rc, out = self.run(["cmake", "--install", self.a.install_from,
                                "--prefix", self.a.prefix], timeout=300)
            if rc != 0:
                print("cannot install akt to %s:\n%s" % (self.a.prefix, out))
                return 1
        if self.a.cmake and not self.a.prefix:
            print("--cmake needs --prefix or --install-from")
            return 2
        for rel in pages:
            try:
                blocks = extract(os.path.join(self.src, rel), rel)
            except ValueError as e:
                self.failures.append(str(e))
                print("FAIL", e)
                continue
            self.check_page(rel, blocks)
        print("\n== doc test (%s) over %d pages ==" % (
            "cmake blocks" if self.a.cmake else "snippets", len(pages)))
        for k in sorted(self.counts):
            print("  %-40s %d" % (k, self.counts[k]))
        print("  %-40s %d" % ("skipped (marked, reasons below)", len(self.skipped)))
        for s in self.skipped:
            print("    - " + s)
        if self.other:
            print("  not code, not checked: " + ", ".join(
                "%s %d" % (k, v) for k, v in sorted(self.other.items())))
        if self.failures:
            print("\n%d block(s) FAILED:" % len(self.failures))
            for f in self.failures:
                print("  " + f.split("\n")[0])
            return 1
        print("all checked blocks pass")
        return 0


def flatten(obj, prefix=""):
    if isinstance(obj, dict) and obj:
        out = []
        for k, v in obj.items():
            out += flatten(v, prefix + k + ".")
        return out
    return [prefix[:-1]]


def indent(s):
    return "\n".join("    " + l for l in s.rstrip().split("\n"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--work-dir", required=True)
    ap.add_argument("--aktc")
    ap.add_argument("--akt-config")
    ap.add_argument("--libakt", help="libakt.so to link programs with")
    ap.add_argument("--testkit", help="libakt-testkit.a")
    ap.add_argument("--include-dir", help="libakt's headers (default: runtime/include)")
    ap.add_argument("--cc")
    ap.add_argument("--cflags", default="")
    ap.add_argument("--ldflags", default="")
    ap.add_argument("--cmake", action="store_true",
                    help="build the cmake blocks against an installed akt (--prefix)")
    ap.add_argument("--prefix", help="an installed akt (--cmake)")
    ap.add_argument("--install-from", help="install this akt build dir first (--cmake)")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("pages", nargs="*",
                    help="markdown files relative to the source dir "
                         "(default: docs/*.md and README.md)")
    a = ap.parse_args()
    for k in ("aktc", "akt_config", "libakt", "testkit", "prefix", "install_from"):
        if getattr(a, k):
            setattr(a, k, os.path.abspath(getattr(a, k)))
    pages = a.pages or (["README.md"] + sorted(
        "docs/" + f for f in os.listdir(os.path.join(a.source_dir, "docs"))
        if f.endswith(".md")))
    return Checker(a).main(pages)


if __name__ == "__main__":
    sys.exit(main())
