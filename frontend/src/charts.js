// window.bjCharts: small line charts for the monitoring pages, built on Chart.js.
import {
  Chart,
  CategoryScale,
  Filler,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Title,
  Tooltip,
} from "chart.js";

// Registering only these keeps the bundle small; window.Chart users get the same set.
Chart.register(
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  CategoryScale,
  Legend,
  Tooltip,
  Title,
  Filler,
);

// Okabe–Ito colours: told apart with the common colour-vision deficiencies.
const palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"];

function datasets(series) {
  return series.map((s, i) => ({
    label: s.label,
    data: s.data,
    borderColor: palette[i % palette.length],
    backgroundColor: palette[i % palette.length],
    borderWidth: 2,
    pointRadius: 2,
    tension: 0,
  }));
}

function line(canvas, { labels = [], series = [], yTitle } = {}) {
  const chart = new Chart(canvas, {
    type: "line",
    data: { labels, datasets: datasets(series) },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      // Stable frames for screenshots and no motion for users who would rather have none.
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        y: { beginAtZero: true, title: { display: Boolean(yTitle), text: yTitle || "" } },
      },
    },
  });

  return {
    update({ labels: newLabels, series: newSeries }) {
      if (newLabels) chart.data.labels = newLabels;
      if (newSeries) chart.data.datasets = datasets(newSeries);
      chart.update();
    },
    destroy() {
      chart.destroy();
    },
  };
}

window.Chart = Chart;
window.bjCharts = { line };
