"""The search index (garden/render/search.py): tokens, each document's terms, and the files the
theme's script reads. The browser side is tested in test_reader.py."""

from __future__ import annotations

import json
import pickle
import random
import re
import subprocess
import sys

from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from garden.render import search
from garden.render.search import (
    BODY_CAP,
    HEADING_WEIGHT,
    TAG_WEIGHT,
    TITLE_WEIGHT,
    SearchDoc,
    assemble_index,
    build_search_index,
    doc_terms,
    fold_token,
    shard_name,
    tokenize,
)

# The tokenizer as first written, one regex over the casefolded text: the spec the faster paths
# of ``tokenize`` (ASCII text, typographic punctuation, CJK runs) must give token for token.
_CJK = search._CJK
_REFERENCE = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+(?:['’][^\W_{_CJK}]+)?)")


def reference_tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    for match in _REFERENCE.finditer(text.casefold()):
        cjk, word = match.groups()
        if cjk:
            tokens.extend(cjk[i : i + 2] for i in range(max(1, len(cjk) - 1)))
        else:
            tokens.append(fold_token(word.replace("’", "'")))
    return tokens


# Characters where the tokenizer's paths part ways, mixed with anything else.
_TRICKY = list("aZ09 _-'’.,:éÉèßẞİıΣςﬁ½²K\u0301\u0345中文の庭한ｦ—“”…\n\t")
texts = st.lists(
    st.one_of(st.sampled_from(_TRICKY), st.characters(blacklist_categories=("Cs",))),
    max_size=60,
).map("".join)


def doc(
    title: str, text: str, tags: tuple[str, ...] = (), headings: tuple[str, ...] = ()
) -> SearchDoc:
    return SearchDoc(
        title,
        re.sub(r"\W+", "-", title) + ".html",
        tags,
        tuple((h, h.lower()) for h in headings),
        text,
    )


# --- tokens --------------------------------------------------------------------------------------


def test_tokenize_examples() -> None:
    assert tokenize("Hello, World!") == ["hello", "world"]
    assert tokenize("Un café crème, s’il vous plaît.") == [
        "un",
        "cafe",
        "creme",
        "s'il",
        "vous",
        "plait",
    ]
    assert tokenize("“Quoted” — text… don't") == ["quoted", "text", "don't"]
    assert tokenize("snake_case x2") == ["snake", "case", "x2"]
    assert tokenize("这是笔记") == ["这是", "是笔", "笔记"]
    assert tokenize("中") == ["中"]
    assert tokenize("Root 庭園の土 LEAF") == ["root", "庭園", "園の", "の土", "leaf"]
    assert tokenize("Straße") == ["strasse"]
    assert tokenize("") == []


@settings(max_examples=500)
@given(texts)
def test_tokenize_is_the_reference_tokenizer(text: str) -> None:
    assert tokenize(text) == reference_tokenize(text)


# --- per-document terms --------------------------------------------------------------------------


def test_doc_terms_weights() -> None:
    terms = doc_terms(
        doc("Garden notes", "Soil soil garden. " + "weed " * 50, ("plants/trees",), ("Soil",))
    )
    tokens, weights = terms
    assert dict(zip(tokens, weights, strict=True)) == {
        "soil": 2 + HEADING_WEIGHT,
        "garden": 1 + TITLE_WEIGHT,
        "weed": BODY_CAP,
        "notes": TITLE_WEIGHT,
        "plants": TAG_WEIGHT,
        "trees": TAG_WEIGHT,
    }
    assert len(set(tokens)) == len(tokens)


def test_doc_terms_of_a_document_without_words() -> None:
    files = build_search_index([doc("…", ""), doc("Fern", "fern")])
    assert doc_terms(doc("…", "")) == ((), ())
    assert json.loads(files["static/search/manifest.json"])["docs"] == 2
    assert json.loads(files[f"static/search/i/{shard_name('f')}.json"]) == {"fern": [1, 13]}


_TERMS_IN_A_CHILD = """
import sys
from garden.render.search import SearchDoc, doc_terms
doc = SearchDoc(
    "One two three four five six seven eight",
    "x.html",
    ("alpha/beta", "gamma", "delta epsilon"),
    (("Zeta eta theta", "z"), ("Iota kappa lambda", "i")),
    "mu nu xi omicron",
)
print(repr(doc_terms(doc)))
"""


def test_doc_terms_are_the_same_in_every_process() -> None:
    """A cache may hand terms from one build to the next: their order must not follow the
    process's string hashing (a set's order does)."""
    seen = set()
    for seed in ("1", "2", "3"):
        done = subprocess.run(
            [sys.executable, "-c", _TERMS_IN_A_CHILD],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
            cwd=REPO,
        )
        seen.add(done.stdout)
    assert len(seen) == 1, seen


# --- assembling the files ------------------------------------------------------------------------


def corpus(count: int, seed: int = 7) -> list[SearchDoc]:
    """Documents over a small vocabulary: posting lists long enough to split shards."""
    rng = random.Random(seed)
    words = [
        "apple",
        "apricot",
        "almond",
        "anise",
        "arugula",
        "artichoke",
        "avocado",
        "basil",
        "bean",
        "beet",
        "café",
        "crème",
        "zucchini",
        "庭園",
        "種と水",
    ]
    docs = []
    for i in range(count):
        body = " ".join(rng.choice(words) for _ in range(rng.randint(0, 40)))
        docs.append(
            doc(f"Note {i} {rng.choice(words)}", body, (rng.choice(words),), (rng.choice(words),))
        )
    return docs


def decode(files: dict[str, bytes], prefix: str = "static/search/") -> dict[str, dict[int, int]]:
    """token -> {doc id: weight}, read the way garden.js reads it: the shard of a token is the
    one of its longest prefix among the manifest's keys."""
    manifest = json.loads(files[prefix + "manifest.json"])
    keys = manifest["keys"]
    assert keys == sorted(set(keys))
    shard_files = {p for p in files if p.startswith(prefix + "i/")}
    assert shard_files == {f"{prefix}i/{shard_name(k)}.json" for k in keys}
    index: dict[str, dict[int, int]] = {}
    for key in keys:
        for token, flat in json.loads(files[f"{prefix}i/{shard_name(key)}.json"]).items():
            assert max((k for k in keys if token.startswith(k)), key=len) == key, token
            assert token not in index
            ids: dict[int, int] = {}
            doc_id = 0
            for gap, weight in zip(flat[0::2], flat[1::2], strict=True):
                assert gap > 0 or not ids
                doc_id += gap
                ids[doc_id] = weight
            index[token] = ids
    return index


def test_the_files_answer_for_every_term_of_every_document() -> None:
    docs = corpus(1500)
    files = build_search_index(docs)
    manifest = json.loads(files["static/search/manifest.json"])
    assert manifest == {"version": 1, "docs": 1500, "keys": manifest["keys"]}
    assert any(len(k) > 1 for k in manifest["keys"])  # shards were split
    expected: dict[str, dict[int, int]] = {}
    for doc_id, d in enumerate(docs):
        for token, weight in zip(*doc_terms(d), strict=True):
            expected.setdefault(token, {})[doc_id] = weight
        record = json.loads(files[f"static/search/d/{doc_id}.json"])
        assert record == {
            "t": d.title,
            "u": d.url,
            "g": list(d.tags),
            "h": [list(h) for h in d.headings],
            "x": d.text[: search.TEXT_LIMIT],
        }
    assert decode(files) == expected
    assert max(len(v) for p, v in files.items() if "/i/" in p) < 3 * search.SHARD_BYTES


def test_shard_format() -> None:
    """The bytes garden.js reads: keys sorted, doc ids as gaps, no spaces."""
    files = build_search_index([doc("Fern", "moss"), doc("Moss", "fern"), doc("Oak", "moss")])
    assert files[f"static/search/i/{shard_name('m')}.json"] == b'{"moss":[0,1,1,12,1,1]}'
    assert files["static/search/manifest.json"] == (b'{"docs":3,"keys":["f","m","o"],"version":1}')


def test_terms_from_a_cache_give_the_same_bytes() -> None:
    docs = corpus(400, seed=3)
    fresh = build_search_index(docs, "s/")
    terms = [doc_terms(d) for d in docs]
    cached = pickle.loads(pickle.dumps(terms))
    assert assemble_index(zip(docs, cached, strict=True), "s/") == fresh
    # Assembling reads its input and changes nothing in it: the same terms serve again.
    assert cached == terms
    assert assemble_index(zip(docs, cached, strict=True), "s/") == fresh


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(texts, texts, texts), max_size=8))
def test_cached_terms_are_the_same_bytes_for_any_documents(
    parts: list[tuple[str, str, str]],
) -> None:
    docs = [SearchDoc(title, "u.html", (tag,), ((title, "h"),), text) for title, tag, text in parts]
    fresh = build_search_index(docs)
    cached = [pickle.loads(pickle.dumps(doc_terms(d))) for d in docs]
    assert assemble_index(zip(docs, cached, strict=True)) == fresh
    index = decode(fresh)
    for doc_id, d in enumerate(docs):
        for token, weight in zip(*doc_terms(d), strict=True):
            assert index[token][doc_id] == weight
