/* garden default theme: light/dark toggle.
 * An inline snippet in <head> applies the stored choice before the first paint;
 * this deferred file repeats that (in case the snippet was blocked) and wires the button.
 * With no stored choice the page follows prefers-color-scheme through CSS alone. */
(function () {
  "use strict";
  var KEY = "garden-theme";
  var root = document.documentElement;
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function load() {
    try {
      var t = localStorage.getItem(KEY);
      return t === "light" || t === "dark" ? t : null;
    } catch (e) {
      return null;
    }
  }

  function save(t) {
    try {
      localStorage.setItem(KEY, t);
    } catch (e) { /* private mode: the choice lasts for this page only */ }
  }

  function current() {
    return root.getAttribute("data-theme") || (media && media.matches ? "dark" : "light");
  }

  function sync() {
    var dark = String(current() === "dark");
    var buttons = document.querySelectorAll(".theme-toggle");
    for (var i = 0; i < buttons.length; i++) buttons[i].setAttribute("aria-pressed", dark);
  }

  root.classList.remove("no-js");
  root.classList.add("js");
  var stored = load();
  if (stored) root.setAttribute("data-theme", stored);

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".theme-toggle");
    if (!button) return;
    var next = current() === "dark" ? "light" : "dark";
    root.setAttribute("data-theme", next);
    save(next);
    sync();
  });

  if (media) {
    var onChange = function () { if (!root.hasAttribute("data-theme")) sync(); };
    if (media.addEventListener) media.addEventListener("change", onChange);
    else if (media.addListener) media.addListener(onChange);
  }

  // Keep several open tabs in step.
  window.addEventListener("storage", function (event) {
    if (event.key !== KEY) return;
    if (event.newValue === "light" || event.newValue === "dark") root.setAttribute("data-theme", event.newValue);
    else root.removeAttribute("data-theme");
    sync();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", sync);
  else sync();
})();
