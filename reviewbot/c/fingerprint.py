"""MinHash fingerprints of function bodies, banded for locality-sensitive lookup.

"Is this new function a near copy of one somewhere in the tree?" must be answered against the
650,000 functions of Linux 6.1 in well under a second, so each function body gets a signature
once (at ``reviewbot index`` time, cached per blob): its normalised tokens (local identifiers and
literals abstracted, keywords, operators and called function names kept: `true`/`false` or a
renamed local do not hide a copy) are cut into shingles of ``SHINGLE`` tokens, and ``NUM_PERM``
minimum hashes are taken. Signatures are split into ``BANDS`` bands of ``ROWS`` values; two
functions that agree on a whole band become candidates. With 8 bands of 4 rows, a pair whose
shingle sets have Jaccard similarity 0.8 is found with probability 0.985, 0.7 with 0.89 and 0.4
with 0.18; the exact token comparison then decides.

Why not datasketch: its MinHash hashes each shingle with SHA-1 in Python, and its LSH index
lives in memory or in Redis/Cassandra; here the index has to live in the SQLite parse cache.
numpy computes all signatures of a file in one vectorised step (multiply-shift hashing).
"""
from __future__ import annotations

import re
import zlib

import numpy as np

# The figures the docstring derives: 8 bands of 4 rows find a pair of Jaccard similarity 0.8 with
# probability 0.985 and one of 0.4 with 0.18 (bench/neardup.py measures the recall on the tree).
SHINGLE = 5
NUM_PERM = 32
BANDS = 8
ROWS = NUM_PERM // BANDS
MIN_TOKENS = 16  # shorter bodies are alike by nature (getters, wrappers): not fingerprinted

_RNG = np.random.default_rng(20171006)  # fixed: signatures are stored and must be stable
_A = (_RNG.integers(1, 2**63, NUM_PERM, dtype=np.uint64) | np.uint64(1)).reshape(NUM_PERM, 1)
_B = _RNG.integers(0, 2**63, NUM_PERM, dtype=np.uint64).reshape(NUM_PERM, 1)
_SHINGLE_MUL = np.array([0x9E3779B97F4A7C15 ** (k + 1) % 2**64 for k in range(SHINGLE)], dtype=np.uint64)

_TOKEN = re.compile(rb"""(/\*.*?\*/|//[^\n]*)"""  # comments: dropped
                    rb"""|("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|\d[\w.]*)"""  # literals
                    rb"""|([A-Za-z_]\w*)(\s*\()?"""  # identifiers, and whether a call follows
                    rb"""|(->|\+\+|--|<<=?|>>=?|[<>!=+\-*/%&|^]=|&&|\|\||[^\s\w])""", re.S)
_KEYWORDS = frozenset(b"""auto break case char const continue default do double else enum extern float for goto if
inline int long register restrict return short signed sizeof static struct switch typedef union unsigned void
volatile while bool true false NULL""".split()) - {b"true", b"false", b"NULL"}
_TOKEN_IDS: dict[bytes, int] = {}


def _token_id(token: bytes) -> int:
    tid = _TOKEN_IDS.get(token)
    if tid is None:
        tid = _TOKEN_IDS[token] = zlib.crc32(token) | (len(token) << 32)
    return tid


def normalised_tokens(body: bytes) -> list[bytes]:
    out: list[bytes] = []
    for comment, literal, ident, call, op in _TOKEN.findall(body):
        if comment:
            continue
        if literal:
            out.append(b"L")
        elif ident:
            if call or ident in _KEYWORDS:
                out.append(ident)
            elif ident in (b"true", b"false", b"NULL"):
                out.append(b"L")
            else:
                out.append(b"I")
            if call:
                out.append(b"(")
        else:
            out.append(op)
    return out


def _shingles(tokens: list[bytes]) -> np.ndarray:
    ids = np.fromiter((_token_id(t) for t in tokens), dtype=np.uint64, count=len(tokens))
    n = len(ids) - SHINGLE + 1
    acc = np.zeros(n, dtype=np.uint64)
    for k in range(SHINGLE):
        acc += ids[k:k + n] * _SHINGLE_MUL[k]
    return np.unique(acc)


def signatures(bodies: list[bytes]) -> list[np.ndarray | None]:
    """One MinHash signature per body (None for bodies too short to say anything)."""
    shingle_sets = []
    for body in bodies:
        tokens = normalised_tokens(body)
        shingle_sets.append(_shingles(tokens) if len(tokens) >= MIN_TOKENS else None)
    present = [s for s in shingle_sets if s is not None and len(s)]
    if not present:
        return [None] * len(bodies)
    flat = np.concatenate(present)
    starts = np.cumsum([0] + [len(s) for s in present[:-1]])
    hashed = (_A * flat[np.newaxis, :] + _B) >> np.uint64(32)  # multiply-shift, one row per permutation
    mins = np.minimum.reduceat(hashed, starts, axis=1).T  # one row per body
    out: list[np.ndarray | None] = []
    row = 0
    for s in shingle_sets:
        if s is None or not len(s):
            out.append(None)
        else:
            out.append(mins[row])
            row += 1
    return out


def bands(signature: np.ndarray) -> list[int]:
    """The band keys of a signature: 64-bit integers (band number in the high bits)."""
    sig = signature.astype(np.uint32)
    return [(b << 40) | zlib.crc32(sig[b * ROWS:(b + 1) * ROWS].tobytes()) for b in range(BANDS)]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the shingle sets."""
    return float(np.mean(a == b))


def function_bands(data: bytes, functions) -> list[tuple[int, list[int]]]:
    """(line of the name, band keys) for each fingerprinted function of a file."""
    sigs = signatures([data[f.body_start:f.body_end] for f in functions])
    return [(f.line, bands(sig)) for f, sig in zip(functions, sigs) if sig is not None]
