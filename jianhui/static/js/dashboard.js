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
    echarts.init(rate).setOption({
      grid: { left: 48, right: 16, top: 24, bottom: 32 },
      tooltip: { trigger: "axis", renderMode: "richText", valueFormatter: function (v) { return v + "%"; } },
      xAxis: { type: "category", data: data.bar.names },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [{ type: "bar", name: "建会率", data: data.bar.rates, itemStyle: { color: red },
                 barMaxWidth: 48, label: { show: true, position: "top", formatter: "{c}%" } }]
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
