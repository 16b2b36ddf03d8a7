// Campaign page: the funnel by stage. Data from <script type="application/json" id="funnel-data">
// (no inline scripts under the CSP); tooltips drawn on the canvas (richText), as on the dashboard.
(function () {
  "use strict";
  var node = document.getElementById("funnel-data");
  var el = document.getElementById("chart-funnel");
  if (!node || !el || !window.echarts) { return; }
  var data = JSON.parse(node.textContent);
  var colors = ["#9ca3af", "#60a5fa", "#3b82f6", "#f59e0b", "#f97316", "#15803d"];
  var items = data.stages.map(function (name, i) {
    return { name: name, value: data.counts[i], itemStyle: { color: colors[i % colors.length] } };
  });
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "item", renderMode: "richText", formatter: "{b}：{c} 家" },
    series: [{
      type: "bar", data: items.map(function (it) { return { value: it.value, itemStyle: it.itemStyle }; }),
      label: { show: true, position: "right", formatter: "{c} 家" }, barMaxWidth: 28
    }],
    grid: { left: 84, right: 56, top: 8, bottom: 24 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: data.stages }
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
