// The debate network (Cytoscape.js) with a time-window slider; data from the page's data-network attribute:
// {"all": {nodes, edges}, "windows": [{start, end, nodes, edges, coalitions: [[member ids], ...]}]}.
(function () {
  "use strict";
  var el = document.getElementById("network");
  if (!el || typeof cytoscape === "undefined") return;
  var data;
  try { data = JSON.parse(el.getAttribute("data-network")); } catch (err) { return; }
  var COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];
  var nodes = {};
  [data.all].concat(data.windows).forEach(function (g) {
    g.nodes.forEach(function (n) { nodes[n.id] = n; });
  });
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
    g.nodes.forEach(function (n) { here[n.id] = true; });
    cy.nodes().forEach(function (n) { n.toggleClass("off", !here[n.id()]); n.data("colour", "#888"); });
    (g.coalitions || []).forEach(function (members, i) {
      members.forEach(function (id) { var n = cy.getElementById(id); if (n) n.data("colour", COLOURS[i % COLOURS.length]); });
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
  function pick() {
    var i = parseInt(slider.value, 10);
    var all = i >= data.windows.length;
    var g = all ? data.all : data.windows[i];
    show(g);
    if (label) label.textContent = all ? "all" : g.start + " – " + g.end + " (" + (g.ties || g.edges.length) + " ties" + (g.ties > g.edges.length ? ", the " + g.edges.length + " strongest drawn" : "") + ")";
    document.querySelectorAll(".coalition-window").forEach(function (w) {
      w.hidden = w.getAttribute("data-window") !== (all ? "all" : String(i));
    });
  }
  if (slider) slider.addEventListener("input", pick);
})();
