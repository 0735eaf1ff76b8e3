// Dark or light, as the device asks (prefers-color-scheme), through Bootstrap's colour modes:
// data-bs-theme on <html>. Loaded in <head> before the page is drawn (a static file: the
// Content-Security-Policy allows no inline script), and kept in step when the device switches.
(function () {
  "use strict";
  var root = document.documentElement;
  var query = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function apply() {
    root.setAttribute("data-bs-theme", query && query.matches ? "dark" : "light");
  }

  apply();
  if (query) {
    if (query.addEventListener) {
      query.addEventListener("change", apply);
    } else if (query.addListener) {
      query.addListener(apply); // Safari before 14
    }
  }
})();
