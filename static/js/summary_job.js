// The page of a case summary prepared in the background (templates/summaries/summary_job.html):
// while the file is being prepared, ask its status every few seconds and show the page again
// once it is ready or has failed. Without JavaScript the "Check again" link does the same.
(function () {
  "use strict";
  var box = document.getElementById("summary-job");
  if (!box || box.getAttribute("data-status") !== "pending" || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  var seconds = parseInt(box.getAttribute("data-poll-seconds"), 10) || 2;
  var note = box.querySelector("[data-job-note]");
  if (note) { note.hidden = false; }

  function ask() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        // Signed out, or the file deleted meanwhile: the page itself says what happened.
        if (!response.ok || response.redirected) { window.location.reload(); return null; }
        return response.json();
      })
      .then(function (data) {
        if (!data) { return; }
        if (data.status !== "pending") {
          window.location.reload();
        } else {
          window.setTimeout(ask, seconds * 1000);
        }
      })
      .catch(function () { window.setTimeout(ask, seconds * 1000 * 2); });
  }
  window.setTimeout(ask, seconds * 1000);
})();
