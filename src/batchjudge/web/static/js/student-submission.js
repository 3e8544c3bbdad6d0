// A submission's results, live: the server rendered what it knew; this follows the
// grading over Server-Sent Events (or, should the stream fail, by polling every 2 s),
// fills the table row by row, then shows the details of failed tests and the rating form.
(function () {
  "use strict";
  const dataNode = document.getElementById("submission-data");
  if (!dataNode) return;
  const data = JSON.parse(dataNode.textContent);
  const id = data.submission.id;
  const total = data.total;
  const verdictNames = data.verdictNames;
  const statusNames = data.statusNames;
  const FINISHED = ["done", "failed"];
  const POLL_MS = 2000;

  const tbody = document.querySelector("#results tbody");
  const progress = document.getElementById("progress");
  const statusText = document.getElementById("status-text");
  const liveWarning = document.getElementById("live-warning");
  const overall = document.getElementById("overall-verdict");
  const executions = document.getElementById("executions");
  const compileBox = document.getElementById("compile");
  const compileOutput = document.getElementById("compile-output");
  const hiddenNote = document.getElementById("hidden-note");
  const noTests = document.getElementById("no-tests");
  const details = document.getElementById("details");
  const detailsList = document.getElementById("details-list");
  const feedback = document.getElementById("feedback");

  let finished = false;
  // Tests hidden from the viewer that have a result: their events come masked, and they
  // count in the progress without a row of their own.
  const hiddenSeen = new Set();
  let hiddenGraded = 0;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else node.setAttribute(key, value);
    });
    (children || []).forEach((child) => child && node.append(child));
    return node;
  }

  function badge(code) {
    if (!code) return el("span", { className: "verdict verdict-pending", title: "Not graded yet", text: "…" });
    return el("span", { className: `verdict verdict-${code}`, title: verdictNames[code] || code, text: code });
  }

  function seconds(value) {
    if (value === null || value === undefined) return "";
    return value < 1 ? `${Math.round(value * 1000)} ms` : `${value.toFixed(2)} s`;
  }

  function memory(kb) {
    if (kb === null || kb === undefined) return "";
    return kb >= 1024 ? `${(kb / 1024).toFixed(1)} MiB` : `${kb} KiB`;
  }

  function plural(count, word) {
    return `${count} ${word}${count === 1 ? "" : "s"}`;
  }

  // The row of a position, created (in position order) when the table lacks it.
  function rowAt(position) {
    let row = tbody.querySelector(`tr[data-position="${position}"]`);
    if (row) return row;
    row = el("tr", { "data-position": String(position), "data-verdict": "" });
    const after = Array.from(tbody.rows).find((other) => Number(other.dataset.position) > position);
    tbody.insertBefore(row, after || null);
    return row;
  }

  function fillRow(row, position, test, anchor) {
    const name = el("td", { className: "test-name" });
    if (anchor) name.append(el("a", { href: `#${anchor}`, text: test.name || "" }));
    else name.textContent = test.name || "";
    row.replaceChildren(
      el("td", { className: "num", text: String(position + 1) }),
      name,
      el("td", {}, [badge(test.verdict)]),
      el("td", { className: "num", text: seconds(test.time_s) }),
      el("td", { className: "num", text: memory(test.memory_kb) })
    );
    row.dataset.verdict = test.verdict || "";
  }

  function gradedCount() {
    return tbody.querySelectorAll('tr:not([data-verdict=""])').length;
  }

  function showProgress(status) {
    const done = gradedCount() + hiddenGraded;
    progress.max = Math.max(total, done, 1);
    progress.value = done;
    if (status === "queued") statusText.textContent = `${statusNames.queued || "Waiting in the queue"}…`;
    else statusText.textContent = `Running the tests: ${done} of ${total} done.`;
  }

  function showCompile(compile) {
    if (compile && compile.ok === false) {
      compileOutput.textContent = compile.output || "(the compiler printed nothing)";
      compileBox.hidden = false;
    }
  }

  function showOverall(verdict) {
    overall.replaceChildren(
      badge(verdict),
      " ",
      el("span", { className: "overall-name", text: verdict ? verdictNames[verdict] || verdict : "Not graded yet" })
    );
  }

  // ----- Expected-versus-got line diff -------------------------------------------------

  function lines(text) {
    const parts = (text || "").replace(/\r\n/g, "\n").split("\n");
    if (parts.length && parts[parts.length - 1] === "") parts.pop();
    return parts;
  }

  // Lines side by side by position, each pair marked when it differs. Spacing is not
  // compared (the default checker ignores it), so a marked line differs in its tokens.
  function lineDiff(expected, got) {
    const want = lines(expected);
    const have = lines(got);
    const squeeze = (line) => line.trim().split(/\s+/).join(" ");
    const rows = [];
    for (let i = 0; i < Math.max(want.length, have.length); i++) {
      const a = i < want.length ? want[i] : null;
      const b = i < have.length ? have[i] : null;
      rows.push({ line: i + 1, expected: a, got: b, same: a !== null && b !== null && squeeze(a) === squeeze(b) });
    }
    return rows;
  }

  function diffView(expected, got) {
    const grid = el("div", { className: "diff", role: "table", "aria-label": "Expected output next to yours" });
    grid.append(
      el("div", { className: "diff-row diff-head", role: "row" }, [
        el("span", { role: "columnheader", text: "Line" }),
        el("span", { role: "columnheader", text: "Expected" }),
        el("span", { role: "columnheader", text: "Your output" }),
      ])
    );
    const rows = lineDiff(expected, got);
    rows.forEach((row) => {
      const cell = (text) =>
        text === null
          ? el("span", { role: "cell", className: "diff-missing", text: "(no line)" })
          : el("span", { role: "cell", text: text });
      const mark = row.same ? String(row.line) : `≠ ${row.line}`;
      const number = el("span", { role: "cell", className: "diff-line", text: mark });
      if (!row.same) number.append(el("span", { className: "visually-hidden", text: " (differs)" }));
      grid.append(
        el("div", { className: row.same ? "diff-row" : "diff-row diff-bad", role: "row" }, [
          number,
          cell(row.expected),
          cell(row.got),
        ])
      );
    });
    if (!rows.length) grid.append(el("p", { className: "empty", text: "Both are empty." }));
    return grid;
  }

  function hasDetails(test) {
    return test.input !== null && test.input !== undefined ||
      test.expected_output !== null && test.expected_output !== undefined ||
      test.output !== null && test.output !== undefined;
  }

  // Details are shown for failed tests whose data the viewer may see; passed ones and
  // secret ones (the API leaves their data out) are not.
  function failedWithDetails(test) {
    return test.verdict && !["AC", "SKIPPED"].includes(test.verdict) && hasDetails(test);
  }

  function detailBlock(test, anchor) {
    const block = el("article", { className: "detail", id: anchor });
    block.append(
      el("h3", {}, [badge(test.verdict), ` Test ${test.name}: ${verdictNames[test.verdict] || test.verdict}`])
    );
    if (test.message) block.append(el("p", { className: "detail-message", text: test.message }));
    if (test.input !== null && test.input !== undefined) {
      block.append(
        el("details", { className: "detail-input", open: "" }, [
          el("summary", { text: "Input" }),
          el("pre", { text: test.input }),
        ])
      );
    }
    if (test.output === null || test.output === undefined) {
      block.append(el("p", { className: "muted", text: "Your program's output is not available for this test." }));
    }
    if (test.expected_output !== null && test.expected_output !== undefined) {
      block.append(diffView(test.expected_output, test.output === null || test.output === undefined ? "" : test.output));
    }
    return block;
  }

  // ----- The finished state, from GET /api/v1/submissions/{id} -----------------------

  function positionOf(test, index) {
    return Number.isInteger(test.position) ? test.position : index;
  }

  function renderTests(submission) {
    const fresh = document.createDocumentFragment();
    detailsList.replaceChildren();
    submission.tests.forEach((test, index) => {
      const position = positionOf(test, index);
      const anchor = failedWithDetails(test) ? `test-detail-${position + 1}` : null;
      const row = el("tr", { "data-position": String(position), "data-verdict": "" });
      fillRow(row, position, test, anchor);
      fresh.append(row);
      if (anchor) detailsList.append(detailBlock(test, anchor));
    });
    tbody.replaceChildren(fresh);
    details.hidden = !detailsList.children.length;
  }

  function renderFinal(submission) {
    finished = true;
    renderTests(submission);
    const hidden = submission.hidden_tests || { total: 0, graded: 0, failed: 0 };
    const count = submission.tests.length + hidden.total;
    progress.max = Math.max(count, 1);
    progress.value = submission.tests.length + hidden.graded;
    showOverall(submission.verdict);
    showCompile(submission.compile);
    const passed =
      submission.tests.filter((test) => test.verdict === "AC").length + hidden.graded - hidden.failed;
    if (submission.status === "failed") {
      statusText.textContent = `Grading failed: ${submission.message || "the judge could not finish"}. Your teacher can regrade it.`;
    } else if (submission.compile && submission.compile.ok === false) {
      statusText.textContent = "Graded: your code did not compile.";
    } else {
      const verdict = verdictNames[submission.verdict] || submission.verdict || "no verdict";
      statusText.textContent = `Graded: ${verdict}. ${passed} of ${plural(count, "test")} passed.`;
    }
    const runs = submission.executions;
    const compileFailed = submission.compile && submission.compile.ok === false;
    const sentence = compileFailed
      ? "No test ran: the code did not compile."
      : `Graded ${plural(count, "test")} in ${plural(runs, "execution")}.`;
    const strong = el("strong", { text: sentence });
    const explanation = executions.querySelector(".muted");
    executions.replaceChildren(strong, " ", explanation || "");
    if (hidden.total) {
      const one = hidden.total === 1;
      let failed = "";
      if (hidden.failed) failed = one ? " It failed." : ` ${hidden.failed} of them failed.`;
      hiddenNote.textContent =
        `${plural(hidden.total, "more test")} ${one ? "is" : "are"} hidden: ` +
        `${one ? "it counts" : "they count"} toward the verdict but ${one ? "is" : "are"} not shown.${failed}`;
      hiddenNote.hidden = false;
    }
    if (noTests) noTests.hidden = submission.tests.length > 0;
    feedback.hidden = false;
    liveWarning.hidden = true;
  }

  async function fetchSubmission() {
    return bj.api(`/api/v1/submissions/${id}`);
  }

  async function finish() {
    try {
      renderFinal(await fetchSubmission());
    } catch (err) {
      bj.say(liveWarning, `The results could not be loaded: ${err.message} Reload the page to try again.`, "warn");
    }
  }

  // ----- Following the grading ----------------------------------------------------------

  function poll() {
    const tick = async () => {
      try {
        const submission = await fetchSubmission();
        if (FINISHED.includes(submission.status)) {
          renderFinal(submission);
          return;
        }
        submission.tests.forEach((test, index) => {
          const position = positionOf(test, index);
          fillRow(rowAt(position), position, test, null);
        });
        hiddenGraded = submission.hidden_tests ? submission.hidden_tests.graded : 0;
        showCompile(submission.compile);
        showProgress(submission.status);
      } catch (err) {
        bj.say(liveWarning, `Cannot reach the server (${err.message}). Still trying every 2 seconds…`, "warn");
      }
      window.setTimeout(tick, POLL_MS);
    };
    window.setTimeout(tick, POLL_MS);
  }

  function follow() {
    if (!window.EventSource) {
      poll();
      return;
    }
    const source = new EventSource(`/api/v1/submissions/${id}/events`);
    const read = (event) => {
      try { return JSON.parse(event.data); } catch (err) { return {}; }
    };
    source.addEventListener("queued", () => showProgress(gradedCount() ? "running" : "queued"));
    source.addEventListener("compiled", (event) => {
      const compiled = read(event);
      showCompile(compiled);
      if (compiled.ok) showProgress("running");
    });
    source.addEventListener("test", (event) => {
      const test = read(event);
      const position = Number.isInteger(test.position) ? test.position : gradedCount();
      if (test.hidden) {
        hiddenSeen.add(position);
        hiddenGraded = hiddenSeen.size;
      } else {
        fillRow(rowAt(position), position, test, null);
      }
      showProgress("running");
    });
    source.addEventListener("done", () => {
      source.close();
      finish();
    });
    source.addEventListener("error", () => {
      if (finished) return;
      // The browser would reconnect and replay; polling is steadier and says so.
      source.close();
      bj.say(liveWarning, "Live updates stopped. Checking for results every 2 seconds instead…", "warn");
      poll();
    });
  }

  // ----- Rating the grading ------------------------------------------------------------

  function setUpFeedback() {
    const form = document.getElementById("feedback-form");
    if (!form) return;
    const message = document.getElementById("feedback-message");
    const current = document.getElementById("feedback-current");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const chosen = form.querySelector('input[name="rating"]:checked');
      if (!chosen) {
        bj.say(message, "Choose 1 to 5 stars first.");
        return;
      }
      const rating = Number(chosen.value);
      const comment = form.querySelector("#feedback-comment").value.trim();
      const button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      try {
        await bj.api(`/api/v1/submissions/${id}/feedback`, {
          method: "POST",
          json: comment ? { rating, comment } : { rating },
        });
        bj.say(message, `Thanks! You rated this grading ${rating} of 5.`, "ok");
        current.textContent = `You rated this grading ${rating} of 5. Rate again to change it.`;
        current.hidden = false;
      } catch (err) {
        bj.say(message, err.message);
      } finally {
        button.disabled = false;
      }
    });
  }

  setUpFeedback();
  if (FINISHED.includes(data.submission.status)) renderFinal(data.submission);
  else follow();
})();
