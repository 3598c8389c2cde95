"""The full-text search index: built here once, queried by the theme's script in the browser.

Why an index of our own rather than one the reader downloads whole: a reader's first search on a
10,000-note garden must not fetch the whole corpus. The index is sharded like Pagefind's:

- ``static/search/manifest.json``: the number of documents and the list of shard keys.
- ``static/search/i/<hex(key)>.json``: the posting lists (``{token: [doc, weight, doc, weight
  ...]}``, doc ids delta-encoded) of every token whose longest shard-key prefix is ``key``. Keys
  start as a token's first character and grow (up to ``MAX_KEY`` characters) while a shard is over
  ``SHARD_BYTES``, so every query term needs exactly one shard, whatever the vault's size.
- ``static/search/d/<id>.json``: one document (title, URL, tags, headings, and the plain text
  with where each heading's section starts in it), fetched only for the results shown, to draw
  the snippet with the matched words under the heading they are in.

Tokens are case- and accent-folded words; CJK text (which has no spaces) is indexed as overlapping
character pairs, so any two-character query within a CJK run finds it, and the script treats a
one-character CJK query as a prefix. Only published notes reach this module.

Building it is two steps, so that a build can keep the costly one for unchanged notes:
``doc_terms(doc)`` tokenizes one document into its weighted tokens (a pure function of the
document: a cache keyed by the document and ``TERMS_VERSION`` may hand back an earlier result), and
``assemble_index`` turns every document with its terms into the files, tokenizing nothing. The
files are the same bytes whether the terms were computed now or came from such a cache;
``build_search_index`` is the two steps in a row.
"""

from __future__ import annotations

import functools
import html
import json
import operator
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

SHARD_BYTES = 24_000  # a shard over this size is split by one more character of its key
MAX_KEY = 3  # longest shard key; a 3-letter query is then always answered by one shard
TEXT_LIMIT = 6_000  # characters of a document kept for snippets (a result costs at most this)
# Changes whenever ``doc_terms`` may return something else for the same document (tokenizer,
# weights): part of the key of any cache of its results.
TERMS_VERSION = 3

# Weights of a token by where it occurs; body occurrences count once each, up to BODY_CAP. The
# title's weight is more than all the others together, so a weight of TITLE_WEIGHT or more tells
# the script the title holds the token (it ranks title matches first).
TITLE_WEIGHT, TAG_WEIGHT, HEADING_WEIGHT, BODY_CAP = 64, 6, 4, 10

_CJK = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u3190-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
)
_CJK_RUN = re.compile(rf"[{_CJK}]+")
_HAS_CJK = re.compile(rf"[{_CJK}]")  # three times faster a scan than _CJK_RUN's
_WORD = re.compile(rf"[^\W_{_CJK}]+(?:'[^\W_{_CJK}]+)?")
# Where every letter and digit is ASCII (most text, even with typographic punctuation), words are
# found by a plain ASCII class, about twice as fast as the Unicode one and the same tokens.
_NON_ASCII_WORD = re.compile(r"[^\x00-\x7f](?<=[^\W\x00-\x7f])")  # quick scan, then a check
_ASCII_WORD = re.compile(r"[0-9A-Za-z]+(?:'[0-9A-Za-z]+)?")
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|div|pre|tr|td|th|blockquote|figcaption)>|<br\s*/?>")
_DROP = re.compile(r"<(script|style|svg|math)\b.*?</\1>", re.S | re.I)
_SPACE = re.compile(r"\s+")


def html_to_text(fragment: str) -> str:
    """Readable plain text of rendered HTML: tags dropped, blocks separated, entities decoded."""
    text = _DROP.sub(" ", fragment)
    text = _BLOCK_END.sub(" ", text)
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", text))).strip()


_HEADING = re.compile(r'<h([1-6]) id="([^"]*)">.*?</h\1>', re.S)


def html_sections(fragment: str, heading_ids: list[str]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The plain text of a note's rendered body without its headings, and where each heading's
    section starts in it: ``(offset, index in heading_ids)``. Only the note's own headings (ids
    in ``heading_ids``) cut sections; an embedded note's stay in the text."""
    index = {heading_id: i for i, heading_id in enumerate(heading_ids)}
    parts: list[str] = []
    sections: list[tuple[int, int]] = []
    length, start = 0, 0
    for found in _HEADING.finditer(fragment):
        at = index.get(html.unescape(found.group(2)))
        if at is None:
            continue
        piece = html_to_text(fragment[start : found.start()])
        if piece:
            parts.append(piece)
            length += len(piece) + 1
        sections.append((length, at))
        start = found.end()
    piece = html_to_text(fragment[start:])
    if piece:
        parts.append(piece)
    return " ".join(parts), tuple(sections)


@functools.lru_cache(maxsize=65536)
def fold_token(word: str) -> str:
    """Case- and accent-insensitive form of a word (``Café`` and ``cafe`` are the same token):
    lower case, compatibility decomposition without its marks, lower case again (``ℌ`` and
    ``𝐁`` decompose to capitals), ``ß`` as ``ss`` and ``ς`` as ``σ``. The script's ``fold``
    does the same steps with the same Unicode operations, so a query word meets its token."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.lower())
    bare = "".join(c for c in decomposed if unicodedata.category(c)[0] != "M").lower()
    return unicodedata.normalize("NFC", bare.replace("ß", "ss").replace("ς", "σ"))


def tokenize(text: str) -> list[str]:
    """Search tokens of ``text``: its words (letters and digits, one inner apostrophe allowed),
    each folded by ``fold_token``, and CJK runs as overlapping character pairs. The theme's
    script (``garden.js``: ``tokenize``) splits a query the same way."""
    if text.isascii():  # the common case: no CJK, no accent, no typographic apostrophe
        return _ASCII_WORD.findall(text.lower())
    # The script finds words first and lowers each; lowering the whole text first finds the
    # same words, except that İ lowers to i and a combining dot, which is no letter: as I, it
    # folds the same and stays in its word.
    text = text.replace("’", "'").replace("İ", "I").lower()
    letter = _NON_ASCII_WORD.search(text)
    if not letter:  # only punctuation (“ ” — …) is not ASCII
        return _ASCII_WORD.findall(text)
    if not _HAS_CJK.search(text, letter.start()):
        return [w if w.isascii() else fold_token(w) for w in _WORD.findall(text)]
    tokens: list[str] = []
    start = 0
    for run in _CJK_RUN.finditer(text):  # CJK runs are never part of a word
        tokens += _words(text[start : run.start()])
        cjk = run.group()
        tokens += [cjk[i : i + 2] for i in range(max(1, len(cjk) - 1))]
        start = run.end()
    tokens += _words(text[start:])
    return tokens


def _words(text: str) -> list[str]:
    """The folded words of lowered ``text``, which holds no CJK character."""
    if not _NON_ASCII_WORD.search(text):
        return _ASCII_WORD.findall(text)
    return [w if w.isascii() else fold_token(w) for w in _WORD.findall(text)]


@dataclass(frozen=True)
class SearchDoc:
    title: str
    url: str  # from the site root
    tags: tuple[str, ...]
    headings: tuple[tuple[str, str], ...]  # (text, element id)
    text: str  # plain text of the note's rendered body, headings left out (``html_sections``)
    sections: tuple[tuple[int, int], ...] = ()  # (offset in text, index in headings)


Terms = tuple[tuple[str, ...], tuple[int, ...]]
"""What ``doc_terms`` returns: a document's tokens (each once) and their weights, in step. Two flat
tuples rather than (token, weight) pairs: a million pairs on 10,000 notes cost a fifth of the
time of ``doc_terms`` to make, and more to take apart again in ``assemble_index``."""


def doc_terms(doc: SearchDoc) -> Terms:
    """The per-document half of the index: every token of ``doc`` and its weight, in order of
    first occurrence (body, title, tags, headings). A pure function of ``doc``: the same tuple
    on every run, picklable, so a build may keep it for an unchanged note and give it back to
    ``assemble_index`` instead of tokenizing the note again."""
    weights = Counter(tokenize(doc.text))
    for token, count in weights.items():
        if count > BODY_CAP:
            weights[token] = BODY_CAP
    for text, weight in (
        (doc.title, TITLE_WEIGHT),
        (" ".join(doc.tags).replace("/", " "), TAG_WEIGHT),
        (" ".join(text for text, _ in doc.headings), HEADING_WEIGHT),
    ):
        for token in dict.fromkeys(tokenize(text)):  # not a set: its order changes every run
            weights[token] = weights.get(token, 0) + weight
    return tuple(weights), tuple(weights.values())


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
    """Every file of the index, OUT-relative path -> bytes: ``doc_terms`` of each document, then
    ``assemble_index``."""
    return assemble_index(((doc, doc_terms(doc)) for doc in docs), prefix)


def assemble_index(
    docs: Iterable[tuple[SearchDoc, Terms]], prefix: str = "static/search/"
) -> dict[str, bytes]:
    """Every file of the index from each document (in id order) with its ``doc_terms``, computed
    now or kept from an earlier build: the bytes are the same."""
    files: dict[str, bytes] = {}
    # [doc, weight, doc, weight...] per token, in document order; delta-encoded when written.
    postings: defaultdict[str, list[int]] = defaultdict(list)
    posting_list = postings.__getitem__
    count = 0
    for doc_id, (doc, (tokens, weights)) in enumerate(docs):
        count += 1
        # The lists looked up by one map call: the loop body is the one step per posting.
        for flat, weight in zip(map(posting_list, tokens), weights, strict=True):
            flat += (doc_id, weight)
        document = {
            "t": doc.title,
            "u": doc.url,
            "g": list(doc.tags),
            "h": [list(h) for h in doc.headings],
            "x": doc.text[:TEXT_LIMIT],
            "s": [list(s) for s in doc.sections if s[0] < TEXT_LIMIT],
        }
        files[f"{prefix}d/{doc_id}.json"] = _json(document)

    # A rough size per token (about 3 bytes a number) is enough to decide where to split.
    sizes = {t: len(t) + 6 + 3 * len(flat) for t, flat in postings.items()}
    shards: dict[str, list[str]] = {}
    for token, key in _shard_keys(sizes).items():
        shards.setdefault(key, []).append(token)
    for key, shard_tokens in shards.items():
        files[f"{prefix}i/{shard_name(key)}.json"] = _shard_json(shard_tokens, postings)
    manifest = {
        "version": 1,
        "docs": count,
        "keys": sorted(shards),
    }
    files[f"{prefix}manifest.json"] = _json(manifest)
    return files


def _shard_json(tokens: list[str], postings: dict[str, list[int]]) -> bytes:
    """``{token: [id gap, weight, id gap, weight...]}``: the shard's posting lists, their doc ids
    turned into gaps (in place) just before they are written."""
    for token in tokens:
        flat = postings[token]
        flat[2::2] = map(operator.sub, flat[2::2], flat[0:-2:2])
    return _json({token: postings[token] for token in tokens})


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
