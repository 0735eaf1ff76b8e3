// The note form's questionnaire risk notice (templates/measures/panels/form_risk.html): shows
// the notice of the day in the form's date field, and follows the field when it changes.
(function () {
  "use strict";
  var panel = document.querySelector("[data-measure-risk]");
  var field = document.getElementById("id_date");
  if (!panel || !field) { return; }
  function show() {
    panel.querySelectorAll("[data-risk-date]").forEach(function (notice) {
      var matches = notice.getAttribute("data-risk-date") === field.value;
      notice.hidden = !matches;
      if (matches) { notice.setAttribute("role", "alert"); } else { notice.removeAttribute("role"); }
    });
  }
  field.addEventListener("change", show);
  field.addEventListener("input", show);
})();
