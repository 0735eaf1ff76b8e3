// Theme suggestions and risk notices while writing (progressive enhancement). The note text is
// sent to this server only, which answers with suggested themes, the phrases that triggered
// them, and risk flags with their status. Nothing is tagged until the therapist accepts it.
// Dismissed suggestions are kept in the form's hidden "dismissed_themes" input, so that they
// travel with autosave and the saved note and are not offered again for this note.
// The markup of a suggestion and of a risk notice comes from <template>s the server renders
// with the same includes as its own no-JavaScript page.
(function () {
  "use strict";
  var form = document.getElementById("session-form");
  var panel = document.getElementById("theme-suggestions");
  var riskPanel = document.getElementById("risk-prompts");
  if (!form || !panel || !window.fetch) { return; }
  var list = panel.querySelector(".suggestion-list");
  var rowTemplate = document.getElementById("suggestion-template");
  var dismissedInput = form.querySelector("input[name=dismissed_themes]");
  var statusLine = document.getElementById("suggest-status");
  var restoreButton = document.getElementById("suggest-restore");
  var jump = document.getElementById("suggest-jump");
  var url = panel.dataset.suggestUrl;
  var excludeUrl = panel.dataset.excludeUrl;
  var excluded = {};  // marked "not for this client" on this page, until the server knows
  var themes = [];
  var timer = null;
  var lastText = null;
  // Replies can arrive out of order: only the answer to the latest request is shown, so a
  // slow earlier reply never replaces (or hides) a newer risk alert.
  var latestRequest = 0;

  form.querySelectorAll("[data-js-only]").forEach(function (node) { node.hidden = false; });
  form.querySelectorAll("[data-no-js]").forEach(function (node) { node.hidden = true; });
  if (restoreButton) { restoreButton.hidden = !(dismissedInput && dismissedInput.value.trim()); }

  function noteText() {
    var parts = [];
    form.querySelectorAll(".note-section textarea, #id_mood_affect, #id_risk_notes, #id_interventions")
      .forEach(function (node) { if (node.value) { parts.push(node.value); } });
    return parts.join("\n\n");
  }

  function csrfToken() {
    var fromCookie = window.readCookie && window.readCookie(form.dataset.csrfCookie || "csrftoken");
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return fromCookie || (input ? input.value : "");
  }

  function dismissedIds() {
    return (dismissedInput && dismissedInput.value || "").split(/\s+/).filter(Boolean);
  }

  function isDismissed(id) { return dismissedIds().indexOf(String(id)) !== -1; }

  function setDismissed(ids) {
    if (!dismissedInput) { return; }
    dismissedInput.value = ids.join(" ");
    // Hidden inputs fire no events of their own: tell autosave that the form changed.
    dismissedInput.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function themeSelect(id) { return document.getElementById("id_theme_" + id); }

  function say(text) {
    if (statusLine) { statusLine.textContent = text; }
  }

  function shownThemes() {
    return themes.filter(function (t) {
      var select = themeSelect(t.id);
      return !isDismissed(t.id) && !excluded[t.id] && select && !select.value;
    });
  }

  function renderThemes() {
    var shown = shownThemes();
    list.replaceChildren();
    if (restoreButton) { restoreButton.hidden = dismissedIds().length === 0; }
    panel.hidden = shown.length === 0;
    if (jump) {
      jump.hidden = shown.length === 0;
      jump.firstElementChild.textContent = shown.length === 1
        ? "1 theme suggested from your note: review it"
        : shown.length + " themes suggested from your note: review them";
    }
    var all = panel.querySelector(".suggest-all");
    if (all) { all.hidden = shown.length < 2; }
    shown.forEach(function (t) {
      var row = rowTemplate.content.firstElementChild.cloneNode(true);
      row.dataset.themeId = t.id;
      row.dataset.evidence = t.evidence[0] || "";
      var name = row.querySelector(".suggestion-name");
      name.textContent = t.name;
      name.id = "suggestion-name-" + t.id;
      row.querySelectorAll("[aria-describedby]").forEach(function (node) {
        node.setAttribute("aria-describedby", name.id);
      });
      row.querySelector(".suggestion-evidence").textContent = t.evidence.join("”, “");
      row.querySelector(".suggestion-actions").hidden = false;
      list.appendChild(row);
    });
  }

  function accept(id, intensity, evidence) {
    var select = themeSelect(id);
    if (!select) { return null; }
    select.value = intensity;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    var details = select.closest("details");
    if (details) { details.open = true; }
    // The page writes an evidence input only where a phrase is kept: add one when needed.
    var evidenceInput = form.querySelector("input[name=evidence_" + id + "]");
    if (!evidenceInput && evidence) {
      evidenceInput = Object.assign(document.createElement("input"), {
        type: "hidden", name: "evidence_" + id
      });
      form.appendChild(evidenceInput);
    }
    if (evidenceInput) { evidenceInput.value = evidence || ""; }
    return select;
  }

  function nameOf(id) {
    var found = themes.filter(function (t) { return String(t.id) === String(id); })[0];
    return found ? found.name : "";
  }

  function excludeForClient(id) {
    var body = new FormData();
    body.set("theme", id);
    body.set("action", "exclude");
    body.set("csrfmiddlewaretoken", csrfToken());
    fetch(excludeUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
      redirect: "manual"
    }).then(function (response) {
      if (!response.ok) { throw new Error("refused"); }
      excluded[id] = true;
      renderThemes();
      say("“" + nameOf(id) + "” will no longer be suggested for this client. To undo it, open the client's themes.");
      focusAfterRemoval();
    }).catch(function () {
      say("That could not be saved. Try again in a moment.");
    });
  }

  // A button that was clicked is gone: move focus to the next suggestion, or the theme list.
  function focusAfterRemoval() {
    var next = list.querySelector(".suggestion button") || form.querySelector(".theme-group summary");
    if (next) { next.focus(); }
  }

  panel.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) { return; }
    var action = button.dataset.action;
    if (action === "accept-all") {
      var intensity = document.getElementById("suggest-all-intensity").value;
      var first = null;
      list.querySelectorAll(".suggestion").forEach(function (row) {
        var select = accept(row.dataset.themeId, intensity, row.dataset.evidence);
        first = first || select;
      });
      renderThemes();
      if (first) { first.focus(); }
      return;
    }
    var row = button.closest(".suggestion");
    if (!row) { return; }
    var id = row.dataset.themeId;
    if (action === "accept") {
      var select = accept(id, row.querySelector(".suggestion-intensity").value, row.dataset.evidence);
      renderThemes();
      // The button is gone: keep keyboard focus on the theme just tagged, not lost to <body>.
      if (select) { select.focus(); }
    } else if (action === "dismiss") {
      setDismissed(dismissedIds().concat([String(id)]));
      renderThemes();
      say("“" + nameOf(id) + "” will not be suggested again for this note.");
      focusAfterRemoval();
    } else if (action === "exclude") {
      excludeForClient(id);
    }
  });

  if (restoreButton) {
    restoreButton.addEventListener("click", function () {
      setDismissed([]);
      say("Dismissed suggestions may be suggested again.");
      lastText = null;
      refresh();
    });
  }

  function notice(flag) {
    var template = document.getElementById(flag.current ? "risk-notice-current" : "risk-notice-neutral");
    var node = template.content.firstElementChild.cloneNode(true);
    node.dataset.status = flag.status;
    node.querySelector(".risk-summary").textContent = flag.summary;
    node.querySelector(".risk-evidence").textContent = flag.evidence.join("”, “");
    return node;
  }

  var shownRisk = null;

  function renderRisk(flags) {
    if (!riskPanel) { return; }
    var level = document.getElementById("id_risk_level");
    // Unchanged notices are left in place: a re-inserted alert would be announced again.
    var key = JSON.stringify(flags) + (level && level.value);
    if (key === shownRisk) { return; }
    shownRisk = key;
    riskPanel.replaceChildren();
    if (!flags.length) { riskPanel.hidden = true; return; }
    riskPanel.hidden = false;
    flags.forEach(function (flag) { riskPanel.appendChild(notice(flag)); });
    if (level && !level.value) {
      riskPanel.appendChild(Object.assign(document.createElement("div"), {
        className: "small fw-semibold mb-2",
        textContent: "Choose a risk level for this session."
      }));
    }
  }

  function planText() {
    var plan = document.getElementById("id_plan");
    return plan ? plan.value : "";
  }

  function refresh() {
    var text = noteText();
    var plan = planText();
    // The plan is read for risk only, never for themes: it is sent apart.
    if (text + "\u0000" + plan === lastText) { return; }
    lastText = text + "\u0000" + plan;
    var body = new FormData();
    body.set("text", text);
    body.set("plan", plan);
    body.set("client", form.dataset.client);
    body.set("dismissed", dismissedIds().join(" "));
    body.set("csrfmiddlewaretoken", csrfToken());
    var request = ++latestRequest;
    fetch(url, { method: "POST", body: body, credentials: "same-origin", redirect: "manual" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || request !== latestRequest) { return; }
        themes = data.themes || [];
        renderThemes();
        renderRisk(data.risk || []);
      })
      .catch(function () { /* suggestions are optional: stay quiet when offline */ });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 1200);
  });
  form.addEventListener("change", function (event) {
    if (event.target && event.target.id === "id_risk_level") { lastText = null; refresh(); }
    // A theme cleared in the list may be suggested again.
    if (event.target && /^id_theme_/.test(event.target.id || "")) { renderThemes(); }
  });
  refresh();
})();
