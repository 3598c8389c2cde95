"""Deterministic benchmark vaults: notes with every kind of link and embed, and photo-like images.

The same ``(notes, seed)`` always gives the same bytes, so figures from two runs compare. Vaults are
written once into a cache folder outside the repository and reused: a marker file records what
was generated, and a vault is regenerated only when the generator's version or size changes.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

GENERATOR_VERSION = 2
CACHE = Path(os.environ.get("GARDEN_BENCH_CACHE", Path.home() / ".cache" / "garden-bench"))

WORDS = [
    "garden",
    "soil",
    "compost",
    "seed",
    "root",
    "leaf",
    "stem",
    "flower",
    "fruit",
    "water",
    "light",
    "shade",
    "season",
    "spring",
    "summer",
    "autumn",
    "winter",
    "frost",
    "rain",
    "mulch",
    "prune",
    "graft",
    "bloom",
    "harvest",
    "tomato",
    "basil",
    "mint",
    "sage",
    "thyme",
    "oak",
    "maple",
    "birch",
    "moss",
    "fern",
    "lichen",
    "insect",
    "bee",
    "worm",
    "beetle",
    "bird",
    "nest",
    "path",
    "stone",
    "fence",
    "gate",
    "trellis",
    "note",
    "idea",
    "link",
    "graph",
    "vault",
    "publish",
    "draft",
    "theory",
    "method",
    "result",
    "question",
    "answer",
    "system",
]
CJK = "庭園の土と種と水と光"
TAGS = ("garden", "garden/soil", "garden/plants/herbs", "idea", "reading", "project/active")


@dataclass(frozen=True)
class NoteSpec:
    path: str  # vault-relative, with .md
    name: str  # file name without .md
    headings: tuple[str, ...]
    alias: str


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def _plan(notes: int, rng: random.Random) -> list[NoteSpec]:
    """Folders nest up to three deep; every 25th name repeats in another folder, so links must
    follow Obsidian's same-name rules."""
    specs: list[NoteSpec] = []
    for i in range(notes):
        area, topic, sub = i % 10, (i // 10) % 8, (i // 80) % 4
        folder = [f"Area {area}", f"Topic {area}-{topic}", f"Part {sub}"][: 1 + i % 3]
        name = f"Note {i // 2}" if i % 25 == 0 and i else f"Note {i}"
        if i % 7 == 0:
            name += " & more"
        heads = tuple(f"{rng.choice(WORDS).capitalize()} {i}-{h}" for h in range(3))
        specs.append(NoteSpec("/".join([*folder, name + ".md"]), name, heads, f"Alias {i}"))
    return specs


def _links(rng: random.Random, me: NoteSpec, specs: list[NoteSpec]) -> list[str]:
    """About ten links of every kind from the contract, ~3% of them broken."""
    out: list[str] = []
    for k in range(10):
        t = rng.choice(specs)
        if rng.random() < 0.03:
            out.append(f"[[Missing note {rng.randrange(10**6)}]]")
            continue
        kind = k % 10
        if kind == 0:
            out.append(f"[[{t.name}]]")
        elif kind == 1:
            out.append(f"[[{t.name}|{rng.choice(WORDS)}]]")
        elif kind == 2:
            out.append(f"[[{t.name}#{t.headings[1]}]]")
        elif kind == 3:
            out.append(f"[[{t.path[:-3]}]]")
        elif kind == 4:
            out.append(f"[[{t.name.lower()}]]")
        elif kind == 5:
            out.append(f"[{rng.choice(WORDS)}]({t.path.replace(' ', '%20')})")
        elif kind == 6:
            out.append(f"[[{t.alias}]]")
        elif kind == 7:
            out.append(f"[[{t.name}#^b1]]")  # every note has block ^b1
        elif kind == 8:
            out.append(f"[[#{me.headings[2]}]]")
        else:
            out.append(f"[{rng.choice(WORDS)}](<{t.path}>)")
    return out


def _note_text(rng: random.Random, me: NoteSpec, specs: list[NoteSpec], images: list[str]) -> str:
    links = _links(rng, me, specs)
    tags = rng.sample(TAGS, 2)
    parts = [
        "---",
        f"title: {me.name}",
        f"aliases: [{me.alias}]",
        f"tags: [{tags[0]}]",
        f"date: 2024-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}",
        "---",
        "",
        f"{_sentence(rng, 14)} {links[0]} and {links[1]}. #{tags[1]}",
        "",
        f"## {me.headings[0]}",
        "",
        f"{_sentence(rng, 20)} {links[2]}, {links[3]} ==marked== {links[4]}.",
        f"Inline math $e^{{i\\pi}} + {rng.randrange(9)} = 0$ and ~~struck~~ text. {CJK}",
        "",
        f"- [ ] {_sentence(rng, 5)} {links[5]}",
        f"- [x] {_sentence(rng, 6)} {links[6]}",
        "",
        f"A block paragraph with an id. {links[7]} ^b1",
        "",
        f"> [!note] {rng.choice(WORDS).capitalize()}",
        f"> {_sentence(rng, 12)} {links[8]}",
        "",
        f"## {me.headings[1]}",
        "",
        "```python",
        f"def f{rng.randrange(100)}(x: int) -> int:",
        "    return x * 2  # code is highlighted at build time",
        "```",
        "",
        "$$",
        f"\\sum_{{k=1}}^{{n}} k^{rng.randrange(2, 5)}",
        "$$",
        "",
        f"{_sentence(rng, 18)} {links[9]}[^1]",
        "",
        f"## {me.headings[2]}",
        "",
        "| a | b |",
        "|---|---|",
        f"| {rng.choice(WORDS)} | {rng.randrange(100)} |",
        "",
        "%% a private comment that never reaches the site %%",
        "",
    ]
    r = rng.random()
    if r < 0.05:
        parts.append(f"![[{rng.choice(specs).name}]]\n")
    elif r < 0.15:
        t = rng.choice(specs)
        parts.append(f"![[{t.name}#{t.headings[0]}]]\n")
    if images and rng.random() < 0.3:
        image = rng.choice(images)
        sized = rng.random() < 0.6
        parts.append(
            f"![[{image}|{rng.choice((320, 480, 640))}]]\n" if sized else f"![[{image}]]\n"
        )
    parts.append("[^1]: A footnote.\n")
    return "\n".join(parts)


def photo(rng: random.Random, width: int, height: int) -> Image.Image:
    """Smooth colour fields plus fine grain: compresses (and costs to decode) like a photo, which
    flat colour or pure noise would not. The grain is a tile pasted over the image because
    full-size noise would make generating 1,000 photos take many minutes."""
    small = (max(8, width // 64), max(8, height // 64))
    channels = [
        Image.effect_noise(small, 60 + 20 * c).resize((width, height), Image.Resampling.BICUBIC)
        for c in range(3)
    ]
    base = Image.merge("RGB", channels)
    tile = Image.effect_noise((509, 509), 18 + rng.randrange(8)).convert("RGB")
    grain = Image.new("RGB", (width, height))
    for x in range(0, width, 509):
        for y in range(0, height, 509):
            grain.paste(tile, (x, y))
    return Image.blend(base, grain, 0.12 + rng.random() * 0.05)


def _image_sizes(count: int, rng: random.Random, largest: float = 12.0) -> list[tuple[int, int]]:
    sizes = []
    for _ in range(count):
        megapixels = 0.3 + rng.random() * (largest - 0.3)
        aspect = rng.choice((4 / 3, 3 / 2, 16 / 9, 3 / 4, 1.0))
        height = int((megapixels * 1e6 / aspect) ** 0.5)
        sizes.append((int(height * aspect), height))
    return sizes


def write_images(folder: Path, count: int, seed: int, largest: float = 12.0) -> list[str]:
    """``count`` photo-like images of 0.3 to ``largest`` megapixels, a third of them PNG."""
    rng = random.Random(seed * 7919)
    names = []
    folder.mkdir(parents=True, exist_ok=True)
    for i, (w, h) in enumerate(_image_sizes(count, rng, largest)):
        name = f"photo {i:04d}.{'jpg' if i % 3 else 'png'}"
        target = folder / name
        if not target.exists():
            image = photo(rng, w, h)
            if name.endswith(".jpg"):
                image.save(target, quality=88)
            else:
                image.save(target, compress_level=1)
        names.append(name)
    return names


def generate(notes: int, *, images: int | None = None, seed: int = 1) -> Path:
    """The vault for ``notes`` notes (and 10% as many images unless ``images`` is given), cached."""
    images = notes // 10 if images is None else images
    root = CACHE / f"vault-{notes}-{images}-s{seed}"
    meta = {"version": GENERATOR_VERSION, "notes": notes, "images": images, "seed": seed}
    if _cached(root, meta):
        return root
    rng = random.Random(seed)
    specs = _plan(notes, rng)
    image_names = write_images(root / "attachments", images, seed)
    for spec in specs:
        target = root / spec.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_note_text(rng, spec, specs, image_names), encoding="utf-8")
    return _finish(root, "# Benchmark garden\n\nStart at [[Note 1]].\n", meta)


MARKER = ".bench-generated.json"


def _finish(root: Path, index: str, meta: Mapping[str, object]) -> Path:
    """The vault's home note, then the marker that says the vault is whole (written last: a
    generation stopped half-way is made again next time)."""
    (root / "index.md").write_text(index, encoding="utf-8")
    (root / MARKER).write_text(json.dumps(meta))
    return root


def _cached(root: Path, meta: Mapping[str, object]) -> bool:
    """Whether ``root`` holds the vault ``meta`` describes; if not, it is cleared for a new one."""
    marker = root / MARKER
    if marker.is_file() and json.loads(marker.read_text()) == meta:
        return True
    if root.exists():
        shutil.rmtree(root)
    return False


# --------------------------------------------------------------------------------------------
# Obsidian's visual formats: Mermaid diagrams in notes, and JSON Canvas 1.0 boards
# --------------------------------------------------------------------------------------------
VISUAL_VERSION = 1


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def mermaid_diagram(rng: random.Random, kind: str, names: list[str]) -> str:
    """A diagram of ``kind`` as people write them (sizes and features of real notes), its
    labels drawn from ``WORDS``; flowcharts link a few nodes to notes of ``names``."""
    w = lambda n=2: _words(rng, n)  # noqa: E731
    if kind == "flowchart":
        size = rng.randint(5, 14)
        lines = [f"flowchart {rng.choice(('TD', 'LR'))}"]
        for i in range(size):
            shape = rng.choice(("[{}]", "({})", "{{{}}}", "([{}])", "[({})]", "(({}))"))
            lines.append(f"    N{i}{shape.format(w())}")
        for i in range(1, size):
            edge = rng.choice(("-->", "-.->", "==>", f"-->|{w(1)}|"))
            lines.append(f"    N{rng.randrange(i)} {edge} N{i}")
        linked = rng.sample(range(size), 2)
        for i, name in zip(linked, rng.sample(names, 2), strict=True):
            lines.append(f'    L{i}["{name}"] --> N{i}')
        lines.append(f"    class {','.join(f'L{i}' for i in linked)} internal-link;")
        return "\n".join(lines)
    if kind == "sequence":
        people = rng.sample(["Alice", "Bob", "Carol", "Dave", "Server", "Cache"], 4)
        lines = ["sequenceDiagram", "    autonumber"]
        for i in range(rng.randint(5, 12)):
            a, b = rng.sample(people, 2)
            lines.append(f"    {a}{rng.choice(('->>', '-->>', '-)'))}{b}: {w(3)}")
            if i == 3:
                lines.append(f"    Note over {a},{b}: {w(4)}")
        lines.insert(4, f"    loop {w()}")
        lines.insert(6, "    end")
        return "\n".join(lines)
    if kind == "class":
        classes = [w(1).replace(" ", "") + str(i) for i in range(rng.randint(3, 6))]
        lines = ["classDiagram"]
        for c in classes:
            lines += [
                f"    class {c} {{",
                f"        +str {rng.choice(WORDS)}",
                f"        +{w(1)}() int",
            ]
            lines.append("    }")
        for a, b in itertools.pairwise(classes):
            lines.append(f"    {a} {rng.choice(('<|--', '*--', 'o--', '-->', '..>'))} {b}")
        return "\n".join(lines)
    if kind == "state":
        states = [w(1).replace(" ", "") + str(i) for i in range(rng.randint(3, 7))]
        lines = ["stateDiagram-v2", f"    [*] --> {states[0]}"]
        for a, b in itertools.pairwise(states):
            lines.append(f"    {a} --> {b} : {rng.choice(WORDS)}")
        lines.append(f"    {states[-1]} --> [*]")
        return "\n".join(lines)
    if kind == "gantt":
        lines = ["gantt", f"    title {w(3)}", "    dateFormat YYYY-MM-DD"]
        for s_ in range(rng.randint(2, 4)):
            lines.append(f"    section {w()}")
            for t in range(rng.randint(2, 4)):
                day = 1 + rng.randrange(27)
                lines.append(f"    {w()} :t{s_}{t}, 2024-0{1 + s_}-{day:02d}, {rng.randint(1, 9)}d")
        return "\n".join(lines)
    if kind == "mindmap":
        lines = ["mindmap", f"  root(({w()}))"]
        for _ in range(rng.randint(3, 5)):
            lines.append(f"    {w()}")
            lines += [f"      {w()}" for _ in range(rng.randint(1, 3))]
        return "\n".join(lines)
    if kind == "pie":
        lines = [f"pie title {w(3)}"]
        lines += [f'    "{w()}" : {rng.randint(1, 90)}' for _ in range(rng.randint(3, 7))]
        return "\n".join(lines)
    entities = [w(1).upper().replace(" ", "_") + str(i) for i in range(rng.randint(3, 5))]
    lines = ["erDiagram"]
    for a, b in itertools.pairwise(entities):
        lines.append(
            f"    {a} {rng.choice(('||--o{', '}|..|{', '||--||'))} {b} : {rng.choice(WORDS)}"
        )
    for e in entities:
        lines += [
            f"    {e} {{",
            "        string id PK",
            f"        int {rng.choice(WORDS)}",
            "    }",
        ]
    return "\n".join(lines)


DIAGRAM_KINDS = ("flowchart", "sequence", "class", "state", "gantt", "mindmap", "pie", "er")
CANVAS_COLORS = ("1", "2", "3", "4", "5", "6", "#3a7d44")
SIDES = ("top", "right", "bottom", "left")


def json_canvas(rng: random.Random, i: int, specs: list[NoteSpec], images: list[str]) -> str:
    """A JSON Canvas 1.0 board like people make: groups holding text cards (Markdown with links,
    tags, a list), file cards of notes (some a heading of one) and images, web links, and edges
    between them from named sides, some labelled, coloured, or with arrows at both ends."""
    nodes: list[dict[str, object]] = []
    for g in range(rng.randint(1, 3)):
        gx, gy = g * 1400, rng.randrange(-200, 200)
        nodes.append(
            {
                "id": f"g{g}",
                "type": "group",
                "x": gx - 40,
                "y": gy - 80,
                "width": 1240,
                "height": 1000,
                "label": _words(rng, 2),
                "color": rng.choice(CANVAS_COLORS),
            }
        )
        for k in range(rng.randint(4, 9)):
            x, y = gx + (k % 3) * 400, gy + (k // 3) * 300
            node: dict[str, object] = {
                "id": f"n{g}-{k}",
                "x": x,
                "y": y,
                "width": 360,
                "height": 240,
            }
            kind = rng.choice(("text", "text", "file", "file", "link"))
            target = rng.choice(specs)
            if kind == "text":
                node.update(
                    type="text",
                    text=f"## {_words(rng, 2)}\n\n{_sentence(rng, 12)} "
                    f"[[{target.name}]] #idea\n\n- {_words(rng, 3)}\n- [[{target.alias}]]",
                )
            elif kind == "file" and images and rng.random() < 0.3:
                node.update(type="file", file=f"attachments/{rng.choice(images)}")
            elif kind == "file":
                node.update(type="file", file=target.path)
                if rng.random() < 0.3:
                    node["subpath"] = f"#{target.headings[0]}"
            else:
                node.update(type="link", url=f"https://example.com/{rng.choice(WORDS)}/{i}-{k}")
            if rng.random() < 0.3:
                node["color"] = rng.choice(CANVAS_COLORS)
            nodes.append(node)
    cards = [n["id"] for n in nodes if n["type"] != "group"]
    edges = []
    for e in range(len(cards) + rng.randint(0, 4)):
        a, b = rng.sample(cards, 2)
        edge: dict[str, object] = {
            "id": f"e{e}",
            "fromNode": a,
            "toNode": b,
            "fromSide": rng.choice(SIDES),
            "toSide": rng.choice(SIDES),
        }
        if rng.random() < 0.3:
            edge["label"] = _words(rng, 2)
        if rng.random() < 0.2:
            edge["fromEnd"], edge["toEnd"] = "arrow", "arrow"
        if rng.random() < 0.2:
            edge["color"] = rng.choice(CANVAS_COLORS)
        edges.append(edge)
    return json.dumps({"nodes": nodes, "edges": edges}, indent="\t")


def generate_visual(
    notes: int = 250, canvases: int = 50, diagrams: int = 200, *, seed: int = 1
) -> Path:
    """A vault of ``notes`` notes (as ``generate`` writes them, with 20 images) where
    ``diagrams`` Mermaid diagrams of the common types sit two to a note, and ``canvases``
    boards reference the notes and images. Cached like ``generate``."""
    root = CACHE / f"visual-{notes}-{canvases}c-{diagrams}d-s{seed}"
    meta = {
        "version": GENERATOR_VERSION,
        "visual": VISUAL_VERSION,
        "notes": notes,
        "canvases": canvases,
        "diagrams": diagrams,
        "seed": seed,
    }
    if _cached(root, meta):
        return root
    rng = random.Random(seed)
    specs = _plan(notes, rng)
    image_names = write_images(root / "attachments", 20, seed)
    names = [s.name for s in specs]
    for n, spec in enumerate(specs):
        text = _note_text(rng, spec, specs, image_names)
        for d in range(2 * n, min(2 * n + 2, diagrams)):
            kind = DIAGRAM_KINDS[d % len(DIAGRAM_KINDS)]
            text += f"\n## Diagram {d}\n\n```mermaid\n{mermaid_diagram(rng, kind, names)}\n```\n"
        target = root / spec.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for i in range(canvases):
        board = root / "Boards" / f"Board {i}.canvas"
        board.parent.mkdir(parents=True, exist_ok=True)
        board.write_text(json_canvas(rng, i, specs, image_names), encoding="utf-8")
    links = " ".join(f"[[Board {i}.canvas]]" for i in range(0, canvases, 10))
    index = f"# Visual garden\n\nStart at [[Note 1]]. Boards: {links}\n\n![[Board 0.canvas]]\n"
    return _finish(root, index, meta)


# --------------------------------------------------------------------------------------------
# Vaults shaped like real ones: long-form notes, and thousands of short notes in deep folders
# --------------------------------------------------------------------------------------------
SHAPES_VERSION = 1
CODE_LANGS = ("python", "javascript", "bash", "rust", "json", "yaml", "sql", "go", "text")
CALLOUTS = ("note", "tip", "warning", "info", "example", "quote", "todo", "abstract")


def _sized(rng: random.Random, median: int, low: int, high: int) -> int:
    """A note size in bytes: log-normal around ``median``, as note sizes are in real vaults."""
    return max(low, min(high, int(median * rng.lognormvariate(0.0, 0.55))))


def _code_block(rng: random.Random, lang: str) -> str:
    """A fenced block of code-like lines (identifiers, calls, strings, comments, numbers)."""
    lines = []
    indent = 0
    for _ in range(rng.randint(4, 22)):
        name = "_".join(rng.sample(WORDS, 2))
        kind = rng.random()
        if kind < 0.2:
            line = (
                f"# {_sentence(rng, 6)}"
                if lang in ("python", "bash", "yaml")
                else (f"// {_sentence(rng, 6)}")
            )
        elif kind < 0.45:
            line = f'{name} = {rng.choice(WORDS)}("{rng.choice(WORDS)}", {rng.randrange(1000)})'
        elif kind < 0.6:
            line = f"if {name} > {rng.randrange(100)}:" if lang == "python" else f"{name}: {{"
            indent = min(indent + 1, 3)
        elif kind < 0.75:
            line = f"return {name}.{rng.choice(WORDS)}({rng.randrange(9)})"
            indent = max(indent - 1, 0)
        else:
            line = f"{name}.append([{', '.join(str(rng.randrange(99)) for _ in range(4))}])"
        lines.append("    " * indent + line)
    return f"```{lang}\n" + "\n".join(lines) + "\n```"


def _inline_text(rng: random.Random, words: int, link: Callable[[], str] | None) -> str:
    """A sentence or three with the inline syntax prose carries: emphasis, code, math, links."""
    out = []
    for _ in range(max(1, words // 12)):
        sentence = _sentence(rng, rng.randint(8, 16))
        r = rng.random()
        if r < 0.12:
            sentence = sentence.replace(" ", f" **{rng.choice(WORDS)}** ", 1)
        elif r < 0.22:
            sentence = sentence.replace(" ", f" *{rng.choice(WORDS)}* ", 1)
        elif r < 0.32:
            sentence = sentence.replace(" ", f" `{rng.choice(WORDS)}()` ", 1)
        elif r < 0.37:
            sentence = sentence.replace(" ", f" $x_{rng.randrange(9)}^2$ ", 1)
        elif r < 0.42:
            sentence = sentence.replace(" ", f" ==marked {rng.choice(WORDS)}== ", 1)
        elif r < 0.47:
            sentence = sentence.replace(
                " ", f" [{rng.choice(WORDS)}](https://example.com/{rng.choice(WORDS)}) ", 1
            )
        if link is not None and rng.random() < 0.35:
            sentence = sentence[:-1] + f" {link()}."
        out.append(sentence)
    return " ".join(out)


def _table(rng: random.Random) -> str:
    cols = rng.randint(3, 6)
    head = "| " + " | ".join(rng.choice(WORDS).capitalize() for _ in range(cols)) + " |"
    rule = "|" + "|".join(rng.choice(("---", ":--", ":-:", "--:")) for _ in range(cols)) + "|"
    rows = [
        "| "
        + " | ".join(
            rng.choice((rng.choice(WORDS), str(rng.randrange(10**4)), f"`{rng.choice(WORDS)}`"))
            for _ in range(cols)
        )
        + " |"
        for _ in range(rng.randint(3, 12))
    ]
    return "\n".join([head, rule, *rows])


def _list(rng: random.Random, link: Callable[[], str] | None, items: int, nested: bool) -> str:
    lines = []
    ordered = rng.random() < 0.25
    tasks = not ordered and rng.random() < 0.15
    for i in range(items):
        mark = f"{i + 1}." if ordered else "-"
        if tasks:
            mark += rng.choice((" [ ]", " [x]"))
        text = _inline_text(rng, rng.randint(6, 20), link)
        lines.append(f"{mark} {text}")
        if nested and rng.random() < 0.3:
            for _ in range(rng.randint(1, 3)):
                lines.append(f"    - {_inline_text(rng, rng.randint(5, 12), link)}")
    return "\n".join(lines)


def _callout(rng: random.Random, link: Callable[[], str] | None) -> str:
    kind = rng.choice(CALLOUTS)
    fold = rng.choice(("", "", "-", "+"))
    lines = [f"> [!{kind}]{fold} {_words(rng, 3)}"]
    for _ in range(rng.randint(1, 3)):
        lines.append(f"> {_inline_text(rng, rng.randint(12, 30), link)}")
        lines.append(">")
    if rng.random() < 0.3:
        lines += [f"> - {_inline_text(rng, 8, link)}" for _ in range(3)]
    return "\n".join(lines).rstrip(">\n")


def _display_math(rng: random.Random) -> str:
    n = rng.randrange(2, 6)
    forms = (
        f"\\sum_{{k=1}}^{{n}} k^{n} = \\frac{{n(n+1)}}{{{n}}}",
        f"\\int_0^{{\\infty}} e^{{-{n}x}} \\, dx = \\frac{{1}}{{{n}}}",
        f"\\begin{{pmatrix}} a & b \\\\ c & d \\end{{pmatrix}} \\cdot x_{n}",
        f"f(x) = \\sqrt{{x^{n} + \\alpha_{n}}} - \\log(1 + x)",
    )
    return "$$\n" + rng.choice(forms) + "\n$$"


@dataclass(frozen=True)
class _Shape:
    """A vault of a given shape: where its notes live and what they are called."""

    paths: list[str]  # vault-relative, with .md

    def name(self, i: int) -> str:
        return self.paths[i].rsplit("/", 1)[-1][:-3]


def generate_longform(notes: int = 1000, images: int = 100, *, seed: int = 1) -> Path:
    """Long-form notes as people write essays, project logs and reading notes: median ~9 KB of
    prose with emphasis, inline code and math, links, lists (nested, numbered, tasks), code
    blocks in several languages (some snippets repeated across notes), tables, callouts,
    display math, footnotes, and ``images`` photos (0.3-4 MP) embedded in about one note in
    ten. Cached like ``generate``."""
    root = CACHE / f"longform-{notes}-{images}-s{seed}"
    meta: dict[str, object] = {"shapes": SHAPES_VERSION, "kind": "longform", "notes": notes}
    meta.update(images=images, seed=seed)
    if _cached(root, meta):
        return root
    rng = random.Random(seed)
    folders = ["Essays", "Projects/Garden", "Projects/Tools", "Reading/2023", "Reading/2024", ""]
    paths = []
    for i in range(notes):
        title = f"{_words(rng, rng.randint(2, 4))} {i}"
        folder = folders[i % len(folders)]
        paths.append(f"{folder}/{title}.md" if folder else f"{title}.md")
    shape = _Shape(paths)
    image_names = write_images(root / "attachments", images, seed, largest=4.0)
    snippets = [_code_block(rng, rng.choice(CODE_LANGS)) for _ in range(40)]

    def link() -> str:
        target = shape.name(rng.randrange(notes))
        r = rng.random()
        if r < 0.2:
            return f"[[{target}|{rng.choice(WORDS)}]]"
        if r < 0.25:
            return f"[[{target}#^b1]]"
        return f"[[{target}]]"

    for i, path in enumerate(paths):
        target = _sized(rng, 8000, 1500, 60000)
        parts = [
            "---",
            f"tags: [{rng.choice(TAGS)}, {rng.choice(TAGS)}]",
            f"date: 2024-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}",
            "---",
            "",
            f"{_inline_text(rng, 40, link)} ^b1",
        ]
        footnotes = 0
        while sum(len(p) + 1 for p in parts) < target:
            parts += ["", f"## {_words(rng, rng.randint(2, 5))}", ""]
            for _ in range(rng.randint(2, 5)):
                r = rng.random()
                if r < 0.4:
                    text = _inline_text(rng, rng.randint(40, 120), link)
                    if rng.random() < 0.2:
                        footnotes += 1
                        text += f"[^{footnotes}]"
                    parts.append(text)
                elif r < 0.55:
                    parts.append(_list(rng, link, rng.randint(3, 8), nested=True))
                elif r < 0.67:
                    lang = rng.choice(CODE_LANGS)
                    parts.append(
                        rng.choice(snippets) if rng.random() < 0.25 else _code_block(rng, lang)
                    )
                elif r < 0.75:
                    parts.append(_table(rng))
                elif r < 0.84:
                    parts.append(_callout(rng, link))
                elif r < 0.9:
                    parts.append(_display_math(rng))
                elif r < 0.95:
                    parts.append(f"### {_words(rng, 3)}")
                else:
                    parts.append(f"> {_inline_text(rng, 30, link)}")
                parts.append("")
        if image_names and i % 10 == 3:
            for _ in range(rng.randint(1, 2)):
                size = rng.choice(("", "|640", "|480"))
                parts += [f"![[{rng.choice(image_names)}{size}]]", ""]
        parts += [f"[^{n}]: {_sentence(rng, 10)}" for n in range(1, footnotes + 1)]
        target_file = root / path
        target_file.parent.mkdir(parents=True, exist_ok=True)
        target_file.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return _finish(root, f"# Long-form garden\n\nStart at [[{shape.name(0)}]].\n", meta)


def generate_short(notes: int = 6500, *, seed: int = 1) -> Path:
    """A community vault of many short notes: median ~2 KB, in folders two to seven deep, mostly
    lists of links (maps of content, glossaries, topic stubs), with tags, some front matter and
    the odd callout or code block. No images. Cached like ``generate``."""
    root = CACHE / f"short-{notes}-s{seed}"
    meta: dict[str, object] = {"shapes": SHAPES_VERSION, "kind": "short", "notes": notes}
    meta.update(seed=seed)
    if _cached(root, meta):
        return root
    rng = random.Random(seed)
    # A folder tree: 8 top folders, each new folder under a random one, down to 7 deep (a
    # random recursive tree: most folders 3-6 deep, as in real community vaults).
    tree = [[f"{_words(rng, 1)} {t}"] for t in range(8)]
    while len(tree) < 400:
        parent = rng.choice([f for f in tree if len(f) < 7])
        tree.append([*parent, f"{_words(rng, rng.randint(1, 2))} {len(tree)}"])
    deep = [f for f in tree if len(f) >= 2]
    paths = []
    for i in range(notes):
        folder = "/".join(rng.choice(deep))
        name = f"{_words(rng, rng.randint(1, 3))} {i}" if i % 50 else f"{_words(rng, 1)}"
        paths.append(f"{folder}/{name}.md")
    shape = _Shape(paths)

    def link() -> str:
        target = rng.randrange(notes)
        r = rng.random()
        if r < 0.02:
            return f"[[Missing {rng.randrange(10**5)}]]"
        if r < 0.15:
            return f"[[{shape.name(target)}|{rng.choice(WORDS)}]]"
        if r < 0.2:
            return f"[[{paths[target][:-3]}]]"
        return f"[[{shape.name(target)}]]"

    for path in paths:
        target = _sized(rng, 1800, 200, 20000)
        parts: list[str] = []
        if rng.random() < 0.6:
            parts += ["---", f"tags: [{rng.choice(TAGS)}]", f"aliases: [{_words(rng, 2)}]", "---"]
        parts += ["", f"{_inline_text(rng, rng.randint(10, 40), link)} #{rng.choice(TAGS)}", ""]
        while sum(len(p) + 1 for p in parts) < target:
            r = rng.random()
            if r < 0.55:
                items = [
                    f"- {link()}"
                    + (f" — {_sentence(rng, rng.randint(3, 9))}" if rng.random() < 0.5 else "")
                    for _ in range(rng.randint(3, 12))
                ]
                parts += [f"## {_words(rng, 2)}", "", *items, ""]
            elif r < 0.75:
                parts += [_list(rng, link, rng.randint(2, 6), nested=True), ""]
            elif r < 0.92:
                parts += [_inline_text(rng, rng.randint(15, 50), link), ""]
            elif r < 0.97:
                parts += [_callout(rng, link), ""]
            else:
                parts += [_code_block(rng, rng.choice(CODE_LANGS)), ""]
        target_file = root / path
        target_file.parent.mkdir(parents=True, exist_ok=True)
        target_file.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return _finish(root, f"# Community garden\n\nStart at [[{shape.name(1)}]].\n", meta)


if __name__ == "__main__":
    import sys

    print(generate(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
