// The document list and panel of the report: filter, page, show one document.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var PAGE = 50, page = 0, rows = data.docs;
  var byId = {};
  data.docs.forEach(function (d) { byId[d[0]] = d; });
  var q = document.getElementById("q"), status = document.getElementById("status"),
      rule = document.getElementById("rule"), body = document.querySelector("#doclist tbody");

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function filter() {
    var words = q.value.toLowerCase(), s = status.value, r = rule.value;
    rows = data.docs.filter(function (d) {
      if (s && d[2] !== s) return false;
      if (r && d[4].indexOf(r) < 0) return false;
      return !words || (d[0] + " " + d[1] + " " + d[3]).toLowerCase().indexOf(words) >= 0;
    });
    page = 0;
    render();
  }

  function render() {
    var pages = Math.max(1, Math.ceil(rows.length / PAGE));
    page = Math.min(page, pages - 1);
    body.textContent = "";
    rows.slice(page * PAGE, page * PAGE + PAGE).forEach(function (d) {
      var tr = el("tr");
      tr.dataset.id = d[0];
      tr.dataset.status = d[2];
      var id = el("td"); id.appendChild(el("code", d[0])); tr.appendChild(id);
      [d[1], d[2], d[3], d[4].join(", "), d[5]].forEach(function (v) { tr.appendChild(el("td", v)); });
      tr.addEventListener("click", function () { location.hash = "doc=" + d[0]; });
      body.appendChild(tr);
    });
    document.getElementById("page").textContent = "page " + (page + 1) + " of " + pages;
    document.getElementById("shown").textContent = rows.length + " of " + data.docs.length + " listed" +
      (data.total > data.docs.length ? " (" + data.total + " records)" : "");
  }

  function show(id) {
    var panel = document.getElementById("panel"), d = byId[id];
    panel.textContent = "";
    if (!d) { panel.hidden = true; return; }
    panel.hidden = false;
    panel.dataset.id = id;
    panel.appendChild(el("h3", d[3] || d[1]));
    var dl = el("dl");
    [["id", d[0]], ["source", d[1]], ["status", d[2]], ["removed by", d[4].join(", ")], ["reason / of", d[5]]]
      .forEach(function (kv) { if (kv[1]) { dl.appendChild(el("dt", kv[0])); dl.appendChild(el("dd", kv[1])); } });
    panel.appendChild(dl);
    var text = data.texts[id];
    if (!text) {
      panel.appendChild(el("p", d[2] === "kept" ? "Text not embedded in this report (see the clean folder)." :
        "No text: the document was not kept.", "note"));
    } else {
      panel.appendChild(el("p", text.removed ? "The kept text (the raw file was not found to show it as it came in); removed lines below." :
        "The text as it came in; removed lines struck through, with their rule.", "note"));
      var lines = el("div", null, "lines");
      text.lines.concat((text.removed || [])).forEach(function (l) {
        var p = el("p");
        if (l[1]) { p.appendChild(el("del", l[0], "removed")); p.appendChild(el("span", l[1], "rule")); }
        else p.textContent = l[0];
        lines.appendChild(p);
      });
      panel.appendChild(lines);
    }
    panel.scrollIntoView();
  }

  function fromHash() {
    var m = /doc=([^&]+)/.exec(location.hash);
    if (m) show(decodeURIComponent(m[1]));
  }

  [q, status, rule].forEach(function (c) { c.addEventListener("input", filter); });
  document.getElementById("prev").addEventListener("click", function () { page = Math.max(0, page - 1); render(); });
  document.getElementById("next").addEventListener("click", function () { page += 1; render(); });
  window.addEventListener("hashchange", fromHash);
  var params = /[#&](status|rule|q)=([^&]*)/g, m;
  while ((m = params.exec(location.hash))) { ({status: status, rule: rule, q: q})[m[1]].value = decodeURIComponent(m[2]); }
  filter();
  fromHash();
})();
