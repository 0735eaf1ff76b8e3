// The note template form: show the sections of the chosen format only. A section that holds
// text stays shown, so that nothing typed is hidden (saving then names it).
(function () {
  "use strict";
  var form = document.getElementById("note-template-form");
  if (!form) { return; }
  var select = form.querySelector("[data-note-format]");
  var sections = form.querySelectorAll(".note-section");

  function update() {
    sections.forEach(function (section) {
      var formats = (section.dataset.formats || "").split(" ");
      var textarea = section.querySelector("textarea");
      var hasText = textarea && textarea.value.trim() !== "";
      section.hidden = formats.indexOf(select.value) === -1 && !hasText;
    });
  }

  if (select) {
    select.addEventListener("change", update);
    update();
  }
})();
