// The dashboard's panels: each function puts one API answer on the page. No fetching and
// no timers here (admin-dashboard.js does that), so a panel always shows the last answer
// it was given.
(function () {
  "use strict";

  const CHECK_NAMES = {
    backend_judge0: "Judge0 backend",
    backend_local: "Local sandbox backend",
    judge0_quota: "Judge0 quota",
    sandbox: "Sandbox isolation",
    database: "Database",
    migrations: "Database migrations",
    queue: "Queue",
    queue_oldest: "Oldest queued job",
    disk: "Disk",
    health: "Health checks",
  };
  const SPANS_S = { "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400 };
  const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
  const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
  const percent = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 0 });
  const $ = (id) => document.getElementById(id);

  function setText(id, text) {
    const element = $(id);
    if (element) element.textContent = text;
  }

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  // HH:MM:SS in the browser's time zone.
  function clock(date) {
    return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  }

  function dateAndClock(date) {
    const day = date.toLocaleDateString(undefined, { day: "numeric", month: "short" });
    return `${day} ${clock(date)}`;
  }

  function seconds(value) {
    if (value === null || value === undefined) return "—";
    return value < 1 ? `${integer.format(value * 1000)} ms` : `${decimal.format(value)} s`;
  }

  // Two durations in one unit, so they read as a pair: "450 / 900 ms", "2.0 / 5.4 s".
  function secondsPair(low, high) {
    if (low === null || low === undefined || high === null || high === undefined) return "—";
    if (high < 1) return `${integer.format(low * 1000)} / ${integer.format(high * 1000)} ms`;
    const one = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    return `${one.format(low)} / ${one.format(high)} s`;
  }

  function checkName(name) {
    return CHECK_NAMES[name] || name;
  }

  // The health light, the word, and why it is not ok.
  function health(report) {
    const light = $("health-status");
    const status = ["ok", "degraded", "down"].includes(report.status) ? report.status : "down";
    light.className = `status status-${status}`;
    light.textContent = status;
    const reasons = $("health-reasons");
    reasons.replaceChildren();
    for (const [name, check] of Object.entries(report.checks || {})) {
      if (check.status === "ok") continue;
      const item = document.createElement("li");
      item.className = `reason reason-${check.status}`;
      const title = document.createElement("strong");
      title.textContent = checkName(name);
      item.append(title, ` (${name}, ${check.status}): ${check.detail}`);
      reasons.append(item);
    }
    reasons.hidden = reasons.childElementCount === 0;
    const queue = (report.checks || {}).queue;
    setText("kpi-queue", queue && queue.value !== null ? integer.format(queue.value) : "—");
    const oldest = (report.checks || {}).queue_oldest;
    const waits = oldest && oldest.value ? `; the oldest waits ${seconds(oldest.value)}` : "";
    setText("kpi-queue-note", `waiting to be graded${waits}`);
  }

  function windowNote(window) {
    const note = $("window-note");
    if (!window || !window.start) return;
    const start = new Date(window.start);
    const end = new Date(window.end);
    const span = SPANS_S[window.name];
    const afterReset = span && end - start < (span - 1) * 1000;
    note.textContent = afterReset
      ? `The ${window.name} window starts at the latest reset: ${dateAndClock(start)}.`
      : `The ${window.name} window: from ${dateAndClock(start)} to now.`;
    note.dataset.start = window.start;
  }

  function alertsList(alerts) {
    const list = $("alerts-list");
    list.replaceChildren();
    for (const alert of alerts) {
      const item = document.createElement("li");
      const severity = document.createElement("span");
      severity.className = `pill pill-${alert.severity === "critical" ? "bad" : "warn"}`;
      severity.textContent = alert.severity;
      const rule = document.createElement("strong");
      rule.textContent = alert.rule;
      const since = document.createElement("span");
      since.className = "muted";
      since.textContent = ` since ${dateAndClock(new Date(alert.fired_at))}`;
      item.append(severity, " ", rule, `: ${alert.message}`, since);
      list.append(item);
    }
    $("alerts-empty").hidden = alerts.length > 0;
    setText("kpi-alerts", integer.format(alerts.length));
  }

  // The key figures of the window, and the firing alerts. Without a finished submission
  // the ratios and times are not zero but unknown, and say so.
  function dashboard(figures) {
    const counts = figures.submissions || { finished: 0, received: 0 };
    const any = counts.finished > 0;
    const gain = figures.efficiency_gain || {};
    setText("kpi-gain", any ? decimal.format(gain.pooled || 0) : "—");
    setText(
      "kpi-gain-note",
      any
        ? `tests per run execution (mean ${decimal.format(gain.mean || 0)}, median ${decimal.format(gain.p50 || 0)})`
        : "tests per run execution: nothing finished yet",
    );
    setText("kpi-saved", integer.format(figures.calls_saved || 0));
    setText("kpi-finished", integer.format(counts.finished));
    setText(
      "kpi-received",
      any
        ? `finished, of ${integer.format(counts.received)} received; ${percent.format(figures.success_rate || 0)} graded without error`
        : `finished, of ${integer.format(counts.received)} received`,
    );
    const grading = figures.grading_time || {};
    const waiting = figures.queue_wait || {};
    setText("kpi-grading", any ? secondsPair(grading.p50, grading.p95) : "—");
    setText("kpi-success", any ? `p50 / p95; queue wait p50 ${seconds(waiting.p50)}` : "p50 / p95: nothing finished yet");
    alertsList(figures.alerts || []);
    windowNote(figures.window);
  }

  function bucketLabel(start, windowName) {
    if (windowName === "30d") {
      return start.toLocaleDateString(undefined, { day: "numeric", month: "short", timeZone: "UTC" });
    }
    const time = `${pad(start.getHours())}:${pad(start.getMinutes())}`;
    if (windowName === "7d") {
      return `${start.toLocaleDateString(undefined, { weekday: "short" })} ${time}`;
    }
    return time;
  }

  const charts = {};

  function drawChart(id, labels, series, yTitle, empty) {
    const canvas = $(id);
    if (!canvas || !window.bjCharts) return;
    if (charts[id]) charts[id].update({ labels, series });
    else charts[id] = window.bjCharts.line(canvas, { labels, series, yTitle });
    canvas.parentElement.querySelector(".chart-empty").hidden = !empty;
  }

  function seriesTable(buckets, labels) {
    const body = document.querySelector("#series-table tbody");
    const rows = buckets.map((bucket, i) => {
      const row = document.createElement("tr");
      const cells = [
        labels[i],
        integer.format(bucket.submissions),
        integer.format(bucket.tests),
        integer.format(bucket.run_executions),
        integer.format(bucket.calls_saved),
        bucket.efficiency_gain === null ? "—" : decimal.format(bucket.efficiency_gain),
        bucket.grading_time.p50 === null ? "—" : decimal.format(bucket.grading_time.p50),
        bucket.grading_time.p95 === null ? "—" : decimal.format(bucket.grading_time.p95),
      ];
      cells.forEach((text, column) => {
        const cell = document.createElement(column === 0 ? "th" : "td");
        if (column === 0) cell.scope = "row";
        else cell.className = "num";
        cell.textContent = text;
        row.append(cell);
      });
      return row;
    });
    body.replaceChildren(...rows);
  }

  // The charts: efficiency gain, calls saved, grading-time percentiles, bucket by bucket.
  function series(answer, windowName) {
    const buckets = answer.buckets || [];
    const labels = buckets.map((b) => bucketLabel(new Date(b.start), windowName));
    const empty = !buckets.some((b) => b.submissions > 0);
    drawChart(
      "chart-gain",
      labels,
      [{ label: "Tests per run execution", data: buckets.map((b) => b.efficiency_gain) }],
      "tests per run",
      empty,
    );
    drawChart(
      "chart-saved",
      labels,
      [{ label: "Calls saved", data: buckets.map((b) => b.calls_saved) }],
      "executions",
      empty,
    );
    drawChart(
      "chart-grading",
      labels,
      [
        { label: "p50", data: buckets.map((b) => b.grading_time.p50) },
        { label: "p95", data: buckets.map((b) => b.grading_time.p95) },
      ],
      "seconds",
      empty,
    );
    seriesTable(buckets, labels);
  }

  function share(count, rate, whole) {
    return whole ? `${percent.format(rate)} (${integer.format(count)} of ${integer.format(whole)} graded)` : "nothing graded yet";
  }

  function ratings(satisfaction) {
    const list = $("ratings");
    const distribution = satisfaction.distribution || {};
    const total = satisfaction.ratings || 0;
    const items = ["5", "4", "3", "2", "1"].map((stars) => {
      const count = distribution[stars] || 0;
      const item = document.createElement("li");
      item.className = "rating";
      const label = document.createElement("span");
      label.className = "rating-label";
      label.textContent = `${stars} of 5`;
      const bar = document.createElement("span");
      bar.className = "bar";
      const fill = document.createElement("span");
      fill.className = "bar-fill";
      fill.style.width = total ? `${(100 * count) / total}%` : "0";
      bar.append(fill);
      const number = document.createElement("span");
      number.className = "rating-count";
      number.textContent = integer.format(count);
      item.append(label, bar, number);
      return item;
    });
    list.replaceChildren(...items);
  }

  // Who uses the service, which features, and how they rate it.
  function adoption(figures) {
    const active = figures.active_users || {};
    setText(
      "adopt-active",
      `${integer.format(active["1d"] || 0)} today · ${integer.format(active["7d"] || 0)} in 7 days · ${integer.format(active["30d"] || 0)} in 30 days`,
    );
    const usage = figures.feature_usage || {};
    setText("adopt-multi", share(usage.multi_test, usage.multi_test_rate, usage.graded));
    setText("adopt-solve", share(usage.solve_style, usage.solve_style_rate, usage.graded));
    const users = figures.users || {};
    setText("adopt-cohorts", `${integer.format(users.new || 0)} new · ${integer.format(users.returning || 0)} returning`);
    const onboarding = figures.onboarding || {};
    setText(
      "adopt-onboarding",
      onboarding.tracked ? percent.format(onboarding.completion_rate) : "not tracked yet",
    );
    const satisfaction = figures.satisfaction || {};
    setText(
      "adopt-rating",
      satisfaction.ratings
        ? `${decimal.format(satisfaction.mean)} of 5 (${integer.format(satisfaction.ratings)} ratings)`
        : "no ratings in this window",
    );
    ratings(satisfaction);
  }

  window.bjAdmin = Object.assign(window.bjAdmin || {}, {
    view: { health, dashboard, series, adoption, clock, dateAndClock },
  });
})();
