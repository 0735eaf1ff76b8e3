// Keyboard shortcuts, listed on the overlay templates/includes/shortcuts_help.html:
//   ?           open the list (Esc closes it: a Bootstrap modal)
//   /           focus the search box in the top bar
//   n           open a new note for the selected appointment (the dashboard's list)
//   Ctrl+Enter  save the note form (Cmd+Enter on a Mac), with the plain Save button: never signs
// Only Ctrl+Enter works while typing in a field; the others are ordinary keys there.
//
// "n" follows a link marked data-note-shortcut: the one inside the appointment
// ([data-appointment]) that holds the focus, else the one of the appointment marked
// data-selected, else the first on the page.
(function () {
  "use strict";
  var help = document.getElementById("shortcuts-help");

  function typingIn(node) {
    if (!node || !node.tagName) { return false; }
    return node.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(node.tagName);
  }

  function helpOpen() { return !!(help && help.classList.contains("show")); }

  function openHelp() {
    if (!help || !window.bootstrap) { return; }
    window.bootstrap.Modal.getOrCreateInstance(help).show();
  }

  function visible(node) { return node.getClientRects().length > 0; }

  function focusSearch() {
    var box = document.querySelector("form[role=search] input[type=search], form[role=search] input[name=q]");
    if (!box) { return false; }
    // Below the navbar's breakpoint the search box is in the collapsed menu: open it first.
    var menu = box.closest(".collapse");
    if (!visible(box) && menu && window.bootstrap) {
      menu.addEventListener("shown.bs.collapse", function () { box.focus(); }, { once: true });
      window.bootstrap.Collapse.getOrCreateInstance(menu, { toggle: false }).show();
    }
    box.focus();
    box.select();
    return true;
  }

  function noteLink() {
    var active = document.activeElement;
    var appointment = active && active.closest ? active.closest("[data-appointment]") : null;
    var link = appointment && appointment.querySelector("[data-note-shortcut]");
    return link
      || document.querySelector("[data-appointment][data-selected] [data-note-shortcut]")
      || document.querySelector("[data-note-shortcut]");
  }

  function saveNote() {
    var form = document.getElementById("session-form");
    if (!form) { return false; }
    var save = document.getElementById("save-session");
    if (form.requestSubmit) {
      form.requestSubmit(save || undefined);
    } else if (save) {
      save.click();
    } else {
      form.submit();
    }
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing) { return; }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.altKey) {
      if (!event.repeat && saveNote()) { event.preventDefault(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typingIn(event.target)) { return; }
    if (event.key === "?") {
      event.preventDefault();
      openHelp();
      return;
    }
    if (helpOpen()) { return; }
    if (event.key === "/") {
      if (focusSearch()) { event.preventDefault(); }
    } else if (event.key === "n" && !event.repeat) {
      var link = noteLink();
      if (link) {
        event.preventDefault();
        link.click();
      }
    }
  });
})();
