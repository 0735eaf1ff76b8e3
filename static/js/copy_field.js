// "Copy" next to a read-only field (templates/appointments/calendar_feed.html): the button
// (hidden without JavaScript) copies the field's value; where the clipboard is not available,
// the value is selected for the user to copy.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    var status = document.querySelector('[data-copy-status="' + field.id + '"]');
    function say(text) { if (status) { status.textContent = text; } }
    function selectIt() {
      field.focus();
      field.select();
      say("Selected: press Ctrl+C (or Cmd+C) to copy.");
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(function () {
          say("Copied.");
        }, selectIt);
      } else {
        selectIt();
      }
    });
  });
})();
