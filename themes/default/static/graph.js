/* garden default theme: the global graph page (graph.html).
 *
 * static/graph.json holds every note's position, laid out when the site was built (so even
 * 10,000 notes show at once), its title, URL, folder and tags, and the links. A gentle force
 * simulation starts from those positions and lets the reader drag notes about; the graph is
 * drawn on a canvas, because an SVG element per note and link took about a second a frame at
 * 10,000 notes (see the README, "Graph page").
 *
 *  - hover or focus a note: it and its neighbours stand out, with their titles
 *  - titles keep one size on screen and appear as you zoom in, most linked first, never
 *    overlapping
 *  - drag a note to move it (the others follow), drag the background to pan, wheel or pinch
 *    to zoom; click a note to open it (on a touch screen: tap to choose, tap again to open)
 *  - keyboard: Tab to the graph, arrow keys move between notes, Enter opens, + / - zoom,
 *    0 shows everything; "Find a note" goes to a note by name
 *  - filters: a folder, a tag, notes without links
 *
 * graph.json: {"nodes": [[x, y, title, url(, "tag")], ...], "links": [[i, j], ...],
 *              "folders": [...], "tags": [...], "meta": [[folder, [tag, ...]], ...]}
 */
(function () {
  "use strict";
  var doc = document;
  var html = doc.documentElement;
  var motion = !(window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)").matches);

  var LABEL_FONT = 12; // px on screen, whatever the zoom
  var LABEL_MAX = 220; // titles drawn at most in one frame
  var HIT = 12; // px: a note answers the pointer this far from its centre at least

  function fold(text) {
    return text.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "");
  }

  function el(tag, attrs, text) {
    var node = doc.createElement(tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    if (text != null) node.textContent = text;
    return node;
  }

  /* -- the graph ------------------------------------------------------------------------------ */
  function Graph(data, root) {
    var nodes = data.nodes, links = data.links, meta = data.meta || [];
    var n = nodes.length;
    this.n = n;
    this.x = new Float64Array(n);
    this.y = new Float64Array(n);
    this.vx = new Float64Array(n);
    this.vy = new Float64Array(n);
    this.pinned = new Uint8Array(n);
    this.shown = new Uint8Array(n).fill(1);
    this.isTag = new Uint8Array(n);
    this.deg = new Int32Array(n);
    this.folder = new Int32Array(n);
    this.title = [];
    this.keys = null; // folded titles, for "Find a note" (made when first needed)
    this.root = root;
    this.url = []; // from the site root
    this.tags = [];
    this.adj = [];
    this.folders = data.folders || [];
    this.tagNames = data.tags || [];
    for (var i = 0; i < n; i++) {
      var node = nodes[i];
      this.x[i] = node[0];
      this.y[i] = node[1];
      this.title.push(node[2]);
      this.url.push(node[3]);
      this.isTag[i] = node[4] === "tag" ? 1 : 0;
      this.folder[i] = meta[i] ? meta[i][0] : -1;
      this.tags.push(meta[i] ? meta[i][1] : []);
      this.adj.push([]);
    }
    this.src = new Int32Array(links.length);
    this.dst = new Int32Array(links.length);
    var lengths = [];
    for (var k = 0; k < links.length; k++) {
      var a = links[k][0], b = links[k][1];
      this.src[k] = a;
      this.dst[k] = b;
      this.deg[a]++;
      this.deg[b]++;
      this.adj[a].push(b);
      this.adj[b].push(a);
      lengths.push(Math.hypot(this.x[a] - this.x[b], this.y[a] - this.y[b]));
    }
    // The layout's scale: how far a note is from its nearest neighbour, typically.
    this.unit = spacing(this.x, this.y);
    // Each link's rest length is its length in the layout (within reason), so the simulation
    // starts at rest and keeps the layout's shape until the reader pulls a note.
    var sorted = Float64Array.from(lengths).sort();
    var median = sorted.length ? sorted[sorted.length >> 1] : this.unit;
    this.rest = new Float64Array(links.length);
    for (k = 0; k < links.length; k++) {
      this.rest[k] = Math.min(Math.max(lengths[k], 0.5 * median, this.unit), 3 * median);
    }
    this.radius = new Float64Array(n);
    for (i = 0; i < n; i++) this.radius[i] = this.unit * Math.min(0.16 + 0.05 * Math.sqrt(this.deg[i]), 0.7);
    // Most linked first: the order titles are offered a place on screen.
    var order = [];
    for (i = 0; i < n; i++) order.push(i);
    var self = this;
    order.sort(function (p, q) {
      return self.deg[q] - self.deg[p] || (self.title[p] < self.title[q] ? -1 : 1);
    });
    this.rank = order;
  }

  /* A note's radius on screen (CSS px) at zoom ``k``: it grows as you zoom in, from 2 px, up to
     a size that says how linked it is (a hub never fills the screen). */
  Graph.prototype.dot = function (i, k) {
    return Math.min(Math.max(this.radius[i] * k, 2), 4 + 1.3 * Math.sqrt(this.deg[i]));
  };

  Graph.prototype.href = function (i) {
    return new URL(this.url[i], this.root).href;
  };

  Graph.prototype.key = function (i) {
    if (!this.keys) this.keys = this.title.map(fold);
    return this.keys[i];
  };

  /* The median distance from a note to its nearest neighbour (a grid finds it; a sample of at
     most 2,000 notes is enough). */
  function spacing(x, y) {
    var n = x.length;
    if (n < 2) return 1;
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity, i;
    for (i = 0; i < n; i++) {
      minX = Math.min(minX, x[i]); maxX = Math.max(maxX, x[i]);
      minY = Math.min(minY, y[i]); maxY = Math.max(maxY, y[i]);
    }
    var size = Math.max(Math.sqrt((maxX - minX) * (maxY - minY) / n) * 1.5, 1e-6);
    var cells = new Map();
    for (i = 0; i < n; i++) {
      var key = Math.floor((x[i] - minX) / size) * 1048576 + Math.floor((y[i] - minY) / size);
      var list = cells.get(key);
      if (list) list.push(i); else cells.set(key, [i]);
    }
    var found = [], every = Math.max(1, Math.floor(n / 2000));
    for (i = 0; i < n; i += every) {
      var cx = Math.floor((x[i] - minX) / size), cy = Math.floor((y[i] - minY) / size);
      var best = Infinity;
      for (var ring = 1; ring <= 3 && best === Infinity; ring++) {
        for (var gx = cx - ring; gx <= cx + ring; gx++) {
          for (var gy = cy - ring; gy <= cy + ring; gy++) {
            var near = cells.get(gx * 1048576 + gy);
            if (!near) continue;
            for (var j = 0; j < near.length; j++) {
              if (near[j] === i) continue;
              var d = Math.hypot(x[near[j]] - x[i], y[near[j]] - y[i]);
              if (d > 0 && d < best) best = d;
            }
          }
        }
      }
      if (best < Infinity) found.push(best);
    }
    found.sort(function (p, q) { return p - q; });
    return found.length ? found[found.length >> 1] : size;
  }

  /* -- the simulation ------------------------------------------------------------------------- */
  /* As d3-force's, written small: links pull toward the layout's link length, notes push each
     other apart within a few link lengths (a grid finds the near pairs: no force from afar, so
     the components the build laid out side by side stay put), velocities decay. It starts
     cool, from the build's layout, so the graph settles rather than reshuffles. */
  function Simulation(g) {
    this.g = g;
    this.alpha = 0;
    this.alphaTarget = 0;
    this.alphaMin = 0.002;
    this.alphaDecay = 1 - Math.pow(this.alphaMin, 1 / 200);
    this.reach = g.unit * 3; // notes farther apart than this do not push each other
    this.strength = -0.25 * g.unit * g.unit;
    this.counts = new Int32Array(g.n);
    var size = 1;
    while (size < 2 * g.n) size *= 2;
    this.head = new Int32Array(size);
    this.next = new Int32Array(g.n);
    this.cellX = new Int32Array(g.n);
    this.cellY = new Int32Array(g.n);
    this.refresh();
  }

  Simulation.prototype.refresh = function () {
    var g = this.g;
    this.counts.fill(0);
    for (var k = 0; k < g.src.length; k++) {
      if (g.shown[g.src[k]] && g.shown[g.dst[k]]) { this.counts[g.src[k]]++; this.counts[g.dst[k]]++; }
    }
  };

  Simulation.prototype.running = function () {
    return this.alpha >= this.alphaMin || this.alphaTarget > 0;
  };

  Simulation.prototype.heat = function (alpha) {
    this.alpha = Math.max(this.alpha, alpha);
  };

  Simulation.prototype.tick = function () {
    var g = this.g, x = g.x, y = g.y, vx = g.vx, vy = g.vy, shown = g.shown;
    var alpha = (this.alpha += (this.alphaTarget - this.alpha) * this.alphaDecay);
    var counts = this.counts, unit = g.unit, rest = g.rest;
    var i, j, k, dx, dy, l, w;
    for (k = 0; k < g.src.length; k++) {
      var s = g.src[k], t = g.dst[k];
      if (!shown[s] || !shown[t]) continue;
      dx = x[t] + vx[t] - x[s] - vx[s];
      dy = y[t] + vy[t] - y[s] - vy[s];
      l = Math.sqrt(dx * dx + dy * dy) || 1e-6;
      l = (l - rest[k]) / l * alpha / Math.min(counts[s], counts[t]);
      dx *= l;
      dy *= l;
      var bias = counts[s] / (counts[s] + counts[t]);
      vx[t] -= dx * bias;
      vy[t] -= dy * bias;
      vx[s] += dx * (1 - bias);
      vy[s] += dy * (1 - bias);
    }
    // Repulsion between notes in neighbouring cells of a grid as wide as its reach: a hash
    // table of chained cells, in typed arrays kept from tick to tick (no garbage to collect).
    var reach = this.reach, reach2 = reach * reach, near2 = unit * unit * 0.01;
    var strength = this.strength * alpha;
    var mask = this.head.length - 1, head = this.head, next = this.next;
    var cellX = this.cellX, cellY = this.cellY;
    head.fill(-1);
    for (i = 0; i < g.n; i++) {
      if (!shown[i]) continue;
      var cx = (cellX[i] = Math.floor(x[i] / reach)), cy = (cellY[i] = Math.floor(y[i] / reach));
      var h = (Math.imul(cx, 73856093) ^ Math.imul(cy, 19349663)) & mask;
      next[i] = head[h];
      head[h] = i;
    }
    for (i = 0; i < g.n; i++) {
      if (!shown[i]) continue;
      for (var ox = -1; ox <= 1; ox++) {
        for (var oy = -1; oy <= 1; oy++) {
          var bx = cellX[i] + ox, by = cellY[i] + oy;
          for (j = head[(Math.imul(bx, 73856093) ^ Math.imul(by, 19349663)) & mask]; j >= 0; j = next[j]) {
            if (j <= i || cellX[j] !== bx || cellY[j] !== by) continue;
            dx = x[j] - x[i];
            dy = y[j] - y[i];
            l = dx * dx + dy * dy;
            if (l >= reach2) continue;
            if (l === 0) {
              dx = (Math.random() - 0.5) * 1e-3 * unit;
              dy = (Math.random() - 0.5) * 1e-3 * unit;
              l = dx * dx + dy * dy;
            }
            if (l < near2) l = Math.sqrt(near2 * l);
            w = strength / l;
            vx[i] += dx * w;
            vy[i] += dy * w;
            vx[j] -= dx * w;
            vy[j] -= dy * w;
          }
        }
      }
    }
    for (i = 0; i < g.n; i++) {
      if (g.pinned[i]) { vx[i] = vy[i] = 0; continue; }
      vx[i] *= 0.6;
      vy[i] *= 0.6;
      x[i] += vx[i];
      y[i] += vy[i];
    }
  };

  /* -- the view ------------------------------------------------------------------------------- */
  function GraphView(box, data) {
    var root = new URL(html.getAttribute("data-root") || "", location.href);
    var g = (this.g = new Graph(data, root));
    this.sim = new Simulation(g);
    this.box = box;
    this.canvas = el("canvas", {
      class: "graph-canvas", tabindex: "0", role: "application",
      "aria-roledescription": "graph", "aria-label": "Graph of all notes",
      "aria-describedby": "garden-graph-keys",
    });
    this.ctx = this.canvas.getContext("2d");
    this.live = el("p", { class: "visually-hidden", "aria-live": "polite" });
    var keys = el("p", { id: "garden-graph-keys", class: "visually-hidden" },
      "Arrow keys move from note to note, Enter opens the note, plus and minus zoom, 0 shows " +
      "every note. Find a note by name in the search field above the graph.");
    this.zoomBar = el("div", { class: "graph-zoom" });
    box.appendChild(this.canvas);
    box.appendChild(keys);
    box.appendChild(this.live);
    box.appendChild(this.zoomBar);
    this.view = { k: 1, x: 0, y: 0 };
    this.goal = null; // the view being moved to
    this.hover = -1; // the note under the pointer
    this.focus = -1; // the note chosen by keyboard, search or a tap
    this.from = -1; // the note the reader came from
    this.lit = null; // {note: true} of the highlighted note and its neighbours, and its centre
    this.litOn = false; // whether it is fading in (else out)
    this.fade = 0; // 0..1, how far the highlight has faded in
    this.labels = [];
    this.widths = new Float64Array(g.n); // title widths at LABEL_FONT, measured once
    this.frame = 0;
    this.width = this.height = 0;
    // Big enough that drawing it whole each frame is slow without a GPU (see render).
    this.big = g.n + g.src.length > 5000;
    this.scene = null; // the picture of the whole graph, and the view it was drawn for
    this.sceneView = null;
    this.moved = 0; // when the view last moved
    this.colours();
    this.resize();
    this.turnToFit();
    this.fit(false);
    this.bind();
    this.zoomButtons();
    var came = doc.referrer && new URL(doc.referrer, location.href);
    if (came && came.origin === location.origin) {
      var path = came.href.split("#")[0];
      for (var i = 0; i < g.n; i++) if (g.href(i) === path) { this.from = i; break; }
    }
    // Settle the build's layout in the simulation's forces: a gentle start, unless the graph
    // is big (its layout was refined at build time; a frame costs more there).
    if (motion && !this.big) this.sim.heat(0.12);
    this.draw();
  }

  GraphView.prototype.colours = function () {
    var style = getComputedStyle(this.box);
    var get = function (name, fallback) { return style.getPropertyValue(name).trim() || fallback; };
    this.c = {
      edge: get("--border-strong", "#cdc8bd"),
      node: get("--muted", "#62676c"),
      accent: get("--accent", "#2f6f4f"),
      text: get("--fg-soft", "#44484c"),
      strong: get("--fg", "#26282a"),
      halo: get("--bg-soft", "#f3f1ec"),
      font: getComputedStyle(doc.body).fontFamily || "sans-serif",
    };
    this.widths.fill(0);
    this.scene = null;
    this.draw();
  };

  GraphView.prototype.resize = function () {
    var r = this.canvas.getBoundingClientRect();
    var dpr = window.devicePixelRatio || 1;
    var w = Math.max(1, Math.round(r.width)), h = Math.max(1, Math.round(r.height));
    if (w === this.width && h === this.height && dpr === this.dpr) return;
    var first = !this.width;
    var cx = this.width / 2, cy = this.height / 2;
    this.width = w;
    this.height = h;
    this.dpr = dpr;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    if (!first) { // keep the middle of the view in the middle
      this.view.x += w / 2 - cx;
      this.view.y += h / 2 - cy;
    }
    this.scene = null;
    this.draw();
  };

  /* A layout has no up or down: turn it a quarter if it is wide and the screen tall (a phone),
     or the other way round, so it fills the screen. */
  GraphView.prototype.turnToFit = function () {
    var g = this.g, minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity, i;
    for (i = 0; i < g.n; i++) {
      minX = Math.min(minX, g.x[i]); maxX = Math.max(maxX, g.x[i]);
      minY = Math.min(minY, g.y[i]); maxY = Math.max(maxY, g.y[i]);
    }
    var layout = Math.log((maxX - minX + 1e-9) / (maxY - minY + 1e-9));
    var screen = Math.log(this.width / this.height);
    if (layout * screen >= 0 || Math.abs(layout) < 0.15 || Math.abs(screen) < 0.15) return;
    for (i = 0; i < g.n; i++) {
      var x = g.x[i];
      g.x[i] = -g.y[i];
      g.y[i] = x;
    }
  };

  /* The view that shows every shown note (or the given ones). */
  GraphView.prototype.fitted = function (only) {
    var g = this.g, minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (var i = 0; i < g.n; i++) {
      if (!g.shown[i] || (only && !only[i])) continue;
      minX = Math.min(minX, g.x[i]); maxX = Math.max(maxX, g.x[i]);
      minY = Math.min(minY, g.y[i]); maxY = Math.max(maxY, g.y[i]);
    }
    if (minX === Infinity) return { k: 1, x: this.width / 2, y: this.height / 2 };
    var pad = Math.min(60, this.width / 8);
    var spanX = Math.max(maxX - minX, g.unit * 2), spanY = Math.max(maxY - minY, g.unit * 2);
    var k = Math.min((this.width - 2 * pad) / spanX, (this.height - 2 * pad) / spanY);
    k = Math.min(k, this.maxZoom() / 3);
    return { k: k, x: this.width / 2 - (minX + maxX) / 2 * k, y: this.height / 2 - (minY + maxY) / 2 * k };
  };

  GraphView.prototype.maxZoom = function () {
    return 120 / this.g.unit; // neighbours 120 px apart
  };

  GraphView.prototype.fit = function (animate) {
    this.moveTo(this.fitted(), animate);
  };

  GraphView.prototype.setView = function (view) {
    this.view = view;
    this.moved = performance.now();
  };

  GraphView.prototype.moveTo = function (view, animate) {
    if (animate && motion) {
      this.goal = { from: { k: this.view.k, x: this.view.x, y: this.view.y }, to: view, start: performance.now() };
    } else {
      this.goal = null;
      this.setView(view);
    }
    this.draw();
  };

  GraphView.prototype.zoomBy = function (factor, sx, sy) {
    var v = this.view;
    var fit = this.fitted();
    var k = Math.max(Math.min(v.k * factor, this.maxZoom()), Math.min(fit.k, this.maxZoom()) * 0.5);
    if (sx == null) { sx = this.width / 2; sy = this.height / 2; }
    this.goal = null;
    this.setView({ k: k, x: sx - (sx - v.x) * k / v.k, y: sy - (sy - v.y) * k / v.k });
    this.draw();
  };

  GraphView.prototype.screen = function (i) {
    var v = this.view;
    return [this.g.x[i] * v.k + v.x, this.g.y[i] * v.k + v.y];
  };

  GraphView.prototype.screenRadius = function (i) {
    return this.g.dot(i, this.view.k);
  };

  /* The shown note under the point (screen px), or -1. */
  GraphView.prototype.noteAt = function (sx, sy) {
    var g = this.g, v = this.view, best = -1, bestD = Infinity;
    for (var i = 0; i < g.n; i++) {
      if (!g.shown[i]) continue;
      var dx = g.x[i] * v.k + v.x - sx, dy = g.y[i] * v.k + v.y - sy;
      var reach = Math.max(this.screenRadius(i) + 3, HIT);
      var d = dx * dx + dy * dy;
      if (d <= reach * reach && d < bestD) { best = i; bestD = d; }
    }
    return best;
  };

  /* The highlight: the note under the pointer (else the chosen one) and its neighbours. When
     none, the last highlight is kept while it fades out. */
  GraphView.prototype.setLit = function () {
    var centre = this.hover >= 0 ? this.hover : this.focus;
    this.litOn = centre >= 0;
    if (centre < 0) return;
    var lit = {};
    lit[centre] = true;
    this.g.adj[centre].forEach(function (j) { lit[j] = true; });
    lit.centre = centre;
    this.lit = lit;
  };

  GraphView.prototype.draw = function () {
    if (this.frame) return;
    var self = this;
    this.frame = requestAnimationFrame(function () { self.frame = 0; self.paint(); });
  };

  GraphView.prototype.paint = function () {
    var sim = this.sim, busy = false;
    if (sim.running()) {
      var start = performance.now();
      do { sim.tick(); } while (sim.running() && performance.now() - start < 6);
      busy = true;
    }
    if (this.goal) {
      var t = Math.min(1, (performance.now() - this.goal.start) / 350);
      var e = t * (2 - t), a = this.goal.from, b = this.goal.to;
      // Zoom in the log scale, and move the point under the centre in a straight line.
      var k = a.k * Math.pow(b.k / a.k, e);
      var cx = this.width / 2, cy = this.height / 2;
      var wa = [(cx - a.x) / a.k, (cy - a.y) / a.k], wb = [(cx - b.x) / b.k, (cy - b.y) / b.k];
      var wx = wa[0] + (wb[0] - wa[0]) * e, wy = wa[1] + (wb[1] - wa[1]) * e;
      this.setView({ k: k, x: cx - wx * k, y: cy - wy * k });
      if (t >= 1) this.goal = null; else busy = true;
    }
    var target = this.litOn ? 1 : 0;
    if (this.fade !== target) {
      this.fade = motion ? Math.max(0, Math.min(1, this.fade + (target ? 0.2 : -0.2))) : target;
      if (this.fade !== target) busy = true;
    }
    if (!this.litOn && !this.fade) this.lit = null;
    this.render();
    if (busy) this.draw();
  };

  /* Where each shown note is on the canvas, in device pixels, for the view ``v``. */
  GraphView.prototype.project = function (v) {
    var g = this.g, dpr = this.dpr, k = v.k * dpr, ox = v.x * dpr, oy = v.y * dpr;
    if (!this.sx || this.sx.length !== g.n) { this.sx = new Float64Array(g.n); this.sy = new Float64Array(g.n); }
    for (var i = 0; i < g.n; i++) {
      this.sx[i] = g.x[i] * k + ox;
      this.sy[i] = g.y[i] * k + oy;
    }
  };

  /* Links and notes, every one alike (``skip``: notes drawn later, on top), in device pixels:
     drawing through a scaling transform took twice as long. */
  GraphView.prototype.drawScene = function (ctx, v, alpha, skip) {
    var g = this.g, c = this.c, dpr = this.dpr, sx = this.sx, sy = this.sy, shown = g.shown;
    var w = this.canvas.width, h = this.canvas.height, k;
    ctx.globalAlpha = alpha;
    ctx.lineWidth = (g.src.length > 4000 ? 0.6 : 1) * dpr;
    ctx.strokeStyle = c.edge;
    ctx.beginPath();
    for (k = 0; k < g.src.length; k++) {
      var s = g.src[k], t = g.dst[k];
      if (!shown[s] || !shown[t]) continue;
      // Off the canvas on one side: nothing to draw.
      if ((sx[s] < 0 && sx[t] < 0) || (sx[s] > w && sx[t] > w) || (sy[s] < 0 && sy[t] < 0) || (sy[s] > h && sy[t] > h)) continue;
      ctx.moveTo(sx[s], sy[s]);
      ctx.lineTo(sx[t], sy[t]);
    }
    ctx.stroke();
    function dots(pick, fill, stroke) {
      ctx.beginPath();
      for (var i = 0; i < g.n; i++) {
        if (!shown[i] || (skip && skip[i]) || !pick(i)) continue;
        var r = g.dot(i, v.k) * dpr;
        if (sx[i] + r < 0 || sx[i] - r > w || sy[i] + r < 0 || sy[i] - r > h) continue;
        ctx.moveTo(sx[i] + r, sy[i]);
        ctx.arc(sx[i], sy[i], r, 0, 2 * Math.PI);
      }
      if (fill) { ctx.fillStyle = fill; ctx.fill(); }
      if (stroke) { ctx.strokeStyle = stroke; ctx.lineWidth = 1.5 * dpr; ctx.stroke(); }
    }
    dots(function (j) { return !g.isTag[j]; }, c.node, null);
    dots(function (j) { return g.isTag[j]; }, c.halo, c.accent);
  };

  /* What stands out: the highlighted note's links and neighbours, the note the reader came
     from, the chosen note's ring. */
  GraphView.prototype.drawLit = function (ctx, v, lit, fade) {
    var g = this.g, c = this.c, dpr = this.dpr, sx = this.sx, sy = this.sy, shown = g.shown;
    function dot(i, fill, stroke, grow) {
      var r = g.dot(i, v.k) * dpr + (grow || 0);
      ctx.beginPath();
      ctx.arc(sx[i], sy[i], r, 0, 2 * Math.PI);
      if (fill) { ctx.fillStyle = fill; ctx.fill(); }
      if (stroke) { ctx.strokeStyle = stroke; ctx.lineWidth = (grow ? 2 : 1.5) * dpr; ctx.stroke(); }
    }
    if (lit) {
      ctx.globalAlpha = fade;
      ctx.strokeStyle = c.accent;
      ctx.lineWidth = 1.4 * dpr;
      ctx.beginPath();
      g.adj[lit.centre].forEach(function (j) {
        if (!shown[j]) return;
        ctx.moveTo(sx[lit.centre], sy[lit.centre]);
        ctx.lineTo(sx[j], sy[j]);
      });
      ctx.stroke();
      ctx.globalAlpha = 1;
      Object.keys(lit).forEach(function (key) {
        var i = Number(key);
        if (key === "centre" || !shown[i]) return;
        if (g.isTag[i]) dot(i, c.halo, c.accent); else dot(i, c.accent, null);
      });
    }
    ctx.globalAlpha = 1;
    if (this.from >= 0 && shown[this.from] && !(lit && lit[this.from])) dot(this.from, c.accent, null);
    if (this.focus >= 0 && shown[this.focus]) dot(this.focus, null, c.strong, 4 * dpr);
  };

  /* Draws a frame. A small graph is drawn afresh each time. A big one is drawn whole into a
     picture kept between frames, which pans and zooms (and dims under a highlight) as an
     image while the reader moves it, and is drawn afresh once the view is still for a moment:
     a software-rendered canvas takes a few hundred milliseconds for 17,000 links. */
  GraphView.prototype.render = function () {
    var ctx = this.ctx, v = this.view, dpr = this.dpr;
    var fade = this.fade;
    var lit = fade > 0 ? this.lit : null;
    var dim = lit ? 1 - 0.7 * fade : 1;
    var w = this.canvas.width, h = this.canvas.height;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);
    var now = performance.now();
    var cached = this.big && !this.sim.running();
    if (!cached) {
      this.scene = null;
      this.project(v);
      this.drawScene(ctx, v, dim, lit);
    } else {
      var sv = this.sceneView;
      var same = this.scene && sv.k === v.k && sv.x === v.x && sv.y === v.y;
      if (!this.scene || (!same && now - this.moved > 150)) {
        this.scene = this.scene || doc.createElement("canvas");
        this.scene.width = w;
        this.scene.height = h;
        var sctx = this.scene.getContext("2d");
        sctx.clearRect(0, 0, w, h);
        this.project(v);
        this.drawScene(sctx, v, 1, null);
        this.sceneView = { k: v.k, x: v.x, y: v.y };
        sv = this.sceneView;
        same = true;
      }
      // The picture as the view now places it.
      var f = v.k / sv.k;
      ctx.globalAlpha = dim;
      ctx.setTransform(f, 0, 0, f, (v.x - sv.x * f) * dpr, (v.y - sv.y * f) * dpr);
      ctx.drawImage(this.scene, 0, 0);
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.globalAlpha = 1;
      if (!same) this.project(v);
      if (!same) this.later(160);
    }
    this.drawLit(ctx, v, lit, fade);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.globalAlpha = 1;
    this.renderLabels(lit);
  };

  /* A frame ``ms`` from now (to draw the whole picture afresh once the view is still). */
  GraphView.prototype.later = function (ms) {
    var self = this;
    clearTimeout(this.laterTimer);
    this.laterTimer = setTimeout(function () { self.draw(); }, ms);
  };

  /* Titles at one size on screen: the highlighted notes first, then the most linked, each only
     where it overlaps no title already placed (a grid of placed boxes keeps this cheap). */
  GraphView.prototype.renderLabels = function (lit) {
    var g = this.g, ctx = this.ctx, c = this.c, self = this;
    var width = this.width, height = this.height;
    var cell = 64, grid = new Map(), placed = [];
    ctx.font = LABEL_FONT + "px " + c.font;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    function fits(box) {
      for (var gx = Math.floor(box[0] / cell); gx <= Math.floor(box[2] / cell); gx++) {
        for (var gy = Math.floor(box[1] / cell); gy <= Math.floor(box[3] / cell); gy++) {
          var list = grid.get(gx * 4096 + gy);
          if (!list) continue;
          for (var j = 0; j < list.length; j++) {
            var o = list[j];
            if (box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3]) return false;
          }
        }
      }
      return true;
    }
    function keep(box) {
      for (var gx = Math.floor(box[0] / cell); gx <= Math.floor(box[2] / cell); gx++) {
        for (var gy = Math.floor(box[1] / cell); gy <= Math.floor(box[3] / cell); gy++) {
          var key = gx * 4096 + gy;
          var list = grid.get(key);
          if (list) list.push(box); else grid.set(key, [box]);
        }
      }
    }
    var first = [];
    if (lit) {
      first.push(lit.centre);
      g.adj[lit.centre].forEach(function (j) { first.push(j); });
    }
    if (this.focus >= 0) first.push(this.focus);
    if (this.from >= 0) first.push(this.from);
    var tried = 0;
    function offer(i, strong) {
      if (!g.shown[i] || placed.length >= LABEL_MAX) return;
      var p = self.screen(i);
      if (p[0] < -100 || p[0] > width + 100 || p[1] < -20 || p[1] > height + 20) return;
      tried++;
      if (!self.widths[i]) {
        var text = g.title[i].length > 40 ? g.title[i].slice(0, 39) + "…" : g.title[i];
        self.widths[i] = ctx.measureText(text).width;
      }
      var w = self.widths[i] + 4;
      var top = p[1] + self.screenRadius(i) + 3;
      var box = [p[0] - w / 2, top, p[0] + w / 2, top + LABEL_FONT + 3];
      if (box[0] < 0 || box[2] > width || box[3] > height) {
        if (!strong) return;
      }
      if (!fits(box)) return;
      keep(box);
      placed.push([i, box, strong]);
    }
    var seen = {};
    first.forEach(function (i) { if (!seen[i]) { seen[i] = true; offer(i, true); } });
    var dim = lit ? 1 - 0.7 * this.fade : 1;
    // The rest: the most linked first. A tiny note earns its title only when zoomed in enough
    // for it to stand apart, so titles come as you zoom.
    for (var r = 0; r < g.rank.length && placed.length < LABEL_MAX && tried < 4000; r++) {
      var i = g.rank[r];
      if (seen[i]) continue;
      offer(i, false);
    }
    var labels = [];
    ctx.lineJoin = "round";
    placed.forEach(function (entry) {
      var i = entry[0], box = entry[1], strong = entry[2];
      var text = g.title[i].length > 40 ? g.title[i].slice(0, 39) + "…" : g.title[i];
      var x = (box[0] + box[2]) / 2, y = box[1] + 1;
      ctx.globalAlpha = strong || !lit ? 1 : dim;
      ctx.font = (strong && lit ? "600 " : "") + LABEL_FONT + "px " + c.font;
      ctx.strokeStyle = c.halo;
      ctx.lineWidth = 3;
      ctx.strokeText(text, x, y);
      ctx.fillStyle = strong && lit ? c.strong : c.text;
      ctx.fillText(text, x, y);
      labels.push([text, box[0], box[1], box[2], box[3]]);
    });
    ctx.globalAlpha = 1;
    this.labels = labels;
  };

  /* -- interaction ---------------------------------------------------------------------------- */
  GraphView.prototype.point = function (event) {
    var r = this.canvas.getBoundingClientRect();
    return [event.clientX - r.left, event.clientY - r.top];
  };

  GraphView.prototype.toGraph = function (p) {
    return [(p[0] - this.view.x) / this.view.k, (p[1] - this.view.y) / this.view.k];
  };

  GraphView.prototype.open = function (i) {
    location.href = this.g.href(i);
  };

  GraphView.prototype.choose = function (i, show) {
    this.focus = i;
    this.setLit();
    if (i >= 0) {
      var g = this.g;
      var links = g.adj[i].filter(function (j) { return g.shown[j]; }).length;
      this.live.textContent = g.title[i] + (g.isTag[i] ? ", tag" : "") + ", " + links +
        (links === 1 ? " link" : " links") + ". Enter opens it.";
      this.box.setAttribute("data-focused", g.title[i]);
      if (show) this.reveal(i);
    } else {
      this.box.removeAttribute("data-focused");
    }
    this.draw();
  };

  /* Bring note i into view: zoomed in enough to read its neighbours, centred if it was out. */
  GraphView.prototype.reveal = function (i) {
    var p = this.screen(i), margin = 60;
    var k = Math.max(this.view.k, Math.min(this.maxZoom() / 2.5, 40 / this.g.unit));
    if (k === this.view.k && p[0] > margin && p[0] < this.width - margin && p[1] > margin && p[1] < this.height - margin) return;
    this.moveTo({ k: k, x: this.width / 2 - this.g.x[i] * k, y: this.height / 2 - this.g.y[i] * k }, true);
  };

  /* The shown note nearest to ``from`` in the arrow's direction (within 60 degrees of it). */
  GraphView.prototype.step = function (from, dx, dy) {
    var g = this.g, best = -1, bestScore = Infinity;
    var ox, oy;
    if (from >= 0) { ox = g.x[from]; oy = g.y[from]; } else {
      var centre = this.toGraph([this.width / 2, this.height / 2]);
      ox = centre[0]; oy = centre[1];
    }
    for (var i = 0; i < g.n; i++) {
      if (!g.shown[i] || i === from) continue;
      var ex = g.x[i] - ox, ey = g.y[i] - oy;
      var d = Math.sqrt(ex * ex + ey * ey) || 1e-9;
      var along = (ex * dx + ey * dy) / d;
      if (from >= 0 && along < 0.5) continue;
      var score = d * (2 - along) * (from >= 0 ? 1 : 0.5);
      if (score < bestScore) { bestScore = score; best = i; }
    }
    return best;
  };

  GraphView.prototype.bind = function () {
    var self = this, canvas = this.canvas, g = this.g;
    var pointers = new Map(); // pointerId -> [x, y]
    var drag = null; // {note, moved, start, pointer}
    var pinch = null;

    canvas.addEventListener("pointerdown", function (event) {
      canvas.setPointerCapture(event.pointerId);
      var p = self.point(event);
      pointers.set(event.pointerId, p);
      if (pointers.size === 2) {
        var ps = Array.from(pointers.values());
        pinch = { d: Math.hypot(ps[0][0] - ps[1][0], ps[0][1] - ps[1][1]) || 1 };
        if (drag && drag.note >= 0) g.pinned[drag.note] = 0;
        drag = null;
        return;
      }
      var i = self.noteAt(p[0], p[1]);
      drag = { note: i, moved: false, start: p, last: p, touch: event.pointerType !== "mouse" };
      if (i >= 0) {
        g.pinned[i] = 1;
        self.sim.alphaTarget = 0.12;
        self.sim.heat(0.12);
      }
      self.draw();
    });

    canvas.addEventListener("pointermove", function (event) {
      var p = self.point(event);
      if (pointers.has(event.pointerId)) pointers.set(event.pointerId, p);
      if (pinch && pointers.size === 2) {
        var ps = Array.from(pointers.values());
        var d = Math.hypot(ps[0][0] - ps[1][0], ps[0][1] - ps[1][1]) || 1;
        self.zoomBy(d / pinch.d, (ps[0][0] + ps[1][0]) / 2, (ps[0][1] + ps[1][1]) / 2);
        pinch.d = d;
        return;
      }
      if (drag) {
        if (Math.hypot(p[0] - drag.start[0], p[1] - drag.start[1]) > 4) drag.moved = true;
        if (drag.note >= 0) {
          var w = self.toGraph(p);
          g.x[drag.note] = w[0];
          g.y[drag.note] = w[1];
          self.sim.heat(0.12);
        } else if (drag.moved) {
          self.goal = null;
          self.setView({ k: self.view.k, x: self.view.x + p[0] - drag.last[0], y: self.view.y + p[1] - drag.last[1] });
        }
        drag.last = p;
        self.draw();
        return;
      }
      if (event.pointerType !== "mouse") return;
      var i = self.noteAt(p[0], p[1]);
      if (i !== self.hover) {
        self.hover = i;
        self.setLit();
        canvas.style.cursor = i >= 0 ? "pointer" : "";
        self.draw();
      }
    });

    function end(event) {
      pointers.delete(event.pointerId);
      if (pointers.size < 2) pinch = null;
      if (!drag) return;
      var d = drag;
      drag = null;
      if (d.note >= 0) {
        g.pinned[d.note] = 0;
        self.sim.alphaTarget = 0;
      }
      if (event.type !== "pointerup" || d.moved) { self.draw(); return; }
      if (d.note < 0) { if (d.touch) self.choose(-1); return; }
      // A click opens the note; a tap chooses it first (a touch screen cannot hover).
      if (!d.touch || self.focus === d.note) self.open(d.note);
      else self.choose(d.note, false);
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("pointerleave", function (event) {
      if (event.pointerType === "mouse" && self.hover >= 0 && !drag) {
        self.hover = -1;
        self.setLit();
        self.draw();
      }
    });

    canvas.addEventListener("wheel", function (event) {
      event.preventDefault();
      var p = self.point(event);
      var delta = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
      self.zoomBy(Math.exp(-delta * (event.ctrlKey ? 0.01 : 0.0015)), p[0], p[1]);
    }, { passive: false });

    var DIRECTIONS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    canvas.addEventListener("keydown", function (event) {
      var dir = DIRECTIONS[event.key];
      if (dir) {
        event.preventDefault();
        var next = self.step(self.focus, dir[0], dir[1]);
        if (next >= 0) self.choose(next, true);
      } else if (event.key === "Enter" && self.focus >= 0) {
        event.preventDefault();
        self.open(self.focus);
      } else if (event.key === "+" || event.key === "=") {
        self.zoomBy(1.4);
      } else if (event.key === "-" || event.key === "_") {
        self.zoomBy(1 / 1.4);
      } else if (event.key === "0") {
        self.fit(true);
      } else if (event.key === "Escape" && self.focus >= 0) {
        self.choose(-1);
      }
    });
    canvas.addEventListener("focus", function () {
      if (self.focus < 0) self.live.textContent = g.n + " notes. Arrow keys move from note to note.";
    });

    if (window.ResizeObserver) new ResizeObserver(function () { self.resize(); }).observe(canvas);
    else window.addEventListener("resize", function () { self.resize(); });
    // Colours follow the light/dark toggle and the system's scheme.
    new MutationObserver(function () { self.colours(); }).observe(html, { attributes: true, attributeFilter: ["data-theme"] });
    if (window.matchMedia) {
      var scheme = matchMedia("(prefers-color-scheme: dark)");
      if (scheme.addEventListener) scheme.addEventListener("change", function () { self.colours(); });
    }
  };

  GraphView.prototype.zoomButtons = function () {
    var self = this;
    [["+", "Zoom in", function () { self.zoomBy(1.5); }],
     ["\u2212", "Zoom out", function () { self.zoomBy(1 / 1.5); }],
     ["\u2922", "Show every note", function () { self.fit(true); }]].forEach(function (b) {
      var button = el("button", { type: "button", class: "graph-zoom-button", "aria-label": b[1], title: b[1] }, b[0]);
      button.addEventListener("click", b[2]);
      self.zoomBar.appendChild(button);
    });
  };

  /* Show only the notes the filters let through; re-frame them. */
  GraphView.prototype.filter = function (folder, tag, orphans) {
    var g = this.g, prefixFolder = folder != null ? g.folders[folder] : null;
    var prefixTag = tag != null ? fold(g.tagNames[tag]) : null;
    var count = 0;
    for (var i = 0; i < g.n; i++) {
      var ok = true;
      if (prefixFolder != null) {
        var f = g.folder[i] >= 0 ? g.folders[g.folder[i]] : null;
        ok = f != null && (prefixFolder === "" ? true : f === prefixFolder || f.indexOf(prefixFolder + "/") === 0);
      }
      if (ok && prefixTag != null) {
        ok = g.tags[i].some(function (t) {
          var name = fold(g.tagNames[t]);
          return name === prefixTag || name.indexOf(prefixTag + "/") === 0;
        });
      }
      if (ok && !orphans && !g.deg[i]) ok = false;
      g.shown[i] = ok ? 1 : 0;
      count += ok ? 1 : 0;
    }
    this.sim.refresh();
    this.scene = null;
    if (this.focus >= 0 && !g.shown[this.focus]) this.choose(-1);
    this.hover = -1;
    this.setLit();
    this.fit(true);
    if (motion) this.sim.heat(0.05);
    this.box.setAttribute("data-nodes", String(count));
    return count;
  };

  /* -- "Find a note" and the filters ---------------------------------------------------------- */
  function initTools(view) {
    var tools = doc.querySelector(".graph-tools");
    if (!tools) return;
    var g = view.g;
    var input = tools.querySelector(".graph-find input");
    var list = tools.querySelector(".graph-find [role='listbox']");
    var folderSelect = tools.querySelector("select[name='folder']");
    var tagSelect = tools.querySelector("select[name='tag']");
    var orphans = tools.querySelector("input[name='orphans']");
    var count = tools.querySelector(".graph-count");
    var active = -1, found = [];

    function matches(text) {
      var q = fold(text.trim());
      if (!q) return [];
      var starts = [], inside = [];
      for (var i = 0; i < g.n && starts.length < 8; i++) {
        if (!g.shown[i]) continue;
        var at = g.key(i).indexOf(q);
        if (at === 0) starts.push(i); else if (at > 0 && inside.length < 8) inside.push(i);
      }
      return starts.concat(inside).slice(0, 8);
    }
    function setActive(i) {
      var options = list.querySelectorAll("[role='option']");
      active = options.length ? (i + options.length) % options.length : -1;
      options.forEach(function (o, j) { o.setAttribute("aria-selected", String(j === active)); });
      if (active >= 0) input.setAttribute("aria-activedescendant", options[active].id);
      else input.removeAttribute("aria-activedescendant");
    }
    function close() {
      list.hidden = true;
      list.textContent = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function pick(i) {
      close();
      input.value = g.title[i];
      view.choose(i, true);
      view.canvas.focus({ preventScroll: true });
    }
    input.addEventListener("input", function () {
      found = matches(input.value);
      list.textContent = "";
      found.forEach(function (i, j) {
        var option = el("li", { role: "option", id: "garden-graph-match-" + j, "aria-selected": "false" }, g.title[i]);
        option.addEventListener("mousedown", function (event) { event.preventDefault(); pick(i); });
        list.appendChild(option);
      });
      list.hidden = !found.length;
      input.setAttribute("aria-expanded", String(found.length > 0));
      setActive(0);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        setActive(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" && active >= 0 && found[active] != null) {
        event.preventDefault();
        pick(found[active]);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });

    function option(value, text) { return el("option", { value: String(value) }, text); }
    g.folders.forEach(function (f, i) {
      if (f) folderSelect.appendChild(option(i, f.split("/").map(function () { return ""; }).join("\u2003").slice(1) + f.split("/").pop()));
    });
    g.tagNames.forEach(function (t, i) { tagSelect.appendChild(option(i, "#" + t)); });
    if (!g.tagNames.length) tagSelect.closest("label").hidden = true;
    if (g.folders.length < 2) folderSelect.closest("label").hidden = true;
    function apply() {
      var shown = view.filter(
        folderSelect.value === "" ? null : Number(folderSelect.value),
        tagSelect.value === "" ? null : Number(tagSelect.value),
        orphans.checked
      );
      count.textContent = shown + (shown === 1 ? " note" : " notes") + (shown < g.n ? " of " + g.n : "");
    }
    [folderSelect, tagSelect, orphans].forEach(function (c) { c.addEventListener("change", apply); });
    count.textContent = g.n + (g.n === 1 ? " note" : " notes");
    tools.hidden = false;
  }

  function start() {
    var box = doc.querySelector(".global-graph[data-src]");
    if (!box) return;
    fetch(new URL(box.getAttribute("data-src"), location.href).href)
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var view = new GraphView(box, data);
        box.setAttribute("data-nodes", String(view.g.n));
        initTools(view);
        // For the browser tests: what is where on the screen.
        var g = view.g;
        box.gardenGraph = {
          // [title, left, top, right, bottom] of each title drawn, in canvas pixels
          labels: function () { return view.labels; },
          // a note's centre in canvas pixels, null if there is no such note
          at: function (title) { var i = g.title.indexOf(title); return i < 0 ? null : view.screen(i); },
          // [title, "tag" or "note", shown] of every node
          nodes: function () {
            return g.title.map(function (t, i) { return [t, g.isTag[i] ? "tag" : "note", !!g.shown[i]]; });
          },
          // the highlighted note's title and its neighbours' (null when none)
          lit: function () {
            var c = view.litOn && view.lit ? view.lit.centre : -1;
            return c < 0 ? null : [g.title[c], g.adj[c].map(function (j) { return g.title[j]; })];
          },
          zoom: function () { return view.view.k; },
          settled: function () { return !view.sim.running() && !view.goal; },
        };
        box.setAttribute("data-ready", "");
      })
      .catch(function (error) {
        var p = doc.createElement("p");
        p.textContent = "The graph could not be loaded.";
        box.appendChild(p);
        if (window.console) console.warn(error);
      });
  }
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", start);
  else start();
})();
