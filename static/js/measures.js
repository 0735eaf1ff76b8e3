// The measures pages (client page section, a client's measures, hand-over mode).
//
// A page the browser restores from its back/forward cache is shown without asking the server:
// after "Hand to client", the Back button could bring back the client's record that way. Such
// a page is reloaded instead, and the server answers with what this session may see (in
// hand-over mode: the locked screen).
(function () {
  "use strict";
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { window.location.reload(); }
  });
})();
