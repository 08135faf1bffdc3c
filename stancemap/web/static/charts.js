// Charts from data-chart attributes: {"kind": "stance"|"counts", "x": [epoch seconds], "series": [{label, values}]}
(function () {
  "use strict";
  var COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22", "#393b79", "#637939"];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var spec;
    try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (err) { return; }
    if (!spec || !spec.x || !spec.x.length || typeof uPlot === "undefined") {
      el.textContent = "Nothing to chart.";
      return;
    }
    var stance = spec.kind === "stance";
    var series = [{}].concat(spec.series.map(function (s, i) {
      return {
        label: s.label, stroke: COLOURS[i % COLOURS.length], width: stance ? 1 : 2, spanGaps: stance,
        points: { show: true, size: stance ? 9 : 5, fill: COLOURS[i % COLOURS.length] },
      };
    }));
    var opts = {
      width: Math.max(320, el.clientWidth || 800), height: 300, series: series,
      scales: stance ? { y: { range: [-1.2, 1.2] } } : {},
      axes: [{}, stance ? {
        values: function (u, vals) {
          return vals.map(function (v) { return v === 1 ? "support" : v === 0 ? "neutral" : v === -1 ? "oppose" : v === 0.5 ? "cond." : ""; });
        }, splits: function () { return [-1, 0, 0.5, 1]; }, size: 70,
      } : {}],
    };
    new uPlot(opts, [spec.x].concat(spec.series.map(function (s) { return s.values; })), el);
  });
})();
