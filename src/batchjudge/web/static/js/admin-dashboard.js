// The dashboard's data: loads every panel's figures, refreshes them every period without
// reloading the page, and when a call fails keeps the last data on screen, marked stale,
// retrying with exponential back-off (2 s, 4 s, 8 s ... at most the period).
(function () {
  "use strict";

  const root = document.getElementById("dashboard");
  if (!root || !window.bjAdmin || !window.bj) return;
  const view = window.bjAdmin.view;
  const errorBox = document.getElementById("dashboard-error");
  const staleBadge = document.getElementById("stale-badge");
  const updated = document.getElementById("last-updated");

  const FIRST_RETRY_MS = 2000;
  const periodMs = Math.min(Math.max(Number(root.dataset.refreshS) || 30, 1), 300) * 1000;
  let windowName = root.dataset.window || "24h";
  let timer = null;
  let failures = 0;
  let lastGood = null;
  let generation = 0;

  // Health answers 503 with the same report when the service is down: that is data.
  async function fetchHealth() {
    let answer;
    try {
      answer = await fetch("/api/v1/monitoring/health", {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "application/json" },
      });
    } catch (err) {
      throw new Error("The server cannot be reached. Check your connection.");
    }
    let body = null;
    try {
      body = await answer.json();
    } catch (err) {
      body = null;
    }
    if ((answer.ok || answer.status === 503) && body && body.status && body.checks) return body;
    const error = new Error(body && body.error ? body.error.message : `The server answered ${answer.status}.`);
    error.status = answer.status;
    throw error;
  }

  const SOURCES = {
    health: { label: "health", fetch: fetchHealth },
    dashboard: { label: "key figures", fetch: () => window.bj.api(`/api/v1/monitoring/dashboard?window=${windowName}`) },
    series: { label: "charts", fetch: () => window.bj.api(`/api/v1/monitoring/series?window=${windowName}`) },
    adoption: { label: "adoption", fetch: () => window.bj.api(`/api/v1/monitoring/adoption?window=${windowName}`) },
  };

  function markSources(failed) {
    for (const panel of root.querySelectorAll("[data-source]")) {
      panel.classList.toggle("stale", failed.has(panel.dataset.source));
    }
    root.classList.toggle("is-stale", failed.size > 0);
  }

  function showError(failed, retryMs) {
    const what = failed.map((f) => `${SOURCES[f.name].label}: ${f.error.message}`).join("; ");
    const since = lastGood ? ` Showing the data of ${view.clock(lastGood)}.` : "";
    const retry = ` Trying again in ${Math.round(retryMs / 1000)} s.`;
    window.bj.say(errorBox, `Could not refresh the dashboard (${what}).${since}${retry}`, "error");
    staleBadge.textContent = lastGood ? `stale: data from ${view.clock(lastGood)}` : "no data yet";
    staleBadge.hidden = false;
  }

  function clearError() {
    window.bj.say(errorBox, "");
    staleBadge.hidden = true;
  }

  function schedule(delayMs) {
    clearTimeout(timer);
    timer = setTimeout(load, delayMs);
  }

  // One round: every source at once; each panel takes what answered.
  async function load() {
    clearTimeout(timer);
    const mine = ++generation;
    const names = Object.keys(SOURCES);
    const shownWindow = windowName;
    const results = await Promise.allSettled(names.map((name) => SOURCES[name].fetch()));
    if (mine !== generation) return; // a newer round (another window) took over
    const failed = [];
    names.forEach((name, i) => {
      const result = results[i];
      if (result.status === "rejected") {
        failed.push({ name, error: result.reason });
        return;
      }
      try {
        view[name](result.value, shownWindow);
      } catch (err) {
        failed.push({ name, error: new Error(`the answer could not be shown (${err.message})`) });
      }
    });
    markSources(new Set(failed.map((f) => f.name)));
    if (failed.length === 0) {
      failures = 0;
      lastGood = new Date();
      updated.textContent = view.clock(lastGood);
      updated.dateTime = lastGood.toISOString();
      clearError();
      schedule(periodMs);
      return;
    }
    failures += 1;
    const retryMs = Math.min(FIRST_RETRY_MS * 2 ** (failures - 1), periodMs);
    showError(failed, retryMs);
    schedule(retryMs);
  }

  function chooseWindow(name) {
    windowName = name;
    root.dataset.window = name;
    const address = new URL(window.location.href);
    address.searchParams.set("window", name);
    history.replaceState(null, "", address);
    failures = 0;
    return load();
  }

  for (const radio of root.querySelectorAll('input[name="window"]')) {
    radio.addEventListener("change", () => {
      if (radio.checked) chooseWindow(radio.value);
    });
  }

  window.bjAdmin.dashboard = { refresh: load, windowName: () => windowName };
  load();
})();
