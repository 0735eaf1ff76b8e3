// One cookie reader for the page scripts (autosave.js, idle.js): they send the current CSRF
// token, which changes when the therapist signs in again in another tab.
window.readCookie = function (name) {
  "use strict";
  var parts = document.cookie ? document.cookie.split("; ") : [];
  for (var i = 0; i < parts.length; i++) {
    var eq = parts[i].indexOf("=");
    if (parts[i].slice(0, eq) === name) { return decodeURIComponent(parts[i].slice(eq + 1)); }
  }
  return null;
};
