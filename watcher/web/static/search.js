// Client-side search of the static archive: fetches search-index.json (built
// by `watcher export`) and lists the alerts whose words contain every query
// word, accents and case ignored.  Text is inserted with textContent only.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var input = document.getElementById("q");
  var out = document.getElementById("static-results");
  if (!form || !input || !out) { return; }
  var here = document.currentScript ? document.currentScript.src : "";
  var root = here.replace(/static\/search\.js.*$/, "");
  var prefix = document.documentElement.lang === "nl" ? "nl/" : "";
  function fold(s) { return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
  var index = null;
  function show(q) {
    while (out.firstChild) { out.removeChild(out.firstChild); }
    var words = fold(q).split(/\W+/).filter(Boolean);
    if (!words.length) { return; }
    index.forEach(function (e) {
      var hay = fold(e.text);
      if (!words.every(function (w) { return hay.indexOf(w) >= 0; })) { return; }
      var li = document.createElement("li"); li.className = "alert";
      var h = document.createElement("h3"); var a = document.createElement("a");
      a.href = root + prefix + "alerts/" + e.id + "/index.html"; a.textContent = e.title;
      h.appendChild(a); li.appendChild(h);
      var p = document.createElement("p"); p.className = "meta"; p.textContent = e.kind + " · " + e.detected; li.appendChild(p);
      out.appendChild(li);
    });
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = input.value;
    if (index) { show(q); return; }
    fetch(root + "search-index.json").then(function (r) { return r.json(); }).then(function (data) { index = data; show(q); });
  });
  var initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; form.dispatchEvent(new Event("submit")); }
})();
