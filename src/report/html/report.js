// Filters the check list by status and text. The state lives in the URL hash
// (#status=fail,error&q=text) so a filtered view can be linked, reloaded and tested.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var search = document.getElementById("search");
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=status]"));
  var rows = Array.prototype.slice.call(document.querySelectorAll("details.check"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("section.area, section.suite"));
  var haystacks = rows.map(function (row) { return row.textContent.toLowerCase(); });

  function readHash() {
    var params = new URLSearchParams(location.hash.slice(1));
    if (params.has("status")) {
      var wanted = params.get("status").split(",");
      boxes.forEach(function (box) { box.checked = wanted.indexOf(box.value) >= 0; });
    }
    if (params.has("q")) {
      search.value = params.get("q");
    }
  }

  function writeHash(statuses, query) {
    var hash = "#status=" + statuses.join(",");
    if (query) {
      hash += "&q=" + encodeURIComponent(query);
    }
    history.replaceState(null, "", hash);
  }

  function apply(remember) {
    var statuses = boxes.filter(function (box) { return box.checked; })
      .map(function (box) { return box.value; });
    var query = search.value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (row, index) {
      var visible = statuses.indexOf(row.dataset.status) >= 0 &&
        (query === "" || haystacks[index].indexOf(query) >= 0);
      row.hidden = !visible;
      shown += visible ? 1 : 0;
    });
    groups.forEach(function (group) {
      group.hidden = group.querySelector("details.check:not([hidden])") === null;
    });
    document.getElementById("shown").textContent = shown + " of " + rows.length + " checks shown";
    document.getElementById("nothing-shown").hidden = shown > 0;
    if (remember) {
      writeHash(statuses, search.value.trim());
    }
  }

  form.addEventListener("input", function () { apply(true); });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  window.addEventListener("hashchange", function () { readHash(); apply(false); });
  document.getElementById("expand").addEventListener("click", function () {
    var open = rows.some(function (row) { return !row.hidden && !row.open; });
    rows.forEach(function (row) { if (!row.hidden) { row.open = open; } });
    this.textContent = open ? "Collapse shown" : "Expand shown";
  });

  readHash();
  apply(false);
  document.body.dataset.ready = "1";
})();
