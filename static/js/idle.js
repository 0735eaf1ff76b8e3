// Idle timeout: a visible warning a minute before the server ends an idle session, a button to
// stay signed in, and a last autosave of any open note before the session ends.
//
// The server decides (accounts.middleware); this script only mirrors its clock. Before it
// warns or leaves, it asks the server how long is really left, so that work in another tab
// keeps this one alive too.
//
// Hand-over mode (measures/handover.py): while the device is handed to a client, the server's
// answer says so, and every other tab of the therapist's is replaced by the locked screen. The
// tab asks again whenever it is shown or focused, and at once when a hand-over page opens in
// this browser (it leaves a mark in localStorage, which the other tabs hear).
(function () {
  "use strict";
  var body = document.body;
  var statusUrl = body.dataset.sessionStatusUrl;
  var keepaliveUrl = body.dataset.sessionKeepaliveUrl;
  var timeout = parseInt(body.dataset.idleTimeout || "0", 10);
  if (!statusUrl || !keepaliveUrl || !timeout || !window.fetch) { return; }
  // The questionnaire and the locked screen themselves (measures/minimal_base.html).
  var handoverPage = body.dataset.handoverPage === "true";
  var HANDOVER_MARK = "tn:handover";
  var lastLook = 0;

  var WARN_BEFORE_S = 60;
  var deadline = Date.now() + timeout * 1000;   // when the server will end the session
  var timer = null;
  var ticker = null;
  var banner = null;
  // Bumped whenever the clock is reset here, so that an answer to an older question about the
  // time left (still on its way) cannot bring the warning back.
  var generation = 0;

  var readCookie = window.readCookie;

  function secondsLeft() { return Math.max(0, Math.round((deadline - Date.now()) / 1000)); }

  function plan() {
    clearTimeout(timer);
    var untilWarning = deadline - WARN_BEFORE_S * 1000 - Date.now();
    timer = setTimeout(check, Math.max(untilWarning, 0));
  }

  function hideWarning() {
    clearInterval(ticker);
    if (banner) { banner.remove(); banner = null; }
  }

  function showWarning() {
    if (!banner) {
      banner = document.createElement("div");
      banner.className = "alert alert-warning shadow idle-warning d-flex flex-wrap align-items-center gap-2";
      banner.setAttribute("role", "alertdialog");
      banner.setAttribute("aria-live", "assertive");
      banner.setAttribute("aria-labelledby", "idle-warning-text");
      var text = document.createElement("span");
      text.id = "idle-warning-text";
      banner.appendChild(text);
      // In hand-over mode nothing extends the sign-in: no button to pretend otherwise.
      if (!handoverPage) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-sm btn-primary ms-auto";
        button.textContent = "Stay signed in";
        button.addEventListener("click", stay);
        banner.appendChild(button);
      }
      document.body.appendChild(banner);
      if (button) { button.focus(); }
      // Save any open note now, while the session is still valid.
      document.dispatchEvent(new CustomEvent("tn:idle-warning"));
    }
    var update = function () {
      var left = secondsLeft();
      banner.querySelector("#idle-warning-text").textContent = handoverPage
        ? "This page will close in " + left + " seconds."
        : "For your clients' privacy you will be signed out in " + left +
          " seconds unless you continue." +
          (document.getElementById("session-form") ? " Your open note is being saved." : "");
      // At zero, ask the server before leaving: another tab may have kept the session.
      if (left <= 0) { clearInterval(ticker); check(); }
    };
    update();
    clearInterval(ticker);
    ticker = setInterval(update, 1000);
  }

  // Ask the server; another tab may have kept the session alive. While the warning shows,
  // the next question is at the deadline, not sooner.
  function check() {
    var asked = generation;
    lastLook = Date.now();
    clearTimeout(timer);
    fetch(statusUrl, { credentials: "same-origin", redirect: "manual",
                       headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { leave(); return null; }
        return response.json();
      })
      .then(function (data) {
        if (data && data.handover && !handoverPage) { toLockedScreen(data.locked_url); return; }
        if (!data || asked !== generation) { return; }
        deadline = Date.now() + data.seconds_left * 1000;
        if (data.seconds_left <= 0) { leave(); return; }
        if (data.seconds_left > WARN_BEFORE_S + 2) { hideWarning(); plan(); return; }
        showWarning();
        timer = setTimeout(check, data.seconds_left * 1000 + 500);
      })
      .catch(function () { if (asked === generation) { showWarning(); } });
  }

  function stay() {
    generation += 1;
    var data = new FormData();
    var token = readCookie(body.dataset.csrfCookie || "csrftoken");
    if (token) { data.set("csrfmiddlewaretoken", token); }
    fetch(keepaliveUrl, { method: "POST", body: data, credentials: "same-origin",
                          redirect: "manual", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { leave(); return null; }
        return response.json();
      })
      .then(function (result) {
        if (!result) { return; }
        generation += 1;
        deadline = Date.now() + result.seconds_left * 1000;
        hideWarning();
        plan();
      });
  }

  // The device is handed to a client: this tab shows the locked screen instead (replace: the
  // Back button does not bring the page back). autosave.js hears the event first and stops,
  // so nothing typed here from now on is kept or sent.
  function toLockedScreen(url) {
    hideWarning();
    clearTimeout(timer);
    document.dispatchEvent(new CustomEvent("tn:handover"));
    window.location.replace(url);
  }

  // Shown, focused, or told by another tab: ask the server now (at most once a second).
  function look() {
    if (Date.now() - lastLook > 1000) { check(); }
  }

  function leave() {
    hideWarning();
    clearTimeout(timer);
    // Reloading lets the server end the session and show the sign-in page with the reason.
    window.location.reload();
  }

  // Any request the page makes (an autosave) counts as activity on the server.
  document.addEventListener("tn:server-activity", function () {
    if (banner) { return; }  // only "Stay signed in" answers the warning
    generation += 1;
    deadline = Date.now() + timeout * 1000;
    plan();
  });
  if (handoverPage) {
    try { window.localStorage.setItem(HANDOVER_MARK, String(Date.now())); } catch (e) { /* off */ }
  } else {
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { look(); }
    });
    window.addEventListener("focus", look);
    window.addEventListener("storage", function (event) {
      if (event.key === HANDOVER_MARK) { check(); }
    });
  }
  plan();
})();
