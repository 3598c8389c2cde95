/* garden default theme: the global graph page.
 * Positions were computed when the site was built (static/graph.json), so the graph is drawn
 * at once, with no simulation, even for 10,000 notes. Each node is an SVG link to its note
 * ([x, y, title, url]), or to a tag's page ([x, y, "#tag", url, "tag"], config graph_tags).
 * Drag to pan, wheel or pinch to zoom. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var LABELS = 60; // the best-connected notes always show their titles

  function make(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    return node;
  }

  function draw(box, data) {
    var root = new URL(document.documentElement.getAttribute("data-root") || "", location.href);
    var nodes = data.nodes, links = data.links;
    var degree = nodes.map(function () { return 0; });
    links.forEach(function (l) { degree[l[0]]++; degree[l[1]]++; });
    var maxX = 1, maxY = 1;
    nodes.forEach(function (n) { maxX = Math.max(maxX, n[0]); maxY = Math.max(maxY, n[1]); });
    var pad = 30;
    var view = { x: -pad, y: -pad, w: maxX + 2 * pad, h: maxY + 2 * pad };
    var svg = make("svg", { class: "graph-svg global", role: "group", "aria-label": "Graph of all notes" });
    var scale = Math.max(0.5, Math.min(2, 14 / Math.sqrt(nodes.length + 1)));
    var d = [];
    links.forEach(function (l) {
      var a = nodes[l[0]], b = nodes[l[1]];
      d.push("M" + a[0] + " " + a[1] + "L" + b[0] + " " + b[1]);
    });
    svg.appendChild(make("path", { class: "graph-edges", d: d.join(""), "stroke-width": 0.5 * scale }));
    var ranked = degree.map(function (v, i) { return i; }).sort(function (a, b) { return degree[b] - degree[a]; });
    var labelled = {};
    ranked.slice(0, LABELS).forEach(function (i) { labelled[i] = true; });
    nodes.forEach(function (n, i) {
      var kind = n[4] === "tag" ? "graph-node graph-tag" : "graph-node";
      var a = make("a", { href: new URL(n[3], root).href, class: kind, "aria-label": n[2] });
      var title = make("title", {});
      title.textContent = n[2];
      a.appendChild(title);
      a.appendChild(make("circle", { cx: n[0], cy: n[1], r: scale * (2 + 0.7 * Math.sqrt(degree[i])) }));
      if (labelled[i] || nodes.length <= 120) {
        var text = make("text", { x: n[0], y: n[1] + scale * (4 + 0.7 * Math.sqrt(degree[i])) + 10 * scale, style: "font-size:" + (12 * scale).toFixed(1) + "px" });
        text.textContent = n[2].length > 28 ? n[2].slice(0, 27) + "…" : n[2];
        a.appendChild(text);
      }
      svg.appendChild(a);
    });

    function apply() {
      svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" "));
    }
    apply();

    function toGraph(clientX, clientY) {
      var r = svg.getBoundingClientRect();
      var s = Math.max(view.w / r.width, view.h / r.height);
      return { x: view.x + (clientX - r.left) * s, y: view.y + (clientY - r.top) * s, s: s };
    }

    svg.addEventListener("wheel", function (event) {
      event.preventDefault();
      var p = toGraph(event.clientX, event.clientY);
      var k = Math.exp(event.deltaY * 0.0015);
      view.x = p.x - (p.x - view.x) * k;
      view.y = p.y - (p.y - view.y) * k;
      view.w *= k;
      view.h *= k;
      apply();
    }, { passive: false });

    var drag = null;
    svg.addEventListener("pointerdown", function (event) {
      if (event.target.closest("a")) return; // a click on a node follows its link
      drag = { x: event.clientX, y: event.clientY, vx: view.x, vy: view.y, s: toGraph(0, 0).s };
      svg.setPointerCapture(event.pointerId);
    });
    svg.addEventListener("pointermove", function (event) {
      if (!drag) return;
      view.x = drag.vx - (event.clientX - drag.x) * drag.s;
      view.y = drag.vy - (event.clientY - drag.y) * drag.s;
      apply();
    });
    svg.addEventListener("pointerup", function () { drag = null; });
    box.appendChild(svg);
    box.setAttribute("data-nodes", String(nodes.length));
  }

  function start() {
    var box = document.querySelector(".global-graph[data-src]");
    if (!box) return;
    fetch(new URL(box.getAttribute("data-src"), location.href).href)
      .then(function (r) { return r.json(); })
      .then(function (data) { draw(box, data); })
      .catch(function () {
        var p = document.createElement("p");
        p.textContent = "The graph could not be loaded.";
        box.appendChild(p);
      });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
