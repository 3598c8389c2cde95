"""The search index (garden/render/search.py): tokens, each document's terms, and the files the
theme's script reads. The browser side is tested in test_reader.py."""

from __future__ import annotations

import json
import pickle
import random
import re
import shutil
import subprocess
import sys
import unicodedata

import pytest
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
    html_sections,
    shard_name,
    tokenize,
)

# The tokenizer in its plainest form, one regex over the text and each word folded: the spec the
# faster paths of ``tokenize`` (ASCII text, typographic punctuation, CJK runs) must follow token
# for token, and the steps garden.js takes for a query.
_CJK = search._CJK
_REFERENCE = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+(?:['’][^\W_{_CJK}]+)?)")


def reference_fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    bare = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M")).lower()
    folded = unicodedata.normalize("NFC", bare.replace("ß", "ss").replace("ς", "σ"))
    return folded.replace("’", "'")


def reference_tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    for match in _REFERENCE.finditer(text):
        cjk, word = match.groups()
        if cjk:
            tokens.extend(cjk[i : i + 2] for i in range(max(1, len(cjk) - 1)))
        else:
            tokens.append(reference_fold(word))
    return tokens


# Characters where the tokenizer's paths part ways, mixed with anything else.
_TRICKY = list("aZ09 _-'’.,:éÉèßẞİıΣςﬁ½²KℌǅᏣ\u0301\u0307\u0345中文の庭한ｦ—“”…\n\t")
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
    assert tokenize("Straße STRASSE") == ["strasse", "strasse"]
    assert tokenize("İstanbul ISTANBUL") == ["istanbul", "istanbul"]
    assert tokenize("ΟΔΥΣΣΕΥΣ Οδυσσεύς") == ["οδυσσευσ", "οδυσσευσ"]
    assert tokenize("𝐁𝐨𝐥𝐝 ℌello") == ["bold", "hello"]
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
    assert json.loads(files[f"static/search/i/{shard_name('f')}.json"]) == {
        "fern": [1, 1 + TITLE_WEIGHT]
    }


def test_a_title_weight_outweighs_all_others_together() -> None:
    """The script tells a title match from its weight alone."""
    assert TITLE_WEIGHT > BODY_CAP + TAG_WEIGHT + HEADING_WEIGHT


def test_sections_split_the_text_at_the_notes_own_headings() -> None:
    body = (
        '<p>Intro &amp; more.</p>\n<h2 id="one">One</h2>\n<p>First part.</p>\n'
        '<div class="embed"><h2 id="e-x">Embedded</h2><p>Inside.</p></div>\n'
        '<h3 id="two-&amp;">Two &amp;</h3>\n<p>Second.</p>\n'
    )
    text, sections = html_sections(body, ["one", "two-&"])
    assert text == "Intro & more. First part. Embedded Inside. Second."
    assert sections == ((14, 0), (43, 1))
    assert text[14:].startswith("First part.") and text[43:] == "Second."
    files = build_search_index(
        [SearchDoc("N", "n.html", (), (("One", "one"), ("Two &", "two-&")), text, sections)]
    )
    assert json.loads(files["static/search/d/0.json"])["s"] == [[14, 0], [43, 1]]


_TERMS_IN_A_CHILD = """
import shutil
import sys
import unicodedata
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
            "s": [list(section) for section in d.sections],
        }
    assert decode(files) == expected
    assert max(len(v) for p, v in files.items() if "/i/" in p) < 3 * search.SHARD_BYTES


def test_shard_format() -> None:
    """The bytes garden.js reads: keys sorted, doc ids as gaps, no spaces."""
    files = build_search_index([doc("Fern", "moss"), doc("Moss", "fern"), doc("Oak", "moss")])
    assert files[f"static/search/i/{shard_name('m')}.json"] == b'{"moss":[0,1,1,64,1,1]}'
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


# --- the same tokens in the browser ---------------------------------------------------------------

NODE = shutil.which("node")
SCRIPT = REPO / "themes/default/static/garden.js"


def script_tokenize(texts: list[str]) -> list[list[str]]:
    """``tokenize`` of garden.js run by Node.js on each text: the search section's constants and
    functions up to ``hex``, which use nothing of the browser."""
    source = SCRIPT.read_text(encoding="utf-8")
    start, end = source.index("  var CJK ="), source.index("  function hex(")
    program = source[start:end] + (
        "var texts = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        "process.stdout.write(JSON.stringify(texts.map(tokenize)));\n"
    )
    done = subprocess.run(
        [str(NODE), "-e", program],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        encoding="utf-8",
    )
    return json.loads(done.stdout)


@pytest.mark.skipif(NODE is None, reason="Node.js not found: it runs garden.js's tokenizer")
def test_the_script_tokenizes_as_the_index_does() -> None:
    """A query word finds its note only if garden.js folds it to the token the index holds:
    every letter and digit alone and inside a word, sentences in many scripts, random text."""
    word_char = re.compile(rf"[^\W_{_CJK}]")
    letters = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    letters = [c for c in letters if word_char.match(c)]
    sentences = [
        "Un café crème, s’il vous plaît. Straße, STRASSE, Ärger",
        "İstanbul'da ılık bir gün; ISTANBUL",
        "ΟΔΥΣΣΕΥΣ και ο λόγος του Οδυσσεύς, ΐ ΰ",
        "Ёлка и ёлка; Tiếng Việt có dấu",
        "ทำงาน नमस्ते مرحبا שָׁלוֹם ᏣᎳᎩ",
        "中文笔记 これは日本語 한국어 텍스트 ｶﾀｶﾅ",
        "𝐁𝐨𝐥𝐝 ℌello ﬁle ½ ² ① K e\u0301te\u0301 don't rock'n'roll",
    ]
    rng = random.Random(5)
    noise = ["".join(rng.choice(_TRICKY) for _ in range(rng.randint(0, 16))) for _ in range(3000)]
    samples = letters + [f"a{c}b" for c in letters] + sentences + noise
    expected = [tokenize(t) for t in samples]
    got = script_tokenize(samples)
    wrong = [(t, e, g) for t, e, g in zip(samples, expected, got, strict=True) if e != g]
    assert not wrong, wrong[:20]
