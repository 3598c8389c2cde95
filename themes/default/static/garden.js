/* garden default theme: the reader's features that need a script.
 *
 *  - phone menu: both sidebars fold behind a button
 *  - explorer: the folder tree, drawn from the shared static/explorer.json (an entry's "k" is
 *    the kind of a page that is not a note: "canvas")
 *  - search: Ctrl/Cmd-K or the button; the sharded index in static/search/ (see
 *    garden/render/search.py): one small shard per query word, one file per result shown
 *  - popovers: hovering or tabbing to an internal link previews the target (from the linked
 *    heading or block; a whole note under its title), fetched from this site only
 *  - instant navigation: a link is prefetched when hovered or focused
 *  - table of contents: the heading being read is highlighted
 *  - code blocks: the language and a copy button; headings: a link to themselves (copied)
 *
 * Every page works without it: links, backlinks, table of contents, tags and the local graph
 * are plain HTML. Nothing here talks to any host but the one serving the site.
 */
(function () {
  "use strict";
  var doc = document;
  var html = doc.documentElement;
  var ROOT = new URL(html.getAttribute("data-root") || "", location.href);

  function siteURL(rel) {
    return new URL(rel, ROOT).href;
  }

  function samePage(a, b) {
    var strip = function (u) {
      var p = new URL(u, location.href).pathname;
      return p.replace(/index\.html$/, "");
    };
    return strip(a) === strip(b);
  }

  var cache = {};
  function fetchOnce(url, kind) {
    if (!cache[url]) {
      cache[url] = fetch(url).then(function (r) {
        if (!r.ok) throw new Error(r.status + " " + url);
        return kind === "json" ? r.json() : r.text();
      });
      cache[url].catch(function () { delete cache[url]; });
    }
    return cache[url];
  }

  function el(tag, attrs, text) {
    var node = doc.createElement(tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    if (text != null) node.textContent = text;
    return node;
  }

  function store(kind) {
    try { return window[kind]; } catch (e) { return null; }
  }

  /* -- phone menu --------------------------------------------------------------------------- */
  /* On a phone both sidebars (#garden-drawer: search, navigation, explorer; #garden-right: table
     of contents, local graph, backlinks) hide behind the button; html.menu-open shows them in
     the article's place (style.css). Escape, the button again, or following a link to a heading
     of this page closes the menu. The button is only shown at phone width. */
  function initMenu() {
    var button = doc.querySelector(".menu-toggle");
    if (!button) return;
    var controls = ["garden-drawer", "garden-right"].filter(function (id) {
      return doc.getElementById(id);
    });
    if (!controls.length) return;
    button.setAttribute("aria-controls", controls.join(" "));
    var reading = 0; // scroll position in the article while the menu is open

    function isOpen() {
      return html.classList.contains("menu-open");
    }

    function setOpen(open, restore) {
      if (open === isOpen()) return;
      if (open) reading = window.scrollY;
      html.classList.toggle("menu-open", open);
      button.setAttribute("aria-expanded", String(open));
      doc.dispatchEvent(new CustomEvent("garden:menu", { detail: { open: open } }));
      // "instant": the page's smooth scrolling would replay the whole way back.
      if (open) window.scrollTo({ top: 0, behavior: "instant" });
      else if (restore) window.scrollTo({ top: reading, behavior: "instant" });
    }

    button.addEventListener("click", function () { setOpen(!isOpen(), true); });
    doc.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || !isOpen()) return;
      if (event.target.closest && event.target.closest("dialog")) return; // closes the search
      setOpen(false, true);
      button.focus();
    });
    doc.addEventListener("click", function (event) {
      // A link to a part of this page (a heading in the table of contents): show the article
      // first, so the browser scrolls to it.
      var a = isOpen() && event.target.closest && event.target.closest("a[href]");
      if (a && a.hash && a.pathname === location.pathname && a.origin === location.origin) {
        setOpen(false, false);
      }
    });
    // Wider than a phone the menu is not a menu: forget it was open.
    var phone = window.matchMedia && window.matchMedia("(max-width: 800px)");
    if (phone && phone.addEventListener) {
      phone.addEventListener("change", function () { if (!phone.matches) setOpen(false, false); });
    }
  }

  /* -- explorer ----------------------------------------------------------------------------- */
  var OPEN_KEY = "garden-explorer-open";

  function initExplorer() {
    var nav = doc.querySelector(".explorer[data-src]");
    if (!nav) return;
    var session = store("sessionStorage");
    var open = {};
    try { open = JSON.parse((session && session.getItem(OPEN_KEY)) || "{}") || {}; } catch (e) { open = {}; }
    var count = 0;

    function save() {
      try { session && session.setItem(OPEN_KEY, JSON.stringify(open)); } catch (e) { /* full */ }
    }

    function build(entries, depth) {
      var list = el("ul", depth ? {} : { class: "explorer-tree" });
      var holdsCurrent = false;
      entries.forEach(function (entry) {
        var li = el("li");
        var href = siteURL(entry.u);
        var link = el("a", { href: href }, entry.t);
        // A page that is not a note (a canvas) is marked, as in Obsidian's file explorer.
        if (entry.k) link.appendChild(el("span", { class: "explorer-badge" }, entry.k));
        var current = samePage(href, location.href);
        if (current) { link.setAttribute("aria-current", "page"); holdsCurrent = true; }
        if (entry.c) {
          li.className = "explorer-folder";
          var id = "garden-explorer-" + (++count);
          var sub = build(entry.c, depth + 1);
          sub.list.id = id;
          var expanded = current || sub.current || open[entry.u] === true;
          if (open[entry.u] === false && !sub.current) expanded = false;
          var toggle = el("button", {
            type: "button", class: "explorer-toggle", "aria-expanded": String(expanded),
            "aria-controls": id, "aria-label": "Show " + entry.t,
          });
          toggle.innerHTML = '<svg class="icon" width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="m9 6 6 6-6 6"/></svg>';
          sub.list.hidden = !expanded;
          toggle.addEventListener("click", function () {
            var now = toggle.getAttribute("aria-expanded") !== "true";
            toggle.setAttribute("aria-expanded", String(now));
            sub.list.hidden = !now;
            open[entry.u] = now;
            save();
          });
          li.appendChild(toggle);
          li.appendChild(link);
          li.appendChild(sub.list);
          holdsCurrent = holdsCurrent || sub.current;
        } else {
          li.className = "explorer-note";
          li.appendChild(link);
        }
        list.appendChild(li);
      });
      return depth ? { list: list, current: holdsCurrent } : list;
    }

    fetchOnce(new URL(nav.getAttribute("data-src"), location.href).href, "json").then(function (tree) {
      if (!tree.length) return;
      nav.appendChild(build(tree, 0));
      nav.hidden = false;
      var here = nav.querySelector('[aria-current="page"]');
      if (here && here.scrollIntoView) here.scrollIntoView({ block: "nearest" });
    }).catch(function () { /* the explorer is an extra; folder pages list the same notes */ });
  }

  /* -- search ------------------------------------------------------------------------------- */
  // Keep in step with garden/render/search.py (tokenize, fold_token).
  var CJK = "\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u3190-\u31ff" +
    "\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f";
  var WORD = "(?:(?![" + CJK + "])[\\p{L}\\p{N}])+";
  var TOKEN = new RegExp("([" + CJK + "]+)|(" + WORD + "(?:['\u2019]" + WORD + ")?)", "gu");
  var IS_CJK = new RegExp("^[" + CJK + "]");
  var PAGE = 8; // results shown at once; "Show more" adds as many
  var TITLE = 64; // search.py TITLE_WEIGHT: a weight this high means the title holds the word
  var TITLE_SCORE = 12; // what a title occurrence counts in the score
  var PREFIX_SHARDS = 8; // a two-letter word is matched as a prefix when it needs no more shards

  function fold(word) {
    return word.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase()
      .replace(/ß/g, "ss").replace(/ς/g, "σ").normalize("NFC").replace(/\u2019/g, "'");
  }

  function tokenize(text) {
    var out = [];
    var m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(text))) {
      if (m[1]) {
        var run = m[1];
        for (var i = 0; i < Math.max(1, run.length - 1); i++) out.push(run.slice(i, i + 2));
      } else {
        out.push(fold(m[2]));
      }
    }
    return out;
  }

  function hex(key) {
    return Array.from(new TextEncoder().encode(key), function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
  }

  function Search() {
    this.base = siteURL("static/search/");
    this.seq = 0;
  }

  Search.prototype.manifest = function () {
    return fetchOnce(this.base + "manifest.json", "json");
  };

  /* The shards to read for a query word: the one its longest key prefix names, and with
     ``prefix`` those whose key starts with the word (its longer tokens live there). */
  Search.prototype.shardsFor = function (keys, term, prefix) {
    var best = "";
    var found = [];
    keys.forEach(function (k) {
      if (term.lastIndexOf(k, 0) === 0 && k.length > best.length) best = k;
      if (prefix && k.length > term.length && k.lastIndexOf(term, 0) === 0) found.push(k);
    });
    if (best) found.push(best);
    return found;
  };

  /* Whether two words are at most one typo apart: a letter added, dropped, changed, or two
     neighbours swapped. */
  function oneTypo(a, b) {
    if (Math.abs(a.length - b.length) > 1) return false;
    var i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    if (a.length === b.length) {
      if (i === a.length || a.slice(i + 1) === b.slice(i + 1)) return true;
      return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
    }
    return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
  }

  /* How well a token answers a query word: 1 the same word, 0.75 a word it begins (while
     typing), 0.5 one typo away (``calout`` finds ``callouts``), 0 not at all. */
  function closeness(term, token, prefix, typos) {
    if (token === term) return 1;
    if (prefix && token.lastIndexOf(term, 0) === 0) return 0.75;
    if (!typos) return 0;
    if (oneTypo(term, token)) return 0.5;
    if (prefix) {
      for (var n = term.length - 1; n <= term.length + 1; n++) {
        if (n < token.length && oneTypo(term, token.slice(0, n))) return 0.45;
      }
    }
    return 0;
  }

  /* Resolve to {terms, words, hits: [{id, score, titled}]} for the query, best first: notes
     whose title holds every word first, then by how many words their title holds, then by
     score (each word's weight in the note times its rarity, times how well it matched). Every
     word must match. */
  Search.prototype.query = function (text) {
    var self = this;
    var terms = tokenize(text).filter(function (t, i, all) { return all.indexOf(t) === i; });
    if (!terms.length) return Promise.resolve({ terms: [], words: [], hits: [] });
    return this.manifest().then(function (manifest) {
      var plans = terms.map(function (term, i) {
        var cjk = IS_CJK.test(term);
        var last = i === terms.length - 1;
        var prefix = cjk || term.length >= 3 || (last && term.length === 2);
        var keys = self.shardsFor(manifest.keys, term, prefix);
        if (term.length === 2 && !cjk && keys.length > PREFIX_SHARDS) {
          prefix = false; // "th" would read half the index: wait for the next letter
          keys = self.shardsFor(manifest.keys, term, false);
        }
        var typos = !cjk && term.length >= 4;
        return Promise.all(keys.map(function (k) {
          return fetchOnce(self.base + "i/" + hex(k) + ".json", "json");
        })).then(function (shards) {
          var docs = {}; // id -> [score weight, in the title]
          var matched = [];
          shards.forEach(function (shard) {
            for (var token in shard) {
              var near = closeness(term, token, prefix, typos);
              if (!near) continue;
              matched.push(token);
              var list = shard[token];
              var id = 0;
              for (var j = 0; j < list.length; j += 2) {
                id += list[j];
                var w = list[j + 1];
                var titled = w >= TITLE;
                var weight = (titled ? w - TITLE + TITLE_SCORE : w) * near;
                var had = docs[id];
                if (!had || weight > had[0]) docs[id] = [weight, titled || (had && had[1])];
                else if (titled) had[1] = true;
              }
            }
          });
          return { docs: docs, matched: matched };
        });
      });
      return Promise.all(plans).then(function (perTerm) {
        var scores = null; // id -> [score, words in the title]
        perTerm.forEach(function (t) {
          var df = Object.keys(t.docs).length;
          var idf = Math.log(1 + manifest.docs / Math.max(1, df));
          var next = {};
          for (var id in t.docs) {
            if (scores !== null && !(id in scores)) continue;
            var had = scores ? scores[id] : [0, 0];
            next[id] = [had[0] + t.docs[id][0] * idf, had[1] + (t.docs[id][1] ? 1 : 0)];
          }
          scores = next;
        });
        var hits = Object.keys(scores || {}).map(function (id) {
          return { id: Number(id), score: scores[id][0], titled: scores[id][1] };
        });
        var all = terms.length;
        hits.sort(function (a, b) {
          return (b.titled === all) - (a.titled === all) || b.titled - a.titled ||
            b.score - a.score || a.id - b.id;
        });
        var words = [];
        perTerm.forEach(function (t) { words = words.concat(t.matched); });
        return { terms: terms, words: words, hits: hits };
      });
    });
  };

  Search.prototype.doc = function (id) {
    return fetchOnce(this.base + "d/" + id + ".json", "json");
  };

  function escapeRegExp(s) {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  /* Append `text` to `node`, with the matched words in <mark>. */
  function highlight(node, text, pattern) {
    var last = 0;
    var m;
    if (pattern) {
      pattern.lastIndex = 0;
      while ((m = pattern.exec(text))) {
        if (!m[0]) { pattern.lastIndex++; continue; }
        node.appendChild(doc.createTextNode(text.slice(last, m.index)));
        node.appendChild(el("mark", {}, m[0]));
        last = m.index + m[0].length;
      }
    }
    node.appendChild(doc.createTextNode(text.slice(last)));
  }

  function matcher(words) {
    var parts = words.slice().sort(function (a, b) { return b.length - a.length; }).slice(0, 40);
    if (!parts.length) return null;
    // Accent-insensitive enough for the snippet: try the word as typed and as indexed.
    return new RegExp(parts.map(escapeRegExp).join("|"), "giu");
  }

  function test(pattern, text) {
    if (!pattern) return false;
    pattern.lastIndex = 0;
    return pattern.test(text);
  }

  /* What a result shows and where it leads: a title match opens the page's top; else the
     first heading that holds a matched word, else the heading of the section the first
     matched word is in. The snippet is from that section only, under its heading. */
  function excerpt(d, pattern) {
    var sections = d.s || [];
    var text = d.x;
    var at = -1;
    if (pattern) {
      pattern.lastIndex = 0;
      var m = pattern.exec(text);
      if (m) at = m.index;
    }
    var section = -1; // index into sections
    var headingHit = -1;
    for (var h = 0; h < d.h.length; h++) {
      if (test(pattern, d.h[h][0])) { headingHit = h; break; }
    }
    if (headingHit >= 0 && (at < 0 || !test(pattern, d.t))) {
      for (var i = 0; i < sections.length; i++) if (sections[i][1] === headingHit) section = i;
      if (section >= 0 && !inSection(sections, section, at, text.length)) {
        at = -1; // the word in the heading only: show the section's start
        var from = sections[section][0];
        var to = section + 1 < sections.length ? sections[section + 1][0] : text.length;
        if (pattern) {
          pattern.lastIndex = from;
          var n = pattern.exec(text);
          if (n && n.index < to) at = n.index;
        }
      }
    } else if (at >= 0) {
      for (var j = 0; j < sections.length && sections[j][0] <= at; j++) section = j;
    }
    var start = section >= 0 ? sections[section][0] : 0;
    var end = section >= 0 && section + 1 < sections.length ? sections[section + 1][0] : text.length;
    var heading = section >= 0 ? d.h[sections[section][1]] : null;
    var titled = test(pattern, d.t);
    return {
      heading: heading ? heading[0] : "",
      hash: heading && !titled ? "#" + encodeURIComponent(heading[1]) : "",
      text: snippet(text.slice(start, end).trim(), at >= 0 ? at - start : -1),
    };
  }

  function inSection(sections, i, at, length) {
    var to = i + 1 < sections.length ? sections[i + 1][0] : length;
    return at >= sections[i][0] && at < to;
  }

  function snippet(text, at) {
    var start = Math.max(0, at - 60);
    if (start > 0) {
      var space = text.indexOf(" ", start);
      if (space >= 0 && space < at) start = space + 1;
    }
    var end = Math.min(text.length, start + 180);
    return (start > 0 ? "…" : "") + text.slice(start, end) + (end < text.length ? "…" : "");
  }

  function initSearch() {
    var buttons = doc.querySelectorAll(".search-button");
    // The shortcut as this keyboard writes it; touch screens show none (style.css).
    if (/Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent)) {
      doc.querySelectorAll(".search-button kbd").forEach(function (k) { k.textContent = "\u2318 K"; });
    }
    var engine = new Search();
    var dialog = null, input, list, status, active = -1, timer = 0;

    function create() {
      dialog = el("dialog", { class: "search-dialog", "aria-label": "Search" });
      var form = el("div", { class: "search-box" });
      input = el("input", {
        type: "search", class: "search-input", placeholder: "Search notes", autocomplete: "off",
        spellcheck: "false", role: "combobox", "aria-expanded": "false",
        "aria-controls": "garden-search-results", "aria-autocomplete": "list",
        "aria-label": "Search notes",
      });
      list = el("ul", { id: "garden-search-results", class: "search-results", role: "listbox", "aria-label": "Results" });
      status = el("p", { class: "search-status", role: "status" });
      form.appendChild(input);
      form.appendChild(status);
      form.appendChild(list);
      dialog.appendChild(form);
      doc.body.appendChild(dialog);
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(run, 60);
      });
      input.addEventListener("keydown", onKey);
      dialog.addEventListener("click", function (event) {
        if (event.target === dialog) dialog.close();
      });
      dialog.addEventListener("close", function () { lastFocus && lastFocus.focus && lastFocus.focus(); });
    }

    var lastFocus = null;
    function open() {
      if (!dialog) create();
      if (dialog.open) { input.select(); return; }
      lastFocus = doc.activeElement;
      dialog.showModal();
      input.select();
      engine.manifest().catch(function () {});
    }

    function options() {
      return list.querySelectorAll('[role="option"]');
    }

    function setActive(i) {
      var opts = options();
      if (!opts.length) { active = -1; input.removeAttribute("aria-activedescendant"); return; }
      active = (i + opts.length) % opts.length;
      for (var j = 0; j < opts.length; j++) opts[j].setAttribute("aria-selected", String(j === active));
      input.setAttribute("aria-activedescendant", opts[active].id);
      opts[active].scrollIntoView({ block: "nearest" });
    }

    function onKey(event) {
      if (event.key === "ArrowDown") { setActive(active + 1); event.preventDefault(); }
      else if (event.key === "ArrowUp") { setActive(active - 1); event.preventDefault(); }
      else if (event.key === "Enter") {
        var opts = options();
        var target = opts[active >= 0 ? active : 0];
        if (target) {
          event.preventDefault();
          choose(target);
        }
      }
    }

    function choose(option) {
      if (option.hasAttribute("data-more")) {
        var first = options().length - 1;
        more(current).then(function () { setActive(first); });
      } else {
        location.href = option.getAttribute("data-href");
      }
    }

    var current = null; // {result, pattern}: the list's query and how many results it shows

    function run() {
      var text = input.value;
      var seq = ++engine.seq;
      if (!text.trim()) {
        current = null;
        list.textContent = "";
        status.textContent = "";
        input.setAttribute("aria-expanded", "false");
        return;
      }
      engine.query(text).then(function (result) {
        if (seq !== engine.seq) return;
        var state = { result: result, pattern: matcher(result.words.concat(result.terms)), shown: 0 };
        current = state;
        return more(state, true).then(function () {
          if (state !== current) return;
          list.setAttribute("data-query", text); // which query the list answers (tests wait on it)
          var count = result.hits.length;
          status.textContent = count ? count + (count === 1 ? " note" : " notes") + " found" : "No notes found";
          setActive(0);
        });
      }).catch(function () {
        if (seq === engine.seq) status.textContent = "Search is unavailable";
      });
    }

    /* The next page of results (the first with ``fresh``), then a "Show more" option while
       there are more. */
    function more(state, fresh) {
      var hits = state.result.hits;
      var next = hits.slice(state.shown, state.shown + PAGE);
      return Promise.all(next.map(function (h) { return engine.doc(h.id); })).then(function (docs) {
        if (state !== current) return;
        if (fresh) list.textContent = "";
        var old = list.querySelector("[data-more]");
        if (old) old.remove();
        docs.forEach(function (d) { list.appendChild(result(d, state.pattern, state.shown++)); });
        var left = hits.length - state.shown;
        if (left > 0) {
          var option = el("li", {
            role: "option", id: "garden-search-more", "aria-selected": "false",
            class: "search-result search-more", "data-more": "",
          }, "Show " + Math.min(left, PAGE) + " more of " + left);
          option.addEventListener("click", function () { choose(option); });
          list.appendChild(option);
        }
        input.setAttribute("aria-expanded", String(list.children.length > 0));
      });
    }

    function result(d, pattern, i) {
      var li = el("li", { role: "option", id: "garden-search-" + i, "aria-selected": "false", class: "search-result" });
      var shown = excerpt(d, pattern);
      var href = siteURL(d.u) + shown.hash;
      // An option holds no link (controls must not nest): choosing it navigates.
      li.setAttribute("data-href", href);
      var hit = el("span", { class: "search-hit" });
      var title = el("span", { class: "search-title" });
      highlight(title, d.t, pattern);
      hit.appendChild(title);
      if (shown.heading) {
        var heading = el("span", { class: "search-heading" });
        highlight(heading, shown.heading, pattern);
        hit.appendChild(heading);
      }
      if (shown.text) {
        var body = el("span", { class: "search-snippet" });
        highlight(body, shown.text, pattern);
        hit.appendChild(body);
      }
      if (d.g.length) hit.appendChild(el("span", { class: "search-tags" }, d.g.map(function (t) { return "#" + t; }).join(" ")));
      li.appendChild(hit);
      li.addEventListener("click", function () { choose(li); });
      li.addEventListener("mousemove", function () {
        var at = Array.prototype.indexOf.call(options(), li);
        if (active !== at) setActive(at);
      });
      return li;
    }

    for (var i = 0; i < buttons.length; i++) buttons[i].addEventListener("click", open);
    doc.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === "k" || event.key === "K")) {
        event.preventDefault();
        open();
      }
    });
  }

  /* -- popovers and prefetch ---------------------------------------------------------------- */
  var prefetched = {};
  function prefetch(href) {
    var url = href.split("#")[0];
    if (prefetched[url] || url === location.href.split("#")[0]) return;
    prefetched[url] = true;
    doc.head.appendChild(el("link", { rel: "prefetch", href: url }));
  }

  function isLocalPage(a) {
    return a.origin === location.origin && /(\.html|\/)$/.test(a.pathname);
  }

  /* Internal links and backlinks get a preview, only of a page of this site: a note may hold
     raw HTML such as <a class="internal" href="https://elsewhere">, which must not make the
     reader's browser fetch another host. */
  function previewable(a) {
    return (a.classList.contains("internal") || !!a.closest(".backlinks")) && isLocalPage(a);
  }

  /* The part of a fetched page to preview: the article body, or the linked heading's section
     (the heading and what follows it until a heading as high), or the linked block. */
  function previewOf(page, hash) {
    var content = page.querySelector("article .content") || page.querySelector("article");
    if (!content) return null;
    var id = hash ? decodeURIComponent(hash.slice(1)) : "";
    var target = id ? page.getElementById(id) : null;
    if (!target || !content.contains(target)) {
      // The whole note: under its title, which the body does not repeat.
      var title = page.querySelector("article .page-title");
      var nodes = Array.prototype.slice.call(content.childNodes);
      if (title) {
        var heading = page.createElement("p");
        heading.className = "popover-title";
        heading.textContent = title.textContent;
        nodes.unshift(heading);
      }
      return nodes;
    }
    var level = /^H([1-6])$/.exec(target.tagName);
    if (!level) return [target];
    var nodes = [target];
    for (var n = target.nextElementSibling; n; n = n.nextElementSibling) {
      var l = /^H([1-6])$/.exec(n.tagName);
      if (l && Number(l[1]) <= Number(level[1])) break;
      nodes.push(n);
    }
    return nodes;
  }

  function initPopovers() {
    var pop = null, showTimer = 0, hideTimer = 0, current = null;

    function hide() {
      clearTimeout(showTimer);
      if (pop) { pop.remove(); pop = null; }
      current = null;
    }

    function show(a) {
      if (!previewable(a)) return;
      var url = a.href.split("#")[0];
      fetchOnce(url, "text").then(function (text) {
        if (current !== a) return;
        var page = new DOMParser().parseFromString(text, "text/html");
        var nodes = previewOf(page, a.hash);
        if (!nodes) return;
        var box = el("div", { class: "popover" });
        // Clean up inside the parsed (inert) document: an image imported into this page would
        // start loading at once. Only this site's files are kept, so a preview never makes the
        // reader's browser call another host; ids would clash with this page's.
        var holder = page.createElement("div");
        Array.prototype.slice.call(nodes).forEach(function (n) { holder.appendChild(n); });
        holder.querySelectorAll("[id]").forEach(function (n) { n.removeAttribute("id"); });
        holder.querySelectorAll("iframe, video, audio, script, object, embed").forEach(function (n) { n.remove(); });
        holder.querySelectorAll("[srcset]").forEach(function (n) { n.removeAttribute("srcset"); });
        holder.querySelectorAll("[src]").forEach(function (n) {
          var src = new URL(n.getAttribute("src"), url);
          if (src.origin !== location.origin) n.remove();
          else n.setAttribute("src", src.href);
        });
        holder.querySelectorAll("[href]").forEach(function (n) {
          n.setAttribute("href", new URL(n.getAttribute("href"), url).href);
          n.setAttribute("tabindex", "-1");
        });
        var inner = doc.importNode(holder, true);
        inner.className = "popover-inner content";
        box.appendChild(inner);
        hide();
        current = a;
        pop = box;
        doc.body.appendChild(box);
        // A canvas in the preview: fitted to it, still (canvas.js).
        if (window.gardenCanvas) window.gardenCanvas.init(box, { still: true });
        var r = a.getBoundingClientRect();
        var width = box.offsetWidth, height = box.offsetHeight;
        var left = Math.min(Math.max(8, r.left), innerWidth - width - 8);
        var top = r.bottom + 8;
        if (top + height > innerHeight - 8 && r.top - height - 8 > 8) top = r.top - height - 8;
        box.style.left = left + scrollX + "px";
        box.style.top = top + scrollY + "px";
        box.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
        box.addEventListener("mouseleave", function () { hideTimer = setTimeout(hide, 200); });
      }).catch(function () { /* a preview is an extra */ });
    }

    function later(a) {
      clearTimeout(hideTimer); // the last preview stays until this one replaces it
      if (current === a) return;
      clearTimeout(showTimer);
      current = a;
      showTimer = setTimeout(function () { show(a); }, 250);
    }
    function leave(a) {
      if (!a || a !== current) return;
      clearTimeout(showTimer);
      hideTimer = setTimeout(hide, 250);
    }
    doc.addEventListener("mouseover", function (event) {
      var a = event.target.closest && event.target.closest("a[href]");
      if (!a || (pop && pop.contains(a))) return;
      if (isLocalPage(a)) prefetch(a.href);
      if (previewable(a)) later(a);
    });
    doc.addEventListener("mouseout", function (event) {
      leave(event.target.closest && event.target.closest("a[href]"));
    });
    // The keyboard too: a link tabbed to shows its preview, and leaving it hides it.
    doc.addEventListener("focusin", function (event) {
      var a = event.target.closest && event.target.closest("a[href]");
      if (!a || (pop && pop.contains(a))) return;
      if (isLocalPage(a)) prefetch(a.href);
      if (previewable(a) && a.matches(":focus-visible")) later(a);
    });
    doc.addEventListener("focusout", function (event) {
      leave(event.target.closest && event.target.closest("a[href]"));
    });
    doc.addEventListener("keydown", function (event) { if (event.key === "Escape") hide(); });
  }

  /* -- table of contents -------------------------------------------------------------------- */
  /* The heading being read is highlighted. While the phone menu shows the table of contents in
     the article's place, the highlight stays on the heading the reader left (the hidden
     article's headings are all "at the top"). On a phone the table of contents follows the
     article, folded behind its heading; the menu shows it unfolded. */
  var PHONE = "(max-width: 800px)";

  function initToc() {
    var nav = doc.querySelector("nav.toc");
    if (!nav) return;
    var main = doc.getElementById("garden-main");
    var links = nav.querySelectorAll("a[href^='#']");
    var byId = {};
    var headings = [];
    links.forEach(function (a) {
      var id = decodeURIComponent(a.getAttribute("href").slice(1));
      var h = doc.getElementById(id);
      if (h) { byId[id] = a; headings.push(h); }
    });
    function update() {
      if (!headings.length || (main && !main.getClientRects().length)) return;
      var current = headings[0];
      for (var i = 0; i < headings.length; i++) {
        if (headings[i].getBoundingClientRect().top < 120) current = headings[i];
        else break;
      }
      links.forEach(function (a) { a.classList.remove("active"); a.removeAttribute("aria-current"); });
      if (current && byId[current.id]) {
        byId[current.id].classList.add("active");
        byId[current.id].setAttribute("aria-current", "location");
      }
    }
    var pending = false;
    window.addEventListener("scroll", function () {
      if (pending) return;
      pending = true;
      requestAnimationFrame(function () { pending = false; update(); });
    }, { passive: true });
    update();
    foldToc(nav);
  }

  function foldToc(nav) {
    var heading = nav.querySelector(".aside-heading");
    var list = nav.querySelector("ol[id]");
    var phone = window.matchMedia && window.matchMedia(PHONE);
    if (!heading || !list || !phone || !phone.addEventListener) return;
    var label = heading.textContent;
    var button = el("button", {
      type: "button", class: "toc-toggle", "aria-expanded": "false", "aria-controls": list.id,
    }, label);
    button.insertAdjacentHTML("beforeend", '<svg class="icon" width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="m6 9 6 6 6-6"/></svg>');
    var unfolded = false; // the reader's choice, below the article
    function show(open) {
      button.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("toc-folded", !open);
    }
    function apply() {
      if (phone.matches) {
        if (button.parentNode !== heading) { heading.textContent = ""; heading.appendChild(button); }
        show(unfolded || html.classList.contains("menu-open"));
      } else {
        if (button.parentNode === heading) heading.textContent = label;
        nav.classList.remove("toc-folded");
      }
    }
    button.addEventListener("click", function () {
      unfolded = button.getAttribute("aria-expanded") !== "true";
      show(unfolded);
    });
    phone.addEventListener("change", apply);
    doc.addEventListener("garden:menu", apply);
    apply();
  }

  /* -- code blocks and heading links ------------------------------------------------------- */
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (done, fail) { // plain http: the older way
      var area = el("textarea", { readonly: "", class: "visually-hidden" });
      area.value = text;
      doc.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = doc.execCommand("copy"); } catch (e) { ok = false; }
      area.remove();
      if (ok) done(); else fail(new Error("copy refused"));
    });
  }

  var said = null;
  function say(text) { // a short message for screen readers
    if (!said) {
      said = el("p", { class: "visually-hidden", "aria-live": "polite" });
      doc.body.appendChild(said);
    }
    said.textContent = "";
    setTimeout(function () { said.textContent = text; }, 50);
  }

  /* Each code block gets its language (from data-lang, set at build time) and a copy button. */
  function initCode() {
    doc.querySelectorAll("article .content pre").forEach(function (pre) {
      var code = pre.querySelector("code");
      if (!code || pre.closest(".code-block, .popover")) return;
      var box = pre.parentElement.classList.contains("highlight") ? pre.parentElement : null;
      if (!box) { // a plain block scrolls sideways: the tools go on a wrapper that does not
        box = el("div", { class: "code-block" });
        if (pre.hasAttribute("data-lang")) box.setAttribute("data-lang", pre.getAttribute("data-lang"));
        pre.parentNode.insertBefore(box, pre);
        box.appendChild(pre);
      }
      box.classList.add("code-block");
      var tools = el("div", { class: "code-tools" });
      if (box.hasAttribute("data-lang")) tools.appendChild(el("span", { class: "code-lang" }, box.getAttribute("data-lang")));
      var button = el("button", { type: "button", class: "code-copy", "aria-label": "Copy code" }, "Copy");
      button.addEventListener("click", function () {
        copyText(code.innerText.replace(/\n$/, "")).then(function () {
          button.textContent = "Copied";
          say("Code copied");
        }, function () {
          button.textContent = "Press Ctrl+C";
        }).then(function () {
          setTimeout(function () { button.textContent = "Copy"; }, 1600);
        });
      });
      tools.appendChild(button);
      box.appendChild(tools);
    });
  }

  /* Each heading of the note gets a link to itself; following it also copies its address. */
  function initAnchors() {
    doc.querySelectorAll("article .content :is(h1, h2, h3, h4, h5, h6)[id]").forEach(function (h) {
      if (h.closest(".popover") || h.querySelector(".heading-anchor")) return;
      var a = el("a", {
        class: "heading-anchor", href: "#" + encodeURIComponent(h.id),
        "aria-label": "Link to this section: " + h.textContent.trim(),
      }, "#");
      a.addEventListener("click", function () {
        var url = location.href.split("#")[0] + a.getAttribute("href");
        copyText(url).then(function () { say("Link to the section copied"); }, function () {});
      });
      h.appendChild(a);
    });
  }

  /* Code blocks wider than the column scroll sideways: make them reachable by keyboard. */
  function initScrollables() {
    doc.querySelectorAll("article pre").forEach(function (pre) {
      if (pre.scrollWidth > pre.clientWidth && !pre.hasAttribute("tabindex")) {
        pre.setAttribute("tabindex", "0");
      }
    });
  }

  function start() {
    initCode();
    initAnchors();
    initScrollables();
    initMenu();
    initExplorer();
    initSearch();
    initPopovers();
    initToc();
  }
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", start);
  else start();
})();
