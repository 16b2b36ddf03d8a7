// Assessment charts: the areas' totals and the grassroots unions' grades. Data comes from the
// page's <script type="application/json" id="assessment-chart"> (no inline scripts under the
// CSP); tooltips drawn on the canvas (richText), as on the dashboard.
(function () {
  "use strict";
  var node = document.getElementById("assessment-chart");
  if (!node || !window.echarts) { return; }
  var data = JSON.parse(node.textContent);
  var red = "#c0161d";
  var gradeColours = { "优秀": "#15803d", "良好": "#1d4ed8", "合格": "#a16207", "不合格": "#c0161d", "未评定": "#9ca3af" };
  var charts = [];
  var areas = document.getElementById("chart-areas");
  if (areas) {
    var bars = echarts.init(areas);
    bars.setOption({
      grid: { left: 48, right: 16, top: 24, bottom: 32 },
      tooltip: { trigger: "axis", renderMode: "richText" },
      xAxis: { type: "category", data: data.areas.names },
      yAxis: { type: "value", min: 0, max: 100 },
      series: [{ type: "bar", name: "总分", data: data.areas.totals, itemStyle: { color: red },
                 barMaxWidth: 48, label: { show: true, position: "top", formatter: "{c}" } }]
    });
    charts.push(bars);
  }
  var grades = document.getElementById("chart-grades");
  if (grades) {
    var pie = echarts.init(grades);
    pie.setOption({
      tooltip: { trigger: "item", renderMode: "richText", formatter: "{b}：{c} 个（{d}%）" },
      legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["35%", "65%"], label: { formatter: "{b} {c}" },
                 data: data.grades.map(function (g) {
                   return { name: g.name, value: g.value, itemStyle: { color: gradeColours[g.name] } };
                 }) }]
    });
    charts.push(pie);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
