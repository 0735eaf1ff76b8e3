// The note form's writing aids (writing app): snippets and the "Use template" picker.
//
// - Snippets: a trigger such as ";mse" typed in a textarea of the note form, followed by a
//   space, Tab or Enter, is replaced with its text (the space or line break is kept; Tab only
//   expands). The change is made as typing, so Ctrl+Z undoes it, and an "input" event tells
//   the autosave and the suggestions.
// - Templates: choosing one switches the note format to the template's and fills the parts
//   that are empty; text already there is left alone, and the status line says which. Parts
//   the last template filled and that were not edited since count as empty: choosing another
//   template (or none) replaces them.
(function () {
  "use strict";
  var form = document.getElementById("session-form");
  var dataNode = document.getElementById("writing-aids");
  if (!form || !dataNode || !dataNode.dataset.aids) { return; }
  var data = JSON.parse(dataNode.dataset.aids);
  var snippets = data.snippets || {};
  var templates = data.templates || {};
  var labels = data.labels || {};

  document.querySelectorAll("[data-writing-js]").forEach(function (node) { node.hidden = false; });

  // --- snippets ---------------------------------------------------------------------------
  var TRIGGER_BEFORE_CARET = /(^|[\s([{"'])(;[a-z0-9-]{1,19})$/i;

  function snippetFor(trigger) {
    var key = trigger.toLowerCase();
    return Object.prototype.hasOwnProperty.call(snippets, key) ? snippets[key] : null;
  }

  // Replaces value[start, end) with text as if typed (undoable), then tells the listeners.
  function replaceRange(field, start, end, text) {
    field.focus();
    field.setSelectionRange(start, end);
    var done = false;
    try { done = document.execCommand("insertText", false, text); } catch (e) { done = false; }
    if (!done || field.value.slice(start, start + text.length) !== text) {
      field.setRangeText(text, start, end, "end");
      field.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  // The trigger ending at `caret`, as {start, text}, or null.
  function triggerEndingAt(field, caret) {
    var match = TRIGGER_BEFORE_CARET.exec(field.value.slice(0, caret));
    if (!match || snippetFor(match[2]) === null) { return null; }
    return { start: caret - match[2].length, trigger: match[2] };
  }

  var expanding = false;

  function expandBefore(field, caret, typed) {
    var found = triggerEndingAt(field, caret);
    if (!found) { return false; }
    expanding = true;
    try {
      replaceRange(field, found.start, caret + typed.length, snippetFor(found.trigger) + typed);
    } finally {
      expanding = false;
    }
    return true;
  }

  form.addEventListener("input", function (event) {
    var field = event.target;
    if (expanding || field.tagName !== "TEXTAREA" || field.selectionStart !== field.selectionEnd) {
      return;
    }
    var typed;
    if (event.inputType === "insertText" && event.data === " ") { typed = " "; }
    else if (event.inputType === "insertLineBreak" || event.inputType === "insertParagraph") {
      typed = "\n";
    } else { return; }
    var caret = field.selectionStart;
    if (field.value.slice(caret - 1, caret) !== typed) { return; }
    expandBefore(field, caret - 1, typed);
  });

  form.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Tab" || event.shiftKey || event.ctrlKey || event.altKey || event.metaKey) {
      return;
    }
    if (field.tagName !== "TEXTAREA" || field.selectionStart !== field.selectionEnd) { return; }
    if (expandBefore(field, field.selectionStart, "")) { event.preventDefault(); }
  });

  // --- templates --------------------------------------------------------------------------
  var picker = document.getElementById("use-template");
  var status = document.getElementById("template-status");
  var formatSelect = form.querySelector("[data-note-format]");
  var lastFilled = {};  // field name -> the text the last template put there

  function fieldNamed(name) { return form.querySelector("[name='" + name + "']"); }

  function sectionsWithText() {
    var found = [];
    form.querySelectorAll(".note-section").forEach(function (section) {
      var field = section.querySelector("textarea");
      if (field && field.value.trim() !== "") {
        found.push({
          name: field.name, value: field.value, formats: (section.dataset.formats || "").split(" ")
        });
      }
    });
    return found;
  }

  function names(list) {
    return list.map(function (name) { return labels[name] || name; }).join(", ");
  }

  function setValue(field, text) {
    field.value = text;
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function clearUntouched() {
    Object.keys(lastFilled).forEach(function (name) {
      var field = fieldNamed(name);
      if (field && field.value === lastFilled[name]) { setValue(field, ""); }
    });
    lastFilled = {};
  }

  function useTemplate(template) {
    // Text in a section the template's format lacks would be refused on save: not switched.
    var stranded = sectionsWithText().filter(function (section) {
      return lastFilled[section.name] !== section.value
        && section.formats.indexOf(template.format) === -1;
    }).map(function (section) { return section.name; });
    if (stranded.length) {
      picker.value = "";
      status.textContent = "Not used: this template is for another note format, and your note has text in "
        + names(stranded) + ", which that format does not have.";
      return;
    }
    clearUntouched();
    if (formatSelect && formatSelect.value !== template.format) {
      formatSelect.value = template.format;
      formatSelect.dispatchEvent(new Event("change", { bubbles: true }));
    }
    var filled = [], kept = [];
    Object.keys(template.fields).forEach(function (name) {
      var field = fieldNamed(name);
      if (!field) { return; }
      if (field.value.trim() === "") {
        setValue(field, template.fields[name]);
        lastFilled[name] = field.value;
        filled.push(name);
      } else {
        kept.push(name);
      }
    });
    var text = "Used “" + template.name + "”: ";
    text += filled.length ? "filled " + names(filled) + "." : "nothing to fill.";
    if (kept.length) { text += " Left alone (already had text): " + names(kept) + "."; }
    status.textContent = text;
  }

  if (picker) {
    picker.addEventListener("change", function (event) {
      event.stopPropagation();  // the picker is not part of the note: no autosave for it alone
      var template = templates[picker.value];
      if (template) {
        useTemplate(template);
      } else {
        clearUntouched();
        status.textContent = "";
      }
    });
  }
})();
