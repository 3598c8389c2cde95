"""Canvases in Chromium: the example vault's garden plan drawn where its file puts every node,
edges joining the sides they name, the drawing fitted on load and moved by mouse, touch and
keyboard, the embed and the link preview, with JavaScript off, and screenshots in both themes
and on a phone (test-artifacts/screenshots/canvas-*.png, looked at by a person once)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import DESKTOP, REPO, Served
from playwright.sync_api import Browser, Page
from test_browser import PHONE, SCREENSHOTS, Recorder
from test_reader import axe_problems

PLAN = "Gardening/Garden-plan.canvas.html"
PLAN_FILE = REPO / "vault/Gardening/Garden plan.canvas"
GUIDE = "Guide/Canvas.html"
_NORMALS = {"top": (0, -1), "right": (1, 0), "bottom": (0, 1), "left": (-1, 0)}

# The drawing as the reader sees it: the scale, every node's box and every edge's two ends, in
# page pixels.
MEASURE = """(root) => {
  const top = root.querySelector(".canvas-world");  // not those of canvases in cards
  const world = top.getBoundingClientRect();
  const frame = root.querySelector(".canvas-viewport").getBoundingClientRect();
  const box = (r) => ({x: r.left, y: r.top, w: r.width, h: r.height});
  const nodes = {};
  for (const n of top.querySelectorAll(":scope > .canvas-node")) {
    nodes[n.dataset.node] = box(n.getBoundingClientRect());
  }
  const edges = {};
  for (const g of top.querySelectorAll(":scope > .canvas-edges > g > .canvas-edge")) {
    const path = g.querySelector("path");
    const m = path.getScreenCTM();
    const at = (len) => {
      const p = path.getPointAtLength(len);
      return [p.x * m.a + p.y * m.c + m.e, p.x * m.b + p.y * m.d + m.f];
    };
    edges[g.dataset.edge] = {start: at(0), end: at(path.getTotalLength()),
      arrows: g.querySelectorAll("polygon").length, from: g.dataset.from, to: g.dataset.to};
  }
  return {scale: Number(root.dataset.scale), world: box(world), frame: box(frame),
    left: Number(top.dataset.left), top: Number(top.dataset.top), nodes, edges};
}"""


def _plan() -> dict[str, Any]:
    return json.loads(PLAN_FILE.read_text(encoding="utf-8"))


def _measure(page: Page, selector: str = ".canvas-view-page") -> dict[str, Any]:
    return page.locator(selector).first.evaluate(MEASURE)


def _open(page: Page, served: Served, rel: str) -> None:
    assert Recorder(page, served.origin).visit(page, served.url(rel)) == []
    page.wait_for_function("document.querySelector('.canvas-view.is-interactive')")


def _side(box: dict[str, float], side: str) -> tuple[float, float]:
    nx, ny = _NORMALS[side]
    return box["x"] + box["w"] * (1 + nx) / 2, box["y"] + box["h"] * (1 + ny) / 2


@pytest.mark.browser
def test_nodes_are_where_the_file_puts_them_and_edges_join_their_sides(
    page: Page, example: Served
) -> None:
    _open(page, example, PLAN)
    drawn = _measure(page)
    s = drawn["scale"]
    # Fitted on load: the whole drawing in its frame, as large as fits but never enlarged.
    world, frame = drawn["world"], drawn["frame"]
    assert 0 < s <= 1
    assert world["x"] >= frame["x"] - 1 and world["x"] + world["w"] <= frame["x"] + frame["w"] + 1
    assert world["y"] >= frame["y"] - 1 and world["y"] + world["h"] <= frame["y"] + frame["h"] + 1
    # (the frame's box has a 1px border each side)
    assert world["w"] == pytest.approx(frame["w"] - 2, abs=2) or world["h"] == pytest.approx(
        frame["h"] - 2, abs=2
    )
    plan = _plan()
    assert set(drawn["nodes"]) == {n["id"] for n in plan["nodes"]}
    for n in plan["nodes"]:
        got = drawn["nodes"][n["id"]]
        want_x = world["x"] + (n["x"] - drawn["left"]) * s
        want_y = world["y"] + (n["y"] - drawn["top"]) * s
        assert got["x"] == pytest.approx(want_x, abs=1.5), n["id"]
        assert got["y"] == pytest.approx(want_y, abs=1.5), n["id"]
        assert got["w"] == pytest.approx(n["width"] * s, abs=1.5), n["id"]
        assert got["h"] == pytest.approx(n["height"] * s, abs=1.5), n["id"]
    # Every edge starts and ends on the side of its nodes it names (where it has an arrow, at
    # the arrowhead's base, one arrow length out).
    nodes = {n["id"]: n for n in plan["nodes"]}
    for e in plan["edges"]:
        got = drawn["edges"][e["id"]]
        assert (got["from"], got["to"]) == (e["fromNode"], e["toNode"])
        ends = [
            ("from", got["start"], e.get("fromSide"), e.get("fromEnd") == "arrow"),
            ("to", got["end"], e.get("toSide"), e.get("toEnd", "arrow") == "arrow"),
        ]
        for which, point, side, arrow in ends:
            box = drawn["nodes"][e[which + "Node"]]
            if side is None:  # no side named: one of the node's four
                candidates = [_side(box, sd) for sd in _NORMALS]
            else:
                out = 14 * s if arrow else 0
                x, y = _side(box, side)
                candidates = [(x + _NORMALS[side][0] * out, y + _NORMALS[side][1] * out)]
            assert min(abs(point[0] - x) + abs(point[1] - y) for x, y in candidates) < 2 + 14 * s, (
                e["id"],
                which,
            )
        assert got["arrows"] == (e.get("fromEnd") == "arrow") + (e.get("toEnd", "arrow") == "arrow")
    # Groups are behind the cards they hold: the middle of a card is the card.
    intro = next(n for n in plan["nodes"] if n.get("text", "").startswith("## This season"))
    box = drawn["nodes"][intro["id"]]
    hit = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('.canvas-node').dataset.node",
        [box["x"] + box["w"] / 2, box["y"] + box["h"] - 4],
    )
    assert hit == intro["id"]
    del nodes


def _transform(page: Page) -> tuple[float, float, float]:
    drawn = _measure(page)
    return drawn["scale"], drawn["world"]["x"], drawn["world"]["y"]


@pytest.mark.browser
def test_pan_and_zoom_respond_to_mouse_keyboard_and_buttons(page: Page, example: Served) -> None:
    _open(page, example, PLAN)
    fit, x0, y0 = _transform(page)
    frame = _measure(page)["frame"]
    cx, cy = frame["x"] + frame["w"] * 0.3, frame["y"] + frame["h"] * 0.4
    world_point = ((cx - x0) / fit, (cy - y0) / fit)
    # Ctrl + wheel zooms in at the pointer, which stays over the same point of the canvas.
    page.mouse.move(cx, cy)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    page.wait_for_timeout(50)
    s1, x1, y1 = _transform(page)
    assert s1 > fit * 1.5
    assert ((cx - x1) / s1, (cy - y1) / s1) == pytest.approx(world_point, abs=1.5)
    # A drag pans by as much as the pointer moved.
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 120, cy + 60, steps=4)
    page.mouse.up()
    s2, x2, y2 = _transform(page)
    assert s2 == s1 and (x2 - x1, y2 - y1) == pytest.approx((120, 60), abs=1)
    # The wheel alone pans (Shift: sideways).
    page.mouse.move(frame["x"] + 8, frame["y"] + frame["h"] - 8)  # the frame's corner: no card
    page.mouse.wheel(0, 100)
    page.wait_for_timeout(50)
    assert _transform(page)[2] == pytest.approx(y2 - 100, abs=1)
    # Keyboard: the frame takes the focus; arrows pan, + zooms, 0 fits again.
    page.locator(".canvas-view-page .canvas-viewport").focus()
    before = _transform(page)
    page.keyboard.press("ArrowLeft")
    assert _transform(page)[1] == pytest.approx(before[1] + 60, abs=1)
    page.keyboard.press("+")
    assert _transform(page)[0] == pytest.approx(before[0] * 1.25, rel=0.01)
    page.keyboard.press("0")
    assert _transform(page) == pytest.approx((fit, x0, y0), abs=0.5)
    # Buttons.
    page.locator('.canvas-view-page [data-action="zoom-out"]').click()
    assert _transform(page)[0] == pytest.approx(fit / 1.25, rel=0.01)
    page.locator('.canvas-view-page [data-action="fit"]').click()
    assert _transform(page)[0] == pytest.approx(fit, rel=0.001)


@pytest.mark.browser
def test_full_screen_toggles_and_refits(page: Page, example: Served) -> None:
    _open(page, example, PLAN)
    fit = _transform(page)[0]
    button = page.locator('.canvas-view-page [data-action="full-screen"]')
    button.click()
    page.wait_for_function(
        "(v) => v.classList.contains('is-maximized') || document.fullscreenElement === v",
        arg=page.locator(".canvas-view-page").element_handle(),
    )
    assert button.get_attribute("aria-pressed") == "true"
    frame = _measure(page)["frame"]
    assert frame["w"] == pytest.approx(DESKTOP["width"], abs=2)
    assert frame["h"] == pytest.approx(DESKTOP["height"], abs=2)
    assert _transform(page)[0] > fit  # fitted again, to the bigger frame
    button.click()
    page.wait_for_function("() => !document.fullscreenElement")
    page.wait_for_timeout(100)
    assert button.get_attribute("aria-pressed") == "false"
    assert _transform(page)[0] == pytest.approx(fit, rel=0.01)


@pytest.mark.browser
def test_touch_pans_and_pinches_on_a_phone(browser: Browser, example: Served) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        _open(page, example, PLAN)
        fit, x0, y0 = _transform(page)
        frame = _measure(page)["frame"]
        assert frame["w"] <= PHONE["width"]  # the canvas fits the screen's width
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        cdp = context.new_cdp_session(page)
        mx, my = frame["x"] + frame["w"] / 2, frame["y"] + frame["h"] / 2

        def touch(kind: str, *points: tuple[float, float]) -> None:
            touches = [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touches})

        touch("touchStart", (mx, my))  # one finger pans
        for step in range(1, 5):
            touch("touchMove", (mx + 10 * step, my + 5 * step))
        touch("touchEnd")
        s, x, y = _transform(page)
        assert s == fit and (x - x0, y - y0) == pytest.approx((40, 20), abs=1.5)
        touch("touchStart", (mx - 40, my), (mx + 40, my))  # two pinch
        for step in range(1, 6):
            touch("touchMove", (mx - 40 - 12 * step, my), (mx + 40 + 12 * step, my))
        touch("touchEnd")
        assert _transform(page)[0] == pytest.approx(fit * 200 / 80, rel=0.05)
    finally:
        context.close()


@pytest.mark.browser
def test_embed_and_link_preview_show_the_canvas(page: Page, example: Served) -> None:
    _open(page, example, GUIDE)
    embed = page.locator(".embed.canvas-embed")
    assert embed.count() == 1
    link = embed.locator(".embed-title a.internal")
    assert link.get_attribute("href") == "../Gardening/Garden-plan.canvas.html"
    drawn = _measure(page, ".canvas-view-embed")
    assert len(drawn["nodes"]) == len(_plan()["nodes"])
    assert drawn["world"]["w"] <= drawn["frame"]["w"] + 1  # fitted
    # A plain wheel over the embed scrolls the page, not the canvas.
    box = drawn["frame"]
    page.mouse.move(box["x"] + 10, box["y"] + 10)
    before = page.evaluate("scrollY"), drawn["world"]["y"]
    page.mouse.wheel(0, 200)
    page.wait_for_timeout(300)
    assert page.evaluate("scrollY") > before[0]
    assert _measure(page, ".canvas-view-embed")["scale"] == drawn["scale"]
    # Hovering a link to the canvas previews it: a fitted, still drawing.
    page.evaluate("scrollTo(0, 0)")
    page.locator("article a.internal[href$='Garden-plan.canvas.html']").first.hover()
    preview = page.locator(".popover .canvas-view.is-interactive")
    preview.wait_for()
    shown = preview.evaluate(MEASURE)
    assert len(shown["nodes"]) == len(_plan()["nodes"]) and 0 < shown["scale"] < 0.5
    assert shown["world"]["w"] <= shown["frame"]["w"] + 1
    assert page.locator(".popover .canvas-controls").is_hidden()


@pytest.mark.browser
def test_without_javascript_the_canvas_is_a_scrollable_drawing(
    browser: Browser, example: Served
) -> None:
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(example.url(PLAN))
        viewport = page.locator(".canvas-view-page .canvas-viewport")
        sizes = viewport.evaluate("(v) => [v.scrollWidth, v.clientWidth, v.scrollHeight]")
        assert sizes[0] > sizes[1]  # wider than its frame: it scrolls
        text = page.locator("article.canvas-page").inner_text()
        assert "This season" in text and "Rose syrup" in text and "jsoncanvas.org" in text
        assert page.locator(".canvas-controls").is_hidden()
        viewport.evaluate("(v) => v.scrollTo(v.scrollWidth, 0)")
        assert viewport.evaluate("(v) => v.scrollLeft") > 0
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_canvas_screenshots(browser: Browser, example: Served, device: str, scheme: str) -> None:
    options: dict[str, Any] = {"viewport": DESKTOP}
    if device == "phone":
        options = {"viewport": PHONE, "is_mobile": True, "has_touch": True}
    context = browser.new_context(color_scheme=scheme, device_scale_factor=1, **options)
    try:
        page = context.new_page()
        _open(page, example, PLAN)
        assert page.evaluate("document.documentElement.scrollWidth") <= options["viewport"]["width"]
        # The theme's colours reach the drawing: a card of preset 1 is drawn in red.
        red = page.locator(".canvas-view-page .canvas-node.canvas-color-1").first
        border = red.evaluate("(n) => getComputedStyle(n).borderTopColor")
        r, g, b = (int(v) for v in border[border.index("(") + 1 : -1].split(",")[:3])
        assert r > 200 and g < 100 and b < 100, border
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"canvas-{device}-{scheme}.png"))
    finally:
        context.close()


@pytest.mark.browser
def test_no_serious_accessibility_violations(page: Page, example: Served) -> None:
    for rel in (PLAN, GUIDE):
        _open(page, example, rel)
        assert axe_problems(page, rel) == []
