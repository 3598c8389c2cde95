"""HTML for the token types garden's parser produces, except internal links and embeds.

``NoteHTMLRenderer`` renders everything that needs no knowledge of other notes; the page renderer
(``garden.render``) subclasses it to draw ``ref`` tokens (links, embeds) and tag links. Math and
code are rendered here at build time, so pages need no script and no CDN.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from latex2mathml.converter import convert as latex_to_mathml
from mistune import BlockState, HTMLRenderer
from mistune.plugins.formatting import render_mark, render_strikethrough
from mistune.plugins.table import (
    render_table,
    render_table_body,
    render_table_cell,
    render_table_head,
    render_table_row,
)
from mistune.util import escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from garden.diagnostics import Category
from garden.markdown.mermaid import is_mermaid
from garden.markdown.sanitize import clean_html, clean_inline_html

_FIRST_TAG = re.compile(r"^(\s*<[a-zA-Z][a-zA-Z0-9]*)")
_FORMATTER = HtmlFormatter(cssclass="highlight", wrapcode=True)


@lru_cache(maxsize=256)
def _lexer(lang: str) -> Any:
    try:
        return get_lexer_by_name(lang)
    except ClassNotFound:
        return None


@lru_cache(maxsize=4096)
def highlight_code(code: str, lang: str) -> str | None:
    lexer = _lexer(lang)
    if lexer is None:
        return None
    return highlight(code, lexer, _FORMATTER)


@lru_cache(maxsize=4096)
def render_math(latex: str, display: bool) -> str | None:
    try:
        return latex_to_mathml(latex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises many kinds for bad input; all mean "cannot render"
        return None


def inject_id(html: str, element_id: str) -> str:
    """Give the first element of an HTML fragment an id (block ids on any kind of block)."""
    return _FIRST_TAG.sub(lambda m: f'{m.group(1)} id="{escape(element_id)}"', html, count=1)


class NoteHTMLRenderer(HTMLRenderer):
    """Renders a note's tokens. Subclasses provide ``render_ref`` and ``tag_href``."""

    def __init__(self) -> None:
        super().__init__(escape=False)
        # Put before every id this renderer writes (headings, block ids, footnotes), so a note
        # embedded in another page gets ids of its own; the page renderer sets it per embed.
        self.id_prefix = ""
        self._link_depth = 0  # > 0 while a link's text is drawn: no <a> may go inside it

    def element_id(self, raw: str) -> str:
        """The id to write for ``raw`` (not yet escaped for an attribute)."""
        return self.id_prefix + raw

    # -- hooks for subclasses ---------------------------------------------------------------
    def render_ref(self, token: dict[str, Any], state: BlockState) -> str:
        children = token.get("children")
        if children:  # [text](Other%20Note.md): the text, not the target
            return self.render_link_text(children, state)
        ref = token["attrs"]["ref"]
        return escape(ref.label or ref.target)

    def tag_href(self, name: str) -> str | None:
        return None

    def warn(self, category: str, message: str, line: int = 0) -> None:
        """Called for content that cannot be rendered (bad math); subclasses report it."""

    # -- dispatch ---------------------------------------------------------------------------
    def render_token(self, token: dict[str, Any], state: BlockState) -> str:
        kind = token["type"]
        if kind == "ref":
            return self.render_ref(token, state)
        if kind == "link":
            # As mistune's, with the text drawn through render_link_text.
            attrs = token["attrs"]
            text = self.render_link_text(token["children"], state)
            return self.link(text, attrs["url"], attrs.get("title"))
        if kind == "callout":
            html = self.render_callout(token, state)
        else:
            attrs = token.get("attrs")
            if not attrs or "block_id" not in attrs:
                return super().render_token(token, state)
            plain = {k: v for k, v in attrs.items() if k != "block_id"}
            html = super().render_token(dict(token, attrs=plain), state)
        block_id = (token.get("attrs") or {}).get("block_id")
        return inject_id(html, self.id_prefix + "^" + block_id) if block_id else html

    def render_link_text(self, children: list[dict[str, Any]], state: BlockState) -> str:
        """A link's visible text; anything that would be a link of its own (a tag) is not."""
        self._link_depth += 1
        try:
            return self.render_tokens(children, state)
        finally:
            self._link_depth -= 1

    def heading(self, text: str, level: int, **attrs: Any) -> str:
        element_id = attrs.get("id")
        id_attr = f' id="{escape(self.element_id(element_id))}"' if element_id else ""
        return f"<h{level}{id_attr}>{text}</h{level}>\n"

    # -- Obsidian syntax --------------------------------------------------------------------
    def render_callout(self, token: dict[str, Any], state: BlockState) -> str:
        attrs = token["attrs"]
        title_tok, *body = token["children"]
        title = self.render_tokens(title_tok["children"], state).strip() or escape(
            attrs["default_title"]
        )
        content = self.render_tokens(body, state)
        kind = escape(attrs["kind"])
        if attrs.get("metadata"):
            kind += f'" data-callout-metadata="{escape(attrs["metadata"])}'
        inner = (
            '<span class="callout-icon" aria-hidden="true"></span>'
            f'<span class="callout-title-inner">{title}</span>'
        )
        body_html = f'<div class="callout-content">\n{content}</div>\n'
        fold = attrs["fold"]
        if fold:
            is_open = " open" if fold == "+" else ""
            return (
                f'<details class="callout" data-callout="{kind}"{is_open}>\n'
                f'<summary class="callout-title">{inner}</summary>\n{body_html}</details>\n'
            )
        return (
            f'<div class="callout" data-callout="{kind}">\n'
            f'<div class="callout-title">{inner}</div>\n{body_html}</div>\n'
        )

    def tag(self, text: str, name: str) -> str:
        href = None if self._link_depth else self.tag_href(name)
        label = escape(text)
        if href is None:
            return f'<span class="tag">{label}</span>'
        return f'<a class="tag" href="{escape(href)}">{label}</a>'

    def task_list_item(self, text: str, checked: bool = False, task: str = "x") -> str:
        # A label so screen readers say what the (read-only) box means.
        state = "done" if checked else "not done"
        # Obsidian's data-task: "" for an open task, else the status character ("x", "?", "/"),
        # which themes style custom statuses by.
        status = escape(task.strip())
        checkbox = (
            f'<input class="task-list-item-checkbox" type="checkbox" disabled aria-label="{state}"'
            + (" checked>" if checked else ">")
        )
        if text.startswith("<p>"):
            text = text.replace("<p>", "<p>" + checkbox, 1)
        else:
            text = checkbox + text
        return f'<li class="task-list-item" data-task="{status}">{text}</li>\n'

    # -- build-time math and code -----------------------------------------------------------
    def inline_math(self, text: str, display: bool = False) -> str:
        """``$x$``, or ``$$x$$`` written inside a paragraph: display math, drawn in a span
        because a paragraph cannot hold a block."""
        html = render_math(text.strip() if display else text, display)
        if html is None:
            dollars = "$$" if display else "$"
            self.warn(Category.MATH, f"cannot render math {dollars}{text}{dollars}")
            return f'<code class="math-error">{escape(text)}</code>'
        return f'<span class="math-display">{html}</span>' if display else html

    def block_math(self, text: str) -> str:
        html = render_math(text.strip(), True)
        if html is None:
            self.warn(Category.MATH, "cannot render display math block")
            return f'<pre class="math-error"><code>{escape(text)}</code></pre>\n'
        return f'<div class="math-display">{html}</div>\n'

    def render_diagram(self, code: str, line: int) -> str | None:
        """A ```` ```mermaid ```` block drawn as a diagram; None shows its code (this class has
        no diagram renderer: the page renderer has)."""
        return None

    def block_code(self, code: str, info: str | None = None, line: int = 0) -> str:
        """Highlighted at build time when Pygments knows the language; ``data-lang`` names it
        for the theme (a label on the block)."""
        # ``line``: where a mermaid block's fence is in its note (set by the parser, for warnings)
        if is_mermaid(info):
            drawn = self.render_diagram(code, line)
            if drawn is not None:
                return drawn
        lang = (info or "").strip().split(None, 1)[0] if info and info.strip() else ""
        if lang:
            label = f' data-lang="{escape(lang)}"'
            highlighted = highlight_code(code, lang.lower())
            if highlighted is not None:
                return highlighted.replace(
                    '<div class="highlight">', f'<div class="highlight"{label}>', 1
                )
            return (
                f'<pre{label}><code class="language-{escape(lang)}">{escape(code)}</code></pre>\n'
            )
        return f"<pre><code>{escape(code)}</code></pre>\n"

    # -- external links keep their scheme; mark them so the theme can style them ---------------
    def link(self, text: str, url: str, title: str | None = None) -> str:
        attrs = f' title="{escape(title)}"' if title else ""
        href = self.safe_url(url)  # already escaped for an attribute
        return f'<a class="external" href="{href}"{attrs} rel="noopener">{text}</a>'

    def image(self, text: str, url: str, title: str | None = None) -> str:
        alt, _, size = text.rpartition("|")
        width = ""
        if size.strip().isdigit():
            width = f' width="{int(size)}"'
            text = alt
        elif text.strip().isdigit():
            width, text = f' width="{int(text)}"', ""
        title_attr = f' title="{escape(title)}"' if title else ""
        src = self.safe_url(url)  # already escaped for an attribute
        return f'<img src="{src}" alt="{escape(text)}"{width}{title_attr} loading="lazy">'

    # -- footnotes: every id unique on the page (see garden.markdown.footnotes) ---------------
    def _fnref_id(self, index: int, ref: int) -> str:
        return self.element_id(f"fnref-{index}" if ref == 1 else f"fnref-{index}-{ref}")

    def footnote_href(self, index: int) -> str:
        """Where a reference to footnote ``index`` points; subclasses may point to another page."""
        return "#" + self.element_id(f"fn-{index}")

    def footnote_ref(self, key: str, index: int, ref: int = 1) -> str:
        return (
            f'<sup class="footnote-ref" id="{escape(self._fnref_id(index, ref))}">'
            f'<a href="{escape(self.footnote_href(index))}">{index}</a></sup>'
        )

    def footnotes(self, text: str) -> str:
        return f'<section class="footnotes">\n<ol>\n{text}</ol>\n</section>\n'

    def footnote_item(self, text: str, key: str, index: int, refs: int = 1) -> str:
        back = "".join(
            f'<a href="#{escape(self._fnref_id(index, n))}" class="footnote">&#8617;'
            + (f"<sup>{n}</sup>" if n > 1 else "")
            + "</a>"
            for n in range(1, refs + 1)
        )
        text = text.rstrip()
        text = text[:-4] + back + "</p>" if text.endswith("</p>") else text + "\n" + back
        return f'<li id="{escape(self.element_id(f"fn-{index}"))}">{text}</li>\n'

    # -- raw HTML: the author's own, cleaned only when config ``sanitize`` asks for it -------
    sanitize = False  # set by the page renderer from the config

    def block_html(self, html: str) -> str:
        return (clean_html(html) if self.sanitize else html) + "\n"

    def inline_html(self, html: str) -> str:
        return clean_inline_html(html) if self.sanitize else html

    # -- mistune plugins' renderers (registered only on HTML renderers at plugin time) ---------
    table = render_table
    table_head = render_table_head
    table_body = render_table_body
    table_row = render_table_row
    table_cell = render_table_cell
    strikethrough = render_strikethrough
    mark = render_mark
