// The search page while the therapist's notes are being prepared for search (after a restart):
// posts the same search form again (same words and filters, its CSRF token, the same page
// number) after the number of seconds the server gave in data-search-retry-after. The server
// counts the tries (data-search-retry, posted back as "retry") and leaves the attribute out
// once it has stopped trying, so this never loops on its own. Typing in the form cancels the
// automatic try: the therapist presses Search themselves.
(function () {
  "use strict";
  var status = document.querySelector("[data-search-retry-after]");
  if (!status) { return; }
  var form = document.getElementById(status.getAttribute("data-search-form"));
  var seconds = parseInt(status.getAttribute("data-search-retry-after"), 10);
  if (!form || !(seconds >= 0)) { return; }

  function hidden(name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }

  var timer = window.setTimeout(function () {
    hidden("retry", status.getAttribute("data-search-retry") || "1");
    hidden("page", status.getAttribute("data-search-page") || "1");
    form.submit();
  }, seconds * 1000);

  function cancel() {
    window.clearTimeout(timer);
    form.removeEventListener("input", cancel);
    form.removeEventListener("change", cancel);
  }
  form.addEventListener("input", cancel);
  form.addEventListener("change", cancel);
})();
