"""Recognising the same article twice: normalised URLs, content hashes and MinHash signatures.

* **Same URL**: :func:`normalise_url` makes ``http://www.Example.org/a/?utm_source=x#top`` and
  ``https://example.org/a`` the same key (scheme, ``www.``, default ports, fragments, tracking
  parameters, parameter order and a trailing slash do not make a different page).
* **Same text**: :func:`content_hash` is a SHA-256 of the text after Unicode NFC and white-space
  collapsing, so a re-encoded or re-wrapped copy of a text is still the same text.
* **Near-duplicates** (wire copies, light edits): a 128-permutation MinHash over word 5-gram shingles
  (:func:`minhash`), indexed with LSH (16 bands of 8 rows, :func:`band_keys`) so candidates are found
  with one indexed query, then confirmed by the estimated Jaccard similarity of the full signatures
  (:data:`NEAR_DUPLICATE_THRESHOLD`). Written here with numpy rather than taken from a library: it is
  forty lines and keeps the signature format stable across library versions (signatures are stored).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import numpy as np

NUM_PERM = 128
BANDS = 16
ROWS = NUM_PERM // BANDS
SHINGLE_WORDS = 5
# Estimated Jaccard similarity of word 5-gram sets above which two articles are near-duplicates. A wire
# copy with a changed headline, a dropped paragraph or a few edited sentences stays well above it;
# two different articles on the same event share few 5-grams and stay far below.
NEAR_DUPLICATE_THRESHOLD = 0.7

_rng = np.random.RandomState(20240229)  # fixed: signatures are stored and compared across runs
# Multiply-shift hashing (h(x) = (a*x + b) mod 2**64, top 32 bits) with odd random 64-bit multipliers: one
# hash function per permutation. uint64 arithmetic wraps, which is exactly the "mod 2**64".
_A = (_rng.randint(0, 1 << 62, size=NUM_PERM, dtype=np.int64).astype(np.uint64) << np.uint64(2)) | np.uint64(1)
_B = _rng.randint(0, 1 << 62, size=NUM_PERM, dtype=np.int64).astype(np.uint64) << np.uint64(2)

_WORD = re.compile(r"\w+", re.UNICODE)
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|_ga|ref|ref_src|cmpid|"
                       r"xtor|at_medium|at_campaign|ocid|smid)$", re.I)


def normalise_text(text: str) -> str:
    """NFC, white space collapsed to single spaces, stripped: the form :func:`content_hash` hashes."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def content_hash(text: str) -> str:
    """SHA-256 (hex) of :func:`normalise_text`: equal for texts that differ only in white space or NFC form."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def normalise_url(url: str | None) -> str | None:
    """A key that is equal for the addresses of the same page, or None for no (usable) URL.

    The scheme is dropped (http and https copies are one page), the host lower-cased without
    ``www.`` and a default port, the fragment and tracking parameters (``utm_*``, ``fbclid``, ...)
    removed, the remaining query parameters sorted, and a trailing slash dropped.
    """
    if not url or not url.strip():
        return None
    raw = url.strip()
    if "://" not in raw:
        raw = "http://" + raw.lstrip("/")
    try:
        parts = urlsplit(raw)
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        return raw.lower()
    if not host:
        return raw.lower()
    if host.startswith("www."):
        host = host[4:]
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = quote(unquote(parts.path), safe="/%:@!$&'()*+,;=-._~") or "/"
    path = re.sub(r"/{2,}", "/", path)
    if len(path) > 1:
        path = path.rstrip("/")
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k))
    key = host + path
    if query:
        key += "?" + urlencode(query)
    return key


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters and digits), the unit of shingles and statement fingerprints."""
    return _WORD.findall(text.lower())


def minhash(text: str) -> np.ndarray:
    """The MinHash signature (``uint32[NUM_PERM]``) of the word 5-gram set of ``text``."""
    toks = words(text)
    if len(toks) < SHINGLE_WORDS:
        shingles = {" ".join(toks)}
    else:
        shingles = {" ".join(toks[i:i + SHINGLE_WORDS]) for i in range(len(toks) - SHINGLE_WORDS + 1)}
    hashes = np.fromiter((zlib.crc32(s.encode("utf-8")) for s in shingles), dtype=np.uint64, count=len(shingles))
    values = (np.outer(hashes, _A) + _B) >> np.uint64(32)  # (shingles, NUM_PERM)
    return values.min(axis=0).astype(np.uint32)


def signature_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def signature_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two shingle sets from their signatures."""
    return float(np.count_nonzero(a == b)) / NUM_PERM


def band_keys(sig: np.ndarray) -> list[int]:
    """One integer per LSH band: ``band << 32 | crc32(rows)``; two articles sharing a key are candidates."""
    data = sig.astype("<u4")
    return [(band << 32) | zlib.crc32(data[band * ROWS:(band + 1) * ROWS].tobytes()) for band in range(BANDS)]


def statement_fingerprint(content_text: str) -> str:
    """Equal for statements whose content has the same words (case, punctuation and spacing aside)."""
    return hashlib.sha1(" ".join(words(content_text)).encode("utf-8")).hexdigest()
