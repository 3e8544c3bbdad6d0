// Resetting the metrics: a native <dialog> asks first (Escape or Cancel: nothing happens),
// then the reset is posted, the dashboard refreshes and says where the window now starts.
(function () {
  "use strict";

  const dialog = document.getElementById("reset-dialog");
  const opener = document.getElementById("reset-open");
  if (!dialog || !opener || typeof dialog.showModal !== "function") {
    if (opener) opener.hidden = true; // no dialog support: no way to confirm, so no button
    return;
  }
  const form = document.getElementById("reset-form");
  const note = document.getElementById("reset-note");
  const errorBox = document.getElementById("reset-error");
  const confirmButton = document.getElementById("reset-confirm");
  const doneBox = document.getElementById("reset-done");

  opener.addEventListener("click", () => {
    dialog.returnValue = "";
    window.bj.say(errorBox, "");
    confirmButton.disabled = false;
    dialog.showModal(); // focus moves to the note (autofocus)
  });

  dialog.addEventListener("close", () => opener.focus());

  form.addEventListener("submit", async (event) => {
    if (!event.submitter || event.submitter.value !== "reset") return; // Cancel closes
    event.preventDefault();
    confirmButton.disabled = true;
    let record;
    try {
      record = await window.bj.api("/api/v1/monitoring/reset", {
        method: "POST",
        json: { note: note.value },
      });
    } catch (err) {
      window.bj.say(errorBox, `The metrics were not reset: ${err.message}`, "error");
      confirmButton.disabled = false;
      return;
    }
    note.value = "";
    dialog.close("reset");
    const board = window.bjAdmin && window.bjAdmin.dashboard;
    if (board) await board.refresh();
    const view = window.bjAdmin.view;
    const at = new Date(record.reset_at);
    const windowStart = document.getElementById("window-note").dataset.start;
    const starts = windowStart ? view.dateAndClock(new Date(windowStart)) : view.dateAndClock(at);
    const name = board ? board.windowName() : "";
    window.bj.say(
      doneBox,
      `Metrics reset at ${view.clock(at)} by ${record.user}. The ${name} window now starts at ${starts}.`,
      "ok",
    );
  });
})();
