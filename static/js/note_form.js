// The note form's tools (progressive enhancement; the page works without them):
// - "Bring forward plan" copies the last session's plan into this note's plan, after what is
//   already typed there (on a new line), never over it;
// - "Bring forward themes" gives this note's themes the last session's intensities, only where
//   this note has none yet;
// - on narrow screens (tablets), the theme suggestions are moved to just after the part of the
//   note being typed in, instead of far below the note; on wide ones they stay in the right
//   column, kept in view while the note is typed (sticky, see note_form.css). Moving them keeps
//   them inside the form.
(function () {
  "use strict";
  var form = document.getElementById("session-form");
  if (!form) { return; }
  var statusLine = document.getElementById("bring-forward-status");

  form.querySelectorAll("[data-bring-forward]").forEach(function (node) { node.hidden = false; });

  function say(text) {
    if (statusLine) { statusLine.textContent = text; }
  }

  function changed(field, kind) {
    // Autosave and the suggestions listen for these, as for typing.
    field.dispatchEvent(new Event(kind, { bubbles: true }));
  }

  function bringPlan() {
    var plan = document.getElementById("id_plan");
    var previous = document.getElementById("previous-plan");
    if (!plan || !previous) { return; }
    var text = previous.textContent.trim();
    if (plan.value.indexOf(text) !== -1) {
      say("The last session's plan is already in this note's plan.");
      plan.focus();
      return;
    }
    var typed = plan.value;
    plan.value = typed.trim() === "" ? text : typed + (/\n$/.test(typed) ? "" : "\n") + text;
    changed(plan, "input");
    plan.focus();
    plan.setSelectionRange(plan.value.length, plan.value.length);
    say(typed.trim() === "" ? "The last session's plan was copied into the plan."
      : "The last session's plan was added after what you had typed.");
  }

  function bringThemes() {
    var copied = 0, kept = 0, unavailable = 0, first = null;
    document.querySelectorAll("#previous-themes [data-theme-id]").forEach(function (item) {
      var select = document.getElementById("id_theme_" + item.dataset.themeId);
      if (!select) { unavailable += 1; return; }
      if (select.value) { kept += 1; return; }
      select.value = item.dataset.intensity;
      changed(select, "change");
      var group = select.closest("details");
      if (group) { group.open = true; }
      copied += 1;
      first = first || select;
    });
    var parts = [copied === 1 ? "1 theme brought forward" : copied + " themes brought forward"];
    if (kept) { parts.push(kept + " already set in this note, left as they are"); }
    if (unavailable) { parts.push(unavailable + " no longer offered"); }
    say(parts.join("; ") + ".");
    if (first) { first.focus(); }
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-bring-forward]");
    if (!button) { return; }
    if (button.dataset.bringForward === "plan") { bringPlan(); } else { bringThemes(); }
  });

  // --- the suggestions next to the text being typed (narrow screens) -------------------------
  var dock = document.getElementById("suggest-dock");
  var home = document.getElementById("suggest-dock-home");
  if (!dock || !home || !window.matchMedia) { return; }
  var narrow = window.matchMedia("(max-width: 991.98px)");
  var TYPED = ".note-section textarea, #id_mood_affect, #id_plan, #id_interventions, #id_risk_notes";
  var lastField = null;

  function place() {
    var anchor = null;
    if (narrow.matches && lastField) {
      anchor = lastField.closest(".note-section, [data-suggest-anchor]")
        || lastField.closest("[id^='div_id_']") || lastField;
    }
    if (anchor) {
      if (anchor.nextElementSibling !== dock) { anchor.after(dock); }
    } else if (home.nextElementSibling !== dock) {
      home.after(dock);
    }
  }

  form.addEventListener("focusin", function (event) {
    var typing = !!(event.target.matches && event.target.matches(TYPED));
    // Wide screens: kept in view (sticky) while the note is typed or the suggestions are used;
    // anywhere else (the theme list under it) it scrolls away, so that it hides nothing.
    dock.classList.toggle("suggest-dock-stuck", typing || dock.contains(event.target));
    if (!typing) { return; }
    lastField = event.target;
    place();
  });
  if (narrow.addEventListener) {
    narrow.addEventListener("change", place);
  } else if (narrow.addListener) {
    narrow.addListener(place);
  }
})();
