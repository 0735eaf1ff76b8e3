// The calendar import's last step with a progress bar: the review form is posted in chunks of
// events (offset, limit), each answered in JSON, and the <progress> element follows. Without
// JavaScript the form posts once and the server imports everything in that request.
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var button = document.getElementById("import-button");
  var box = document.getElementById("import-progress");
  var bar = document.getElementById("import-bar");
  var status = document.getElementById("import-status");
  var chunk = parseInt(form.dataset.chunk, 10) || 500;
  var total = parseInt(form.dataset.total, 10) || 0;
  var running = false;

  function say(text) { status.textContent = text; }

  function plural(n, word) { return n.toLocaleString() + " " + word + (n === 1 ? "" : "s"); }

  function post(offset, totals) {
    var data = new FormData(form);
    data.set("action", "import");
    data.set("offset", String(offset));
    data.set("limit", String(chunk));
    // Not form.action: the buttons named "action" shadow it.
    return fetch(form.getAttribute("action") || window.location.href, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok || body.status !== "imported") {
          throw new Error(body.message || "The import stopped (" + response.status + ").");
        }
        totals.created += body.created;
        totals.duplicates += body.duplicates;
        totals.unmatched += body.unmatched;
        bar.value = body.next;
        bar.textContent = body.next + " of " + body.total;
        say(body.next.toLocaleString() + " of " + body.total.toLocaleString() + " events read; " +
            plural(totals.created, "appointment") + " added.");
        if (body.done) { return { body: body, totals: totals }; }
        return post(body.next, totals);
      });
    });
  }

  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.value === "cancel") { return; }
    event.preventDefault();
    if (running) { return; }
    running = true;
    button.disabled = true;
    box.hidden = false;
    bar.max = total || 1;
    bar.value = 0;
    say("Starting…");
    post(0, { created: 0, duplicates: 0, unmatched: 0 }).then(function (result) {
      var t = result.totals;
      var text = "Calendar imported: " + plural(t.created, "appointment") + " added";
      if (t.duplicates) { text += ", " + t.duplicates.toLocaleString() + " already imported before"; }
      if (t.unmatched) { text += ", " + t.unmatched.toLocaleString() + " not imported (no client chosen)"; }
      say(text + ". Opening your week…");
      window.location.assign(result.body.redirect);
    }).catch(function (error) {
      running = false;
      button.disabled = false;
      say(error.message + " Press Import again: what was imported already is not added twice.");
    });
  });
}());
