"""Extraction never fails and never invents places, whatever kernel-shaped damage a file has.

Real 6.1 excerpts from mini-linux are cut, doubled, given stray column-0 braces, loop-tail and
defining macros, CRLF line ends and bytes that are not UTF-8; extraction (whole parse, rewrites
and ERROR recovery) must return facts whose lines lie in the file, with no definition twice.
"""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewbot.c.extract import extract
from tests.conftest import FIXTURES

SOURCES = [p.read_bytes() for p in sorted((FIXTURES / "trees/mini-linux").rglob("*.[ch]"))]
DAMAGE = [b"}\n", b"{\n", b"\n}\n\n", b"\t} while_each_thread(g, t);\n", b"\tCOND_JMP(u, JEQ, ==)\n",
          b"SYSCALL_DEFINE2(x, int, a,\n\t\tint, b)\n{\n", b"BPF_CALL_1(y, u64, z)\n", b"#ifdef CONFIG_X\n",
          b"#endif\n", b"\xff\xfe\x80", b"/* unterminated", b"\"unterminated\n", b"\r\n"]


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(SOURCES), st.lists(st.tuples(st.floats(0, 1), st.sampled_from(DAMAGE)), max_size=6),
       st.floats(0.2, 1.0), st.booleans())
def test_damaged_kernel_files_extract_without_error_or_invented_lines(source, damage, keep, crlf):
    data = source[: max(1, int(len(source) * keep))]
    for where, what in damage:
        at = int(len(data) * where)
        data = data[:at] + what + data[at:]
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    facts = extract(data, "mm/memory.c")
    lines = data.count(b"\n") + 1
    for item in [*facts.functions, *facts.prototypes, *facts.calls, *facts.values, *facts.exports, *facts.structs]:
        assert 1 <= item.line <= lines
    for f in facts.functions:
        assert f.start_line <= f.line <= f.end_line <= lines and 0 <= f.body_start < f.body_end <= len(data)
    assert len({(f.name, f.line) for f in facts.functions}) == len(facts.functions)
    assert len({(c.line, c.column, c.callee) for c in facts.calls}) == len(facts.calls)
