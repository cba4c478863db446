/* Draws the indicator charts with ECharts. Every chart repeats a data table and a text
   summary that are on the page anyway, so without JavaScript (or with a screen reader,
   for which the chart is hidden) nothing is lost. */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var dark = document.documentElement.classList.contains("high-contrast");
  var text = dark ? "#ffffff" : "#1b1b1b";
  var line = dark ? "#ffff00" : "#0b4f9c";
  var target = dark ? "#00ffff" : "#1d6b2f";
  function base() {
    return {
      textStyle: { color: text, fontSize: 14 },
      animation: false,
      grid: { left: 56, right: 24, top: 40, bottom: 48, containLabel: true },
      tooltip: { trigger: "axis" }
    };
  }
  function trend(data) {
    var option = base();
    option.legend = { textStyle: { color: text } };
    option.xAxis = { type: "category", data: data.years, axisLabel: { color: text } };
    option.yAxis = { type: "value", name: data.unit, axisLabel: { color: text } };
    option.series = [{
      name: data.label, type: "line", data: data.values, connectNulls: false,
      lineStyle: { color: line, width: 3 }, itemStyle: { color: line }, symbolSize: 10
    }];
    if (data.target !== null) {
      option.series.push({
        name: data.target_label, type: "line", data: data.years.map(function () { return data.target; }),
        lineStyle: { color: target, type: "dashed", width: 2 }, itemStyle: { color: target }, symbol: "triangle"
      });
    }
    return option;
  }
  function ranking(data) {
    var option = base();
    option.grid.left = 120;
    option.xAxis = { type: "value", name: data.unit, axisLabel: { color: text } };
    option.yAxis = { type: "category", data: data.names.slice().reverse(), axisLabel: { color: text } };
    option.series = [{ type: "bar", data: data.values.slice().reverse(), itemStyle: { color: line },
                       label: { show: true, position: "right", color: text } }];
    return option;
  }
  var kinds = { trend: trend, ranking: ranking };
  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    var draw = kinds[el.getAttribute("data-kind")];
    if (!source || !draw) { return; }
    el.hidden = false;
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(draw(JSON.parse(source.textContent)));
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
