// Dashboard charts. Data comes from the page's <script type="application/json" id="chart-data">
// (no inline scripts, so a strict Content-Security-Policy holds). Tooltips are drawn on the
// canvas (renderMode "richText"): ECharts' HTML tooltips carry style attributes, which the
// CSP (style-src 'self') blocks.
(function () {
  "use strict";
  var node = document.getElementById("chart-data");
  if (!node || !window.echarts) { return; }
  var data = JSON.parse(node.textContent);
  var red = "#c0161d", blue = "#1d4ed8";

  var rate = document.getElementById("chart-rate");
  if (rate) {
    // Every area's name, however many: all labels shown (interval 0, no overlap hiding),
    // turned when they would not fit side by side, and the grid grows to hold them.
    var n = data.bar.names.length;
    var longest = Math.max.apply(null, data.bar.names.map(function (s) { return s.length; }).concat([0]));
    var perLabel = rate.clientWidth / Math.max(n, 1);
    var turn = perLabel >= longest * 14 + 8 ? 0 : (n > 12 ? 90 : 40);
    echarts.init(rate).setOption({
      grid: { left: 48, right: 16, top: 24, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", renderMode: "richText", valueFormatter: function (v) { return v + "%"; } },
      xAxis: { type: "category", data: data.bar.names,
               axisLabel: { interval: 0, hideOverlap: false, rotate: turn, fontSize: 12 } },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [{ type: "bar", name: "建会率", data: data.bar.rates, itemStyle: { color: red },
                 barMaxWidth: 48, label: { show: n <= 12, position: "top", formatter: "{c}%" } }]
    });
  }
  var trend = document.getElementById("chart-trend");
  if (trend) {
    echarts.init(trend).setOption({
      grid: { left: 56, right: 64, top: 40, bottom: 32 },
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { data: ["已建会企业", "会员"], top: 0 },
      xAxis: { type: "category", data: data.line.dates },
      yAxis: [{ type: "value", name: "企业" }, { type: "value", name: "会员" }],
      series: [
        { type: "line", name: "已建会企业", data: data.line.unionized, itemStyle: { color: red } },
        { type: "line", name: "会员", yAxisIndex: 1, data: data.line.members, itemStyle: { color: blue } }
      ]
    });
  }
  window.addEventListener("resize", function () {
    [rate, trend].forEach(function (el) { if (el) { var c = echarts.getInstanceByDom(el); if (c) { c.resize(); } } });
  });
})();
