/* garden default theme: query results (Obsidian Bases views, Dataview queries).
 *
 *  - a table sorts by a clicked header (again: the other way), by each cell's data-sort key,
 *    numbers and dates as such; rows stay in their group
 *  - a long result (table rows, list items, cards, tasks) is shown a page at a time with a
 *    pager that says how many there are: nothing is cut, every row is in the page
 *  - a base's views become tabs
 *
 * Without it, every row of every view is shown, in the order the build gave them.
 */
(function () {
  "use strict";
  var doc = document;

  function rowsOf(container) {
    if (container.tagName === "TABLE") {
      return Array.prototype.slice.call(container.querySelectorAll("tbody > tr.query-row"));
    }
    return Array.prototype.filter.call(container.children, function (child) {
      return child.classList.contains("query-row") || child.classList.contains("query-card");
    });
  }

  /* -- paging ------------------------------------------------------------------------------ */
  function pager(container) {
    var size = parseInt(container.getAttribute("data-page-size"), 10) || 50;
    var rows = rowsOf(container);
    if (rows.length <= size) return null;
    var page = 0;
    var nav = doc.createElement("nav");
    nav.className = "query-pager";
    nav.setAttribute("aria-label", "Result pages");
    var prev = doc.createElement("button");
    prev.type = "button";
    prev.textContent = "Previous";
    var next = doc.createElement("button");
    next.type = "button";
    next.textContent = "Next";
    var status = doc.createElement("span");
    status.setAttribute("aria-live", "polite");
    nav.appendChild(prev);
    nav.appendChild(status);
    nav.appendChild(next);
    var anchor = container.closest(".query-table-wrap") || container;
    anchor.parentNode.insertBefore(nav, anchor.nextSibling);

    function show() {
      rows = rowsOf(container);
      var pages = Math.ceil(rows.length / size);
      page = Math.max(0, Math.min(page, pages - 1));
      var first = page * size;
      rows.forEach(function (row, i) {
        row.classList.toggle("query-paged-out", i < first || i >= first + size);
      });
      // A group's heading row goes with its rows.
      Array.prototype.forEach.call(container.querySelectorAll("tbody"), function (body) {
        var visible = body.querySelector("tr.query-row:not(.query-paged-out)");
        Array.prototype.forEach.call(body.querySelectorAll("tr.query-group, tr.query-group-summary"), function (tr) {
          tr.classList.toggle("query-paged-out", !visible);
        });
      });
      status.textContent = (first + 1) + "–" + Math.min(first + size, rows.length) + " of " + rows.length;
      prev.disabled = page === 0;
      next.disabled = page >= pages - 1;
    }
    prev.addEventListener("click", function () { page -= 1; show(); });
    next.addEventListener("click", function () { page += 1; show(); });
    show();
    return { show: show, first: function () { page = 0; show(); } };
  }

  /* -- sorting ----------------------------------------------------------------------------- */
  var NUMBER = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i;

  function compareKeys(a, b) {
    if (a === b) return 0;
    if (a === "") return 1; // empty cells last, whichever the direction
    if (b === "") return -1;
    if (NUMBER.test(a) && NUMBER.test(b)) return parseFloat(a) - parseFloat(b);
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }

  function sortable(table, paging) {
    var headers = table.querySelectorAll("thead th");
    Array.prototype.forEach.call(headers, function (th, column) {
      var button = doc.createElement("button");
      button.type = "button";
      button.className = "query-sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var descending = th.getAttribute("aria-sort") === "ascending";
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        Array.prototype.forEach.call(table.tBodies, function (body) {
          var rows = Array.prototype.slice.call(body.querySelectorAll("tr.query-row"));
          var keyed = rows.map(function (row, i) {
            var cell = row.children[column];
            return { row: row, key: cell ? cell.getAttribute("data-sort") || "" : "", i: i };
          });
          keyed.sort(function (x, y) {
            var c = compareKeys(x.key, y.key);
            if (x.key === "" || y.key === "") return c || x.i - y.i;
            return (descending ? -c : c) || x.i - y.i;
          });
          keyed.forEach(function (k) { body.appendChild(k.row); });
        });
        if (paging) paging.first();
      });
    });
  }

  /* -- a base's views as tabs ------------------------------------------------------------------ */
  var tabsMade = 0;
  function tabs(box) {
    var views = Array.prototype.filter.call(box.children, function (c) {
      return c.classList.contains("base-view");
    });
    if (views.length < 2) return;
    tabsMade += 1;
    var list = doc.createElement("div");
    list.className = "base-tabs";
    list.setAttribute("role", "tablist");
    var buttons = views.map(function (view, i) {
      var button = doc.createElement("button");
      button.type = "button";
      button.setAttribute("role", "tab");
      button.id = "base-tab-" + tabsMade + "-" + i;
      button.setAttribute("aria-controls", view.id);
      button.textContent = view.getAttribute("data-view") || "View " + (i + 1);
      view.setAttribute("role", "tabpanel");
      view.setAttribute("aria-labelledby", button.id);
      list.appendChild(button);
      return button;
    });
    function select(index, focus) {
      buttons.forEach(function (b, i) {
        var on = i === index;
        b.setAttribute("aria-selected", String(on));
        b.tabIndex = on ? 0 : -1;
        views[i].hidden = !on;
      });
      if (focus) buttons[index].focus();
    }
    buttons.forEach(function (b, i) {
      b.addEventListener("click", function () { select(i, false); });
      b.addEventListener("keydown", function (e) {
        var to = e.key === "ArrowRight" ? i + 1 : e.key === "ArrowLeft" ? i - 1 : null;
        if (to === null) return;
        e.preventDefault();
        select((to + buttons.length) % buttons.length, true);
      });
    });
    box.insertBefore(list, box.firstChild);
    box.classList.add("tabbed");
    select(0, false);
  }

  function init() {
    Array.prototype.forEach.call(doc.querySelectorAll("[data-page-size]"), function (container) {
      var paging = pager(container);
      if (container.tagName === "TABLE") sortable(container, paging);
    });
    Array.prototype.forEach.call(doc.querySelectorAll(".base-views"), tabs);
  }

  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", init);
  else init();
})();
