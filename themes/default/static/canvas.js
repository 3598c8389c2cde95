/* garden default theme: pan and zoom for canvases (garden/render/canvas.py draws them).
 *
 * Each .canvas-view is fitted to its frame on load. Then:
 *  - mouse: drag to pan; wheel to pan (Shift: sideways), Ctrl/Cmd + wheel or a trackpad pinch
 *    to zoom at the pointer. In a note's embed the wheel scrolls the page unless Ctrl/Cmd is held.
 *  - touch: one finger pans, two pinch to zoom (in a note's embed a vertical swipe scrolls).
 *  - keyboard, with the canvas focused: arrows pan (Shift: further), + and - zoom, 0 fits,
 *    F goes full screen, Escape leaves it.
 *  - buttons: zoom in, zoom out, fit, full screen.
 * Without this script a canvas is a scrollable drawing at its own size, every node's text and
 * link in the page. Link previews (garden.js) call gardenCanvas.init(box, {still: true}): fitted,
 * not interactive.
 */
(function () {
  "use strict";
  var doc = document;
  var MAX_SCALE = 4;
  var STEP = 1.25;
  var DOT = 20; // spacing of the background's dots, in canvas pixels
  var NOT_A_DRAG = "a[href], button, input, select, textarea, summary, video, audio, iframe";

  function clamp(v, lo, hi) {
    return Math.max(lo, Math.min(hi, v));
  }

  function View(root, still) {
    this.root = root;
    this.viewport = root.querySelector(".canvas-viewport");
    this.world = this.viewport && this.viewport.querySelector(".canvas-world");
    this.width = Number(root.getAttribute("data-width")) || 1;
    this.height = Number(root.getAttribute("data-height")) || 1;
    this.embed = root.classList.contains("canvas-view-embed");
    this.scale = 1;
    this.x = 0;
    this.y = 0;
    this.moved = false; // the reader panned or zoomed: a resize keeps the view
    this.pointers = {};
    if (!this.world) return;
    root.classList.add("is-interactive");
    this.viewport.scrollTop = this.viewport.scrollLeft = 0;
    this.fit();
    if (still) {
      root.classList.add("is-still");
      return;
    }
    // A card whose text is longer than the card scrolls: let the keyboard reach it too.
    var cards = root.querySelectorAll(".canvas-node-content");
    for (var i = 0; i < cards.length; i++) {
      if (cards[i].scrollHeight > cards[i].clientHeight + 1) cards[i].setAttribute("tabindex", "0");
    }
    this.listen();
    var controls = root.querySelector(".canvas-controls");
    if (controls) controls.hidden = false;
  }

  View.prototype.minScale = function () {
    return Math.min(0.05, this.fitScale() / 2);
  };

  View.prototype.fitScale = function () {
    var w = this.viewport.clientWidth, h = this.viewport.clientHeight;
    return clamp(Math.min(w / this.width, h / this.height), 0.01, 1);
  };

  View.prototype.apply = function () {
    var s = this.scale;
    this.world.style.transform = "translate(" + this.x + "px," + this.y + "px) scale(" + s + ")";
    var dot = DOT * s;
    while (dot < 10) dot *= 2; // far out, fewer dots
    this.viewport.style.backgroundSize = dot + "px " + dot + "px";
    this.viewport.style.backgroundPosition = this.x + "px " + this.y + "px";
    this.root.setAttribute("data-scale", s.toFixed(3));
  };

  View.prototype.fit = function () {
    var w = this.viewport.clientWidth, h = this.viewport.clientHeight;
    this.scale = this.fitScale();
    this.x = (w - this.width * this.scale) / 2;
    this.y = (h - this.height * this.scale) / 2;
    this.moved = false;
    this.apply();
  };

  /* Zoom by `factor`, keeping the point (cx, cy) of the frame where it is. */
  View.prototype.zoom = function (factor, cx, cy) {
    if (cx == null) {
      cx = this.viewport.clientWidth / 2;
      cy = this.viewport.clientHeight / 2;
    }
    var next = clamp(this.scale * factor, this.minScale(), MAX_SCALE);
    var k = next / this.scale;
    this.x = cx - (cx - this.x) * k;
    this.y = cy - (cy - this.y) * k;
    this.scale = next;
    this.moved = true;
    this.apply();
  };

  View.prototype.pan = function (dx, dy) {
    this.x += dx;
    this.y += dy;
    this.moved = true;
    this.apply();
  };

  View.prototype.local = function (event) {
    var r = this.viewport.getBoundingClientRect();
    return { x: event.clientX - r.left, y: event.clientY - r.top };
  };

  /* A node's own scrolling text takes the wheel while it can still scroll that way. */
  function scrollsItself(target, viewport, dy) {
    for (var n = target; n && n !== viewport; n = n.parentElement) {
      if (n.scrollHeight > n.clientHeight + 1 && /(auto|scroll)/.test(getComputedStyle(n).overflowY)) {
        if ((dy < 0 && n.scrollTop > 0) || (dy > 0 && n.scrollTop + n.clientHeight < n.scrollHeight - 1)) return true;
      }
    }
    return false;
  }

  View.prototype.listen = function () {
    var self = this, vp = this.viewport;

    vp.addEventListener("wheel", function (event) {
      var unit = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? vp.clientHeight : 1;
      var dx = event.deltaX * unit, dy = event.deltaY * unit;
      if (event.ctrlKey || event.metaKey) {
        event.preventDefault();
        var at = self.local(event);
        self.zoom(Math.exp(-dy * 0.0025), at.x, at.y);
        return;
      }
      if (self.embed && !self.root.classList.contains("is-maximized") && doc.fullscreenElement !== self.root) return;
      if (scrollsItself(event.target, vp, dy)) return;
      event.preventDefault();
      if (event.shiftKey && !dx) { dx = dy; dy = 0; }
      self.pan(-dx, -dy);
    }, { passive: false });

    vp.addEventListener("pointerdown", function (event) {
      if (event.pointerType === "mouse" && event.button !== 0) return;
      if (event.target.closest && event.target.closest(NOT_A_DRAG)) return;
      self.pointers[event.pointerId] = self.local(event);
      try { vp.setPointerCapture(event.pointerId); } catch (e) { /* already released */ }
      self.gesture = null;
      self.root.classList.add("is-panning");
    });

    vp.addEventListener("pointermove", function (event) {
      var last = self.pointers[event.pointerId];
      if (!last) return;
      var now = self.local(event);
      var ids = Object.keys(self.pointers);
      if (ids.length === 1) {
        self.pan(now.x - last.x, now.y - last.y);
      } else if (ids.length === 2) {
        var other = self.pointers[ids[0] == event.pointerId ? ids[1] : ids[0]];
        var before = Math.hypot(last.x - other.x, last.y - other.y);
        var after = Math.hypot(now.x - other.x, now.y - other.y);
        var mid = { x: (now.x + other.x) / 2, y: (now.y + other.y) / 2 };
        var oldMid = { x: (last.x + other.x) / 2, y: (last.y + other.y) / 2 };
        if (before > 0) self.zoom(after / before, mid.x, mid.y);
        self.pan(mid.x - oldMid.x, mid.y - oldMid.y);
      }
      self.pointers[event.pointerId] = now;
    });

    function release(event) {
      delete self.pointers[event.pointerId];
      if (!Object.keys(self.pointers).length) self.root.classList.remove("is-panning");
    }
    vp.addEventListener("pointerup", release);
    vp.addEventListener("pointercancel", release);

    vp.addEventListener("keydown", function (event) {
      if (event.target !== vp || event.altKey || event.ctrlKey || event.metaKey) return;
      var step = event.shiftKey ? 240 : 60;
      var handled = true;
      switch (event.key) {
        case "ArrowLeft": self.pan(step, 0); break;
        case "ArrowRight": self.pan(-step, 0); break;
        case "ArrowUp": self.pan(0, step); break;
        case "ArrowDown": self.pan(0, -step); break;
        case "+": case "=": self.zoom(STEP); break;
        case "-": case "_": self.zoom(1 / STEP); break;
        case "0": case "!": self.fit(); break;
        case "f": case "F": self.toggleFullScreen(); break;
        case "Escape": handled = self.root.classList.contains("is-maximized"); if (handled) self.toggleFullScreen(); break;
        default: handled = false;
      }
      if (handled) event.preventDefault();
    });

    this.root.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest(".canvas-button");
      if (!button || !self.root.contains(button)) return;
      var action = button.getAttribute("data-action");
      if (action === "zoom-in") self.zoom(STEP);
      else if (action === "zoom-out") self.zoom(1 / STEP);
      else if (action === "fit") self.fit();
      else if (action === "full-screen") self.toggleFullScreen();
    });

    doc.addEventListener("fullscreenchange", function () { self.fullScreenChanged(); });
    if ("ResizeObserver" in window) {
      var size = [vp.clientWidth, vp.clientHeight];
      new ResizeObserver(function () {
        if (vp.clientWidth === size[0] && vp.clientHeight === size[1]) return;
        var cx = size[0] / 2, cy = size[1] / 2;
        size = [vp.clientWidth, vp.clientHeight];
        if (!self.moved) self.fit();
        else self.pan(size[0] / 2 - cx, size[1] / 2 - cy); // keep the middle in the middle
      }).observe(vp);
    }
  };

  View.prototype.isFullScreen = function () {
    return doc.fullscreenElement === this.root || this.root.classList.contains("is-maximized");
  };

  View.prototype.toggleFullScreen = function () {
    var root = this.root;
    if (doc.fullscreenElement === root) {
      doc.exitFullscreen();
    } else if (root.classList.contains("is-maximized")) {
      root.classList.remove("is-maximized");
      doc.documentElement.classList.remove("canvas-maximized");
      this.fullScreenChanged();
    } else if (root.requestFullscreen && doc.fullscreenEnabled) {
      root.requestFullscreen().catch(this.maximize.bind(this));
    } else {
      this.maximize();
    }
  };

  /* Where there is no Fullscreen API (an iPhone): the frame covers the window. */
  View.prototype.maximize = function () {
    this.root.classList.add("is-maximized");
    doc.documentElement.classList.add("canvas-maximized");
    this.fullScreenChanged();
  };

  View.prototype.fullScreenChanged = function () {
    var on = this.isFullScreen();
    var button = this.root.querySelector('[data-action="full-screen"]');
    if (button) {
      button.setAttribute("aria-pressed", String(on));
      var text = on ? "Leave full screen (F)" : "Full screen (F)";
      button.setAttribute("aria-label", text);
      button.setAttribute("title", text);
    }
    this.fit();
    if (on) this.viewport.focus({ preventScroll: true });
  };

  function init(scope, options) {
    var still = !!(options && options.still);
    var views = (scope || doc).querySelectorAll(".canvas-view:not(.is-interactive)");
    for (var i = 0; i < views.length; i++) new View(views[i], still);
  }

  window.gardenCanvas = { init: init };
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", function () { init(doc); });
  else init(doc);
})();
