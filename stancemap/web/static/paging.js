// The debate page's "more" buttons. The page carries the newest stance changes and the first rows of the actor
// table only (all 1,622 changes and 2,361 actors of a 1M-store proposition were 1.0 MB of a 1.6 MB page); a
// click fetches the next page from the JSON API named in data-api (+ "&offset=&limit=", answered
// {total, offset, limit, items}) and appends it as the template draws it. Everything from the answer goes in
// as text (textContent, attributes), never parsed as HTML.
(function () {
  "use strict";
  var PAGE = { changes: 25, actors: 100 };

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }

  function truncate(s, n) {  // Jinja's truncate(n): 5 characters of leeway, cut at a word, "..."
    s = s == null ? "" : String(s);
    if (s.length <= n + 5) return s;
    return s.slice(0, n - 3).replace(/ [^ ]*$/, "") + "...";
  }

  function side(label, st, ev) {
    var href = "/articles/lookup?document=" + encodeURIComponent(st.document || "") + "&start=" +
      encodeURIComponent(st.start == null ? "" : st.start);
    return el("p", {}, [label + " (" + st.date + ", " + ev.statements + " statements): ",
      el("a", { href: href }, [truncate(st.text, 200)])]);
  }

  function change(c) {
    return el("div", { "class": "change" }, [
      el("h3", {}, [el("a", { href: "/actors/" + encodeURIComponent(c.actor) }, [c.actor]), " on " + c.proposition + ": ",
        el("span", { "class": "stance-" + c.before.stance }, [c.before.stance]), " → ",
        el("span", { "class": "stance-" + c.after.stance }, [c.after.stance])]),
      side("before", c.before, c.evidence_before), side("after", c.after, c.evidence_after)]);
  }

  function actor(a, props) {
    var tr = el("tr", {}, [el("td", {}, [el("a", { href: "/actors/" + encodeURIComponent(a.name) }, [a.name]), " ",
      el("small", {}, [a.type || ""])])]);
    props.forEach(function (p) {
      var c = a.cells[p];
      if (!c) { tr.appendChild(el("td", {})); return; }
      var counts = Object.keys(c.counts).filter(function (k) { return c.counts[k]; })
        .map(function (k) { return k + " " + c.counts[k]; }).join(", ");
      if (c.latest) counts += " · latest " + c.latest;
      tr.appendChild(el("td", { "class": "stance-" + c.position }, [el("strong", {}, [c.position]), " ",
        el("small", {}, [counts])]));
    });
    return tr;
  }

  document.querySelectorAll("button[data-more]").forEach(function (btn) {
    var kind = btn.dataset.more;
    var target = document.getElementById(btn.dataset.target);
    var count = document.getElementById(btn.dataset.count);
    var props = kind === "actors" ? JSON.parse(btn.dataset.props || "[]") : [];
    btn.addEventListener("click", async function () {
      var offset = parseInt(btn.dataset.offset, 10);
      btn.disabled = true;
      try {
        var res = await fetch(btn.dataset.api + "&offset=" + offset + "&limit=" + PAGE[kind], {
          credentials: "same-origin", headers: { "Accept": "application/json" } });
        if (!res.ok) throw new Error("HTTP " + res.status);
        var data = await res.json();
        data.items.forEach(function (x) { target.appendChild(kind === "actors" ? actor(x, props) : change(x)); });
        offset += data.items.length;
        btn.dataset.offset = String(offset);
        btn.dataset.total = String(data.total);
        if (count) count.textContent = offset.toLocaleString("en");
        if (offset >= data.total || !data.items.length) btn.remove();
      } catch (err) {
        if (window.stancemap && window.stancemap.flash) window.stancemap.flash("Could not load more: " + err, "error");
      } finally {
        btn.disabled = false;
      }
    });
  });
})();
