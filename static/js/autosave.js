// Autosave for the session form (progressive enhancement: without JavaScript the Save button
// still works, and the server keeps a submitted form as a draft when it cannot be saved).
//
// - Saves a few seconds after each change, and at once when the page is hidden or closed.
// - Every save carries a sequence number that only grows, so an older save arriving late
//   never overwrites a newer one (the server refuses it).
// - Shows a quiet "Saved at 14:32", or a clear warning when saving fails, and retries with
//   backoff. Leaving the page with unsaved changes asks first.
// - While the device is handed to a client (measures/handover.py) it stops for good: whatever
//   is typed in this tab then is the client's, so it is neither kept nor sent after the
//   unlock, and the locked screen takes the page's place.
(function () {
  "use strict";
  var form = document.getElementById("session-form");
  if (!form || !window.fetch || !window.FormData) { return; }

  var url = form.dataset.autosaveUrl;
  var statusEl = document.getElementById("autosave-status");
  var seq = parseInt(form.dataset.seqStart || "0", 10) || 0;
  var DEBOUNCE_MS = 3000;
  var MAX_BACKOFF_MS = 60000;
  var dirty = false;          // changes not yet acknowledged by the server
  var timer = null;
  var backoff = 2000;
  var inFlight = false;
  var submitting = false;
  var handedOver = false;

  function show(text, kind) {
    if (!statusEl) { return; }
    statusEl.textContent = text;
    statusEl.className = "ms-auto small autosave-status" + (kind ? " autosave-" + kind : "");
  }

  var readCookie = window.readCookie;

  function payload() {
    var data = new FormData(form);
    seq += 1;
    data.set("seq", String(seq));
    data.set("client", form.dataset.client);
    data.set("session", form.dataset.session || "");
    data.set("base_version", form.dataset.baseVersion || "0");
    // After signing in again in another tab the token changes: use the current cookie.
    var token = readCookie(form.dataset.csrfCookie || "csrftoken");
    if (token) { data.set("csrfmiddlewaretoken", token); }
    return data;
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(save, delay);
  }

  function save() {
    if (!dirty || submitting) { return; }
    if (inFlight) { schedule(1000); return; }
    inFlight = true;
    var sentSeq;
    var data = payload();
    sentSeq = seq;
    show("Saving…", "saving");
    fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" },
      redirect: "manual"
    }).then(function (response) {
      inFlight = false;
      var lockedUrl = response.headers.get("X-Hand-Over");
      if (response.status === 403 && lockedUrl) { stop(lockedUrl); return null; }
      if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
        failed("Not saved: your sign-in has expired. Sign in again in another tab; your text is still here and will be saved then.");
        return null;
      }
      return response.json().then(function (body) {
        if (response.ok && body.status === "saved") {
          if (sentSeq === seq) { dirty = false; }
          backoff = 2000;
          document.dispatchEvent(new CustomEvent("tn:server-activity"));
          if (body.warning) {
            show("Saved at " + body.saved_at_display + ". " + body.warning, "error");
          } else {
            show("Saved at " + body.saved_at_display, "ok");
          }
        } else if (body.status === "stale") {
          // A newer save is already stored; nothing to do.
          backoff = 2000;
        } else if (body.status === "signed") {
          dirty = false;
          show("This note has been signed elsewhere and can no longer change.", "error");
        } else {
          failed("Not saved: " + (body.message || "the server refused the autosave."));
        }
      });
    }).catch(function () {
      inFlight = false;
      failed("Not saved: no connection to the server. Your text is still here; retrying…");
    });
  }

  function failed(message) {
    show(message, "error");
    schedule(backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }

  function stop(lockedUrl) {
    handedOver = true;
    dirty = false;
    clearTimeout(timer);
    if (lockedUrl) { window.location.replace(lockedUrl); }
  }

  function changed() {
    if (handedOver) { return; }
    dirty = true;
    show("Unsaved changes", "pending");
    schedule(DEBOUNCE_MS);
  }

  // On hide or close there is no time for a round trip: send it as a beacon.
  function flush() {
    if (!dirty || submitting || !navigator.sendBeacon) { return; }
    if (navigator.sendBeacon(url, payload())) { show("Saved as you left", "ok"); }
  }

  // A minute before an idle sign-out (idle.js): save now, while the session is valid.
  document.addEventListener("tn:idle-warning", function () { clearTimeout(timer); save(); });
  // idle.js found the device handed to a client and is about to show the locked screen.
  document.addEventListener("tn:handover", function () { stop(null); });
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () { submitting = true; clearTimeout(timer); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { flush(); }
  });
  window.addEventListener("pagehide", flush);
  window.addEventListener("beforeunload", function (event) {
    if (dirty && !submitting) {
      flush();
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
