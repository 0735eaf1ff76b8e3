// The treatment plan's aid on the note form (plans app).
//
// With the GIRP format, each goal has an "Insert into Goal" button: it appends the goal's text
// to the note's Goal section (as typed, so Ctrl+Z undoes it and the autosave hears it) and ticks
// the goal as addressed. The buttons show only while the format is GIRP.
(function () {
  "use strict";
  var form = document.getElementById("session-form");
  var aid = document.getElementById("plan-aid");
  if (!form || !aid) { return; }
  var formatSelect = form.querySelector("[data-note-format]");
  var goalSection = form.querySelector("textarea[name='section_goal']");
  var buttons = aid.querySelectorAll("[data-plan-goal-text]");

  function showButtons() {
    var girp = Boolean(formatSelect && formatSelect.value === "girp" && goalSection);
    buttons.forEach(function (button) { button.hidden = !girp; });
  }

  function append(field, text) {
    var typed = field.value;
    var addition = (typed.trim() === "" ? "" : (/\n$/.test(typed) ? "" : "\n")) + text;
    var end = typed.length;
    field.focus();
    field.setSelectionRange(end, end);
    var done = false;
    try { done = document.execCommand("insertText", false, addition); } catch (e) { done = false; }
    if (!done || field.value.slice(-addition.length) !== addition) {
      field.setRangeText(addition, end, end, "end");
      field.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      if (!goalSection) { return; }
      append(goalSection, button.dataset.planGoalText || "");
      var box = document.getElementById(button.dataset.planGoalBox || "");
      if (box && !box.checked) {
        box.checked = true;
        box.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  });
  if (formatSelect) { formatSelect.addEventListener("change", showButtons); }
  showButtons();
}());
