// The print view's Print button (templates/sessions/session_print.html): without JavaScript the
// page says to use the browser's own Print command instead.
(function () {
  "use strict";
  if (!window.print) { return; }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("[data-print-hint]").forEach(function (hint) { hint.hidden = true; });
})();
