"""The full-text search index: built here once, queried by the theme's script in the browser.

Why an index of our own rather than one the reader downloads whole: a reader's first search on a
10,000-note garden must not fetch the whole corpus. The index is sharded like Pagefind's:

- ``static/search/manifest.json``: the number of documents and the list of shard keys.
- ``static/search/i/<hex(key)>.json``: the posting lists (``{token: [doc, weight, doc, weight
  ...]}``, doc ids delta-encoded) of every token whose longest shard-key prefix is ``key``. Keys
  start as a token's first character and grow (up to ``MAX_KEY`` characters) while a shard is over
  ``SHARD_BYTES``, so every query term needs exactly one shard, whatever the vault's size.
- ``static/search/d/<id>.json``: one document (title, URL, tags, headings and plain text), fetched
  only for the results shown, to draw the snippet with the matched words.

Tokens are case- and accent-folded words; CJK text (which has no spaces) is indexed as overlapping
character pairs, so any two-character query within a CJK run finds it, and the script treats a
one-character CJK query as a prefix. Only published notes reach this module.
"""

from __future__ import annotations

import functools
import html
import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

SHARD_BYTES = 24_000  # a shard over this size is split by one more character of its key
MAX_KEY = 3  # longest shard key; a 3-letter query is then always answered by one shard
TEXT_LIMIT = 6_000  # characters of a document kept for snippets (a result costs at most this)

# Weights of a token by where it occurs; body occurrences count once each, up to BODY_CAP.
TITLE_WEIGHT, TAG_WEIGHT, HEADING_WEIGHT, BODY_CAP = 12, 6, 4, 10

_CJK = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u3190-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
)
_TOKEN = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+(?:['’][^\W_{_CJK}]+)?)")
_WORD = re.compile(rf"[^\W_{_CJK}]+(?:'[^\W_{_CJK}]+)?")
_HAS_CJK = re.compile(rf"[{_CJK}]")
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|div|pre|tr|td|th|blockquote|figcaption)>|<br\s*/?>")
_DROP = re.compile(r"<(script|style|svg|math)\b.*?</\1>", re.S | re.I)
_SPACE = re.compile(r"\s+")


def html_to_text(fragment: str) -> str:
    """Readable plain text of rendered HTML: tags dropped, blocks separated, entities decoded."""
    text = _DROP.sub(" ", fragment)
    text = _BLOCK_END.sub(" ", text)
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", text))).strip()


@functools.lru_cache(maxsize=65536)
def fold_token(word: str) -> str:
    """Case- and accent-insensitive form of a word (``Café`` and ``cafe`` are the same token)."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def tokenize(text: str) -> list[str]:
    """Search tokens of ``text``: folded words, and CJK runs as overlapping character pairs.
    The script in the theme (``garden.js``: ``tokenize``) must split queries the same way."""
    text = text.casefold()
    if not _HAS_CJK.search(text):  # the common case, several times faster
        return [w if w.isascii() else fold_token(w) for w in _WORD.findall(text.replace("’", "'"))]
    tokens: list[str] = []
    for match in _TOKEN.finditer(text):
        cjk, word = match.groups()
        if cjk:
            tokens.extend(cjk[i : i + 2] for i in range(max(1, len(cjk) - 1)))
        else:
            tokens.append(fold_token(word.replace("’", "'")))
    return tokens


@dataclass(frozen=True)
class SearchDoc:
    title: str
    url: str  # from the site root
    tags: tuple[str, ...]
    headings: tuple[tuple[str, str], ...]  # (text, element id)
    text: str  # plain text of the note's rendered body


def _weights(doc: SearchDoc) -> dict[str, int]:
    body = Counter(tokenize(doc.text))
    weights = {t: c if c < BODY_CAP else BODY_CAP for t, c in body.items()}
    for text, weight in (
        (doc.title, TITLE_WEIGHT),
        (" ".join(doc.tags).replace("/", " "), TAG_WEIGHT),
        (" ".join(text for text, _ in doc.headings), HEADING_WEIGHT),
    ):
        for token in set(tokenize(text)):
            weights[token] = weights.get(token, 0) + weight
    return weights


def _shard_keys(sizes: dict[str, int]) -> dict[str, str]:
    """Token -> shard key: the shortest prefix whose shard stays under SHARD_BYTES."""
    assigned: dict[str, str] = {}

    def split(tokens: list[str], depth: int) -> None:
        groups: dict[str, list[str]] = {}
        for token in tokens:
            groups.setdefault(token[:depth], []).append(token)
        for key, group in groups.items():
            size = sum(sizes[t] for t in group)
            if size <= SHARD_BYTES or depth >= MAX_KEY:
                for token in group:
                    assigned[token] = key
                continue
            # Tokens no longer than the key stay in its shard; the others go one level down.
            for token in group:
                if len(token) <= depth:
                    assigned[token] = key
            split([t for t in group if len(t) > depth], depth + 1)

    split(sorted(sizes), 1)
    return assigned


def shard_name(key: str) -> str:
    """File name of a shard: its key's UTF-8 bytes in hex, safe on every file system and URL."""
    return key.encode("utf-8").hex()


def build_search_index(
    docs: Iterable[SearchDoc], prefix: str = "static/search/"
) -> dict[str, bytes]:
    """Every file of the index, OUT-relative path -> bytes."""
    files: dict[str, bytes] = {}
    # Posting lists are built delta-encoded as they go: [id gap, weight, id gap, weight...].
    encoded: defaultdict[str, list[int]] = defaultdict(list)
    last: dict[str, int] = {}
    count = 0
    for doc_id, doc in enumerate(docs):
        count += 1
        for token, weight in _weights(doc).items():
            encoded[token] += (doc_id - last.get(token, 0), weight)
            last[token] = doc_id
        document = {
            "t": doc.title,
            "u": doc.url,
            "g": list(doc.tags),
            "h": [list(h) for h in doc.headings],
            "x": doc.text[:TEXT_LIMIT],
        }
        files[f"{prefix}d/{doc_id}.json"] = _json(document)

    # A rough size per token (about 3 bytes a number) is enough to decide where to split.
    sizes = {t: len(t) + 6 + 3 * len(flat) for t, flat in encoded.items()}
    shards: dict[str, dict[str, list[int]]] = {}
    for token, key in _shard_keys(sizes).items():
        shards.setdefault(key, {})[token] = encoded[token]
    for key, shard in shards.items():
        files[f"{prefix}i/{shard_name(key)}.json"] = _json(shard)
    manifest = {
        "version": 1,
        "docs": count,
        "keys": sorted(shards),
    }
    files[f"{prefix}manifest.json"] = _json(manifest)
    return files


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
