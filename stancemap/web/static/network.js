// The debate network (Cytoscape.js) with a time-window slider; data from the page's data-network attribute:
// {"all": {nodes, edges}, "api": "/api/network?debate=...&window=...&step=...", "windows": [{start, end, actors,
// ties, drawn}]}. A window's graph is not in the page (every window's made it megabytes): picking one fetches
// it from the JSON API (api + "&start=" + its start -> {nodes, edges, ties, coalitions}), kept once fetched;
// its coalitions are listed under the graph from the same answer (in the page they were half of its size).
(function () {
  "use strict";
  var el = document.getElementById("network");
  if (!el || typeof cytoscape === "undefined") return;
  var data;
  try { data = JSON.parse(el.getAttribute("data-network")); } catch (err) { return; }
  var COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];
  var nodes = {};
  data.all.nodes.forEach(function (n) { nodes[n.id] = n; });
  var ids = Object.keys(nodes);
  if (!ids.length) { el.textContent = "No network yet: no two actors share a stance."; return; }
  var cy = cytoscape({
    container: el,
    elements: ids.map(function (id) { return { group: "nodes", data: { id: id, label: nodes[id].label, colour: "#888" } }; }),
    style: [
      { selector: "node", style: { "label": "data(label)", "font-size": 11, "background-color": "data(colour)", "width": 18, "height": 18, "text-valign": "bottom", "text-margin-y": 3 } },
      { selector: "edge", style: { "width": "data(width)", "line-color": "#9aa", "opacity": 0.8, "curve-style": "bezier" } },
      { selector: ".off", style: { "display": "none" } },
    ],
    wheelSensitivity: 0.3,
    maxZoom: 1.6,
    minZoom: 0.2,
  });
  function show(g) {
    cy.edges().remove();
    var here = {};
    g.nodes.forEach(function (n) {
      here[n.id] = true;
      // a window's actors are the whole period's, but a view recomputed since the page was drawn may differ
      if (cy.getElementById(n.id).empty()) {
        var ext = cy.extent();
        cy.add({ group: "nodes", data: { id: n.id, label: n.label, colour: "#888" },
                 position: { x: (ext.x1 + ext.x2) / 2, y: (ext.y1 + ext.y2) / 2 } });
      }
    });
    cy.nodes().forEach(function (n) { n.toggleClass("off", !here[n.id()]); n.data("colour", "#888"); });
    (g.coalitions || []).forEach(function (members, i) {
      members.forEach(function (id) { var n = cy.getElementById(id); if (n.nonempty()) n.data("colour", COLOURS[i % COLOURS.length]); });
    });
    var max = Math.max.apply(null, g.edges.map(function (e) { return e.weight; }).concat([1]));
    cy.add(g.edges.map(function (e, i) {
      return { group: "edges", data: { id: "e" + i, source: e.source, target: e.target, weight: e.weight, width: 1 + 5 * e.weight / max } };
    }));
  }
  show(data.all);
  cy.layout({ name: "cose", animate: false, randomize: true, nodeRepulsion: function () { return 400000; }, idealEdgeLength: function () { return 120; }, padding: 40 }).run();
  cy.fit(undefined, 40);
  var slider = document.getElementById("window-slider");
  var label = document.getElementById("window-label");
  var fetched = {};  // window index -> promise of its graph (a window moved back to is not fetched again)
  function windowGraph(i) {
    if (!fetched[i]) {
      fetched[i] = fetch(data.api + "&start=" + encodeURIComponent(data.windows[i].start), {
        credentials: "same-origin", headers: { "Accept": "application/json" },
      }).then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (body) {
          if (!res.ok) throw new Error(body.detail ? JSON.stringify(body.detail) : "HTTP " + res.status);
          // the API gives the coalitions as WindowCoalitions JSON; show() colours by lists of member ids
          body.groups = (body.coalitions || {}).coalitions || [];
          body.coalitions = body.groups.map(function (c) { return c.member_ids; });
          return body;
        });
      });
      fetched[i].catch(function () { delete fetched[i]; });  // a failed fetch is tried again next time
    }
    return fetched[i];
  }
  var box = document.getElementById("coalitions");
  // the list of window i's coalitions (drawn with textContent: actor names are data), made once
  function coalitionList(i, w, groups) {
    var div = box && box.querySelector('.coalition-window[data-window="' + i + '"]');
    if (!box || div) return;
    div = document.createElement("div");
    div.className = "coalition-window";
    div.setAttribute("data-window", String(i));
    var h = document.createElement("h3");
    h.textContent = w.start + " – " + w.end;
    div.appendChild(h);
    if (groups.length) {
      var ol = document.createElement("ol");
      groups.forEach(function (c) { var li = document.createElement("li"); li.textContent = c.members.join(", "); ol.appendChild(li); });
      div.appendChild(ol);
    } else {
      var p = document.createElement("p");
      p.textContent = "No coalitions in this window.";
      div.appendChild(p);
    }
    div.hidden = parseInt(slider.value, 10) !== i;
    box.appendChild(div);
  }
  function describe(w) {
    return w.start + " – " + w.end + " (" + w.ties + " ties" + (w.ties > w.drawn ? ", the " + w.drawn + " strongest drawn" : "") + ")";
  }
  function pick() {
    var i = parseInt(slider.value, 10);
    var all = i >= data.windows.length;
    document.querySelectorAll(".coalition-window").forEach(function (w) {
      w.hidden = w.getAttribute("data-window") !== (all ? "all" : String(i));
    });
    el.setAttribute("data-shown", "");  // which graph is drawn ("all" or a window's start): tests wait on it
    if (all) {
      show(data.all);
      if (label) label.textContent = "all";
      el.setAttribute("data-shown", "all");
      return;
    }
    var w = data.windows[i];
    if (label) label.textContent = describe(w) + " …";
    windowGraph(i).then(function (g) {
      if (parseInt(slider.value, 10) !== i) return;  // the slider moved on while this window was fetched
      show(g);
      coalitionList(i, w, g.groups);
      if (label) label.textContent = describe(w);
      el.setAttribute("data-shown", w.start);
    }, function (err) {
      if (parseInt(slider.value, 10) !== i) return;
      if (label) label.textContent = describe(w) + ": not loaded";
      if (window.stancemap) window.stancemap.flash("The window's network could not be loaded: " + err.message, "error");
    });
  }
  el.setAttribute("data-shown", "all");
  if (slider) slider.addEventListener("input", pick);
})();
