// The theme timeline's heat strip: a cell's tooltip (its <title>: theme, date, intensity) shows
// on hover with a mouse only, so a tap or click on a cell also writes it under the strip.
(function () {
  "use strict";
  var strip = document.querySelector(".heat-strip");
  var readout = document.getElementById("heat-strip-readout");
  if (!strip || !readout) {
    return;
  }
  var chosen = null;
  strip.addEventListener("click", function (event) {
    var cell = event.target.closest ? event.target.closest(".cell") : null;
    if (!cell) {
      return;
    }
    var title = cell.querySelector("title");
    if (chosen) {
      chosen.classList.remove("cell-chosen");
    }
    chosen = cell;
    cell.classList.add("cell-chosen");
    readout.textContent = title ? title.textContent : "";
  });
})();
