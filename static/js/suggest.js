// Theme suggestions while writing (progressive enhancement). The note text is sent to this
// server only, which answers with suggested themes and the phrases that triggered them.
// Nothing is tagged until the therapist clicks Accept; a dismissed suggestion is forgotten.
(function () {
  "use strict";
  var form = document.getElementById("session-form");
  var panel = document.getElementById("theme-suggestions");
  var riskPanel = document.getElementById("risk-prompts");
  if (!form || !panel || !window.fetch) { return; }
  var url = panel.dataset.suggestUrl;
  var dismissed = {};
  var timer = null;
  var lastText = null;

  function noteText() {
    var parts = [];
    form.querySelectorAll(".note-section textarea, #id_mood_affect, #id_plan, #id_risk_notes, #id_interventions")
      .forEach(function (el) { if (el.value) { parts.push(el.value); } });
    return parts.join("\n\n");
  }

  function csrfToken() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function themeSelect(id) { return document.getElementById("id_theme_" + id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function renderThemes(themes) {
    panel.replaceChildren();
    var shown = themes.filter(function (t) {
      var select = themeSelect(t.id);
      return !dismissed[t.id] && select && !select.value;
    });
    if (!shown.length) { panel.hidden = true; return; }
    panel.hidden = false;
    panel.appendChild(el("h3", "h6", "Suggested from your note"));
    shown.forEach(function (t) {
      var row = el("div", "suggestion border rounded p-2 mb-2 bg-body-tertiary");
      row.appendChild(el("div", "fw-semibold", t.name));
      var evidence = el("div", "small text-body-secondary", "because: “" + t.evidence.join("”, “") + "”");
      row.appendChild(evidence);
      var actions = el("div", "mt-1 d-flex gap-2");
      var accept = el("button", "btn btn-sm btn-outline-primary", "Accept");
      accept.type = "button";
      accept.addEventListener("click", function () {
        var select = themeSelect(t.id);
        if (select) {
          select.value = "1";
          select.dispatchEvent(new Event("change", { bubbles: true }));
          var details = select.closest("details");
          if (details) { details.open = true; }
        }
        var evidenceInput = form.querySelector("input[name=evidence_" + t.id + "]");
        if (evidenceInput) { evidenceInput.value = t.evidence[0] || ""; }
        renderThemes(themes);
        // The button is gone: keep keyboard focus on the theme just tagged, not lost to <body>.
        if (select) { select.focus(); }
      });
      var dismiss = el("button", "btn btn-sm btn-link", "Dismiss");
      dismiss.type = "button";
      dismiss.addEventListener("click", function () {
        dismissed[t.id] = true;
        renderThemes(themes);
        // Focus goes on to the next suggestion, or to the theme list when none is left.
        var next = panel.querySelector(".suggestion button") || form.querySelector(".theme-group summary");
        if (next) { next.focus(); }
      });
      actions.appendChild(accept);
      actions.appendChild(dismiss);
      row.appendChild(actions);
      panel.appendChild(row);
    });
  }

  function renderRisk(flags) {
    if (!riskPanel) { return; }
    riskPanel.replaceChildren();
    if (!flags.length) { riskPanel.hidden = true; return; }
    riskPanel.hidden = false;
    var level = document.getElementById("id_risk_level");
    var unset = level && !level.value;
    riskPanel.appendChild(el("strong", "", "Risk language in this note. "));
    flags.forEach(function (flag) {
      var qualifier = flag.negated ? " (denied)" : (flag.historical ? " (history)" : "");
      riskPanel.appendChild(el("div", "", flag.label + qualifier + ": “" + flag.evidence.join("”, “") + "”"));
    });
    if (unset) { riskPanel.appendChild(el("div", "fw-semibold mt-1", "Choose a risk level for this session.")); }
  }

  function refresh() {
    var text = noteText();
    if (text === lastText) { return; }
    lastText = text;
    var body = new FormData();
    body.set("text", text);
    body.set("client", form.dataset.client);
    body.set("csrfmiddlewaretoken", csrfToken());
    fetch(url, { method: "POST", body: body, credentials: "same-origin", redirect: "manual" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        renderThemes(data.themes || []);
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
  });
  refresh();
})();
