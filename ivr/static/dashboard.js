// Draws the dashboard's charts from the JSON the page carries (no data leaves the server).
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("dashboard-data").textContent);
  const pct = (v) => (v === null || v === undefined ? null : Math.round(v * 1000) / 10);

  function bar(id, rows, datasets, options) {
    const canvas = document.getElementById(id);
    if (!canvas) { return; }
    new Chart(canvas, {
      type: options && options.type ? options.type : "bar",
      data: { labels: rows.map((r) => r.name || r.key || "—"), datasets: datasets },
      options: Object.assign({ animation: false, responsive: true,
        plugins: { legend: { position: "bottom" } } }, options && options.extra),
    });
  }

  const count = (rows) => [{ label: "来电 Contacts", data: rows.map((r) => r.offered),
    backgroundColor: "#0b4f9c", borderColor: "#0b4f9c" }];
  const rates = (rows) => [
    { label: "人工接通率 Answer rate %", data: rows.map((r) => pct(r.answer_rate)), backgroundColor: "#0b4f9c" },
    { label: "应答及时率 Timely %", data: rows.map((r) => pct(r.timely_answer_rate)), backgroundColor: "#2e8540" },
    { type: "line", label: "接通率目标 Target 95 %", data: rows.map(() => data.targets.answer_rate * 100),
      borderColor: "#a30000", borderDash: [6, 4], pointRadius: 0 },
    { type: "line", label: "及时率目标 Target 80 %", data: rows.map(() => data.targets.timely_answer_rate * 100),
      borderColor: "#8a6d00", borderDash: [2, 3], pointRadius: 0 },
  ];
  const percent = { extra: { scales: { y: { min: 0, max: 100 } } } };

  bar("chart-day", data.day, count(data.day), { type: "line" });
  bar("chart-hour", data.hour.map((r) => Object.assign({}, r, { name: r.key + ":00" })), count(data.hour));
  bar("chart-district", data.district, rates(data.district), percent);
  bar("chart-township", data.township.slice(0, 20), rates(data.township.slice(0, 20)), percent);
  bar("chart-category", data.category, count(data.category));
  bar("chart-group", data.group, count(data.group));
  document.body.dataset.chartsDrawn = "yes";
})();
