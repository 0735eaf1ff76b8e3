// Progressive enhancement for the session form: show only the sections of the chosen note
// format. Text is never removed: a section that holds text stays visible (and is flagged)
// even when the new format does not have it, so that nothing typed disappears.
(function () {
  "use strict";
  var form = document.getElementById("session-form");
  if (!form) { return; }
  var select = form.querySelector("[data-note-format]");
  var sections = form.querySelectorAll(".note-section");

  function update() {
    var format = select.value;
    sections.forEach(function (section) {
      var formats = (section.dataset.formats || "").split(" ");
      var inFormat = formats.indexOf(format) !== -1;
      var textarea = section.querySelector("textarea");
      var hasText = textarea && textarea.value.trim() !== "";
      section.hidden = !inFormat && !hasText;
      section.classList.toggle("not-in-format", !inFormat && hasText);
    });
  }

  if (select) {
    select.addEventListener("change", update);
    sections.forEach(function (section) {
      var textarea = section.querySelector("textarea");
      if (textarea) { textarea.addEventListener("input", update); }
    });
    update();
  }
})();
