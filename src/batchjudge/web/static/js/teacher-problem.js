// The visibility form of a teacher's problem page: saved through the PATCH API without
// reloading the page. Without this script the form posts and the page reloads.
(function () {
  "use strict";
  const form = document.getElementById("visibility-form");
  if (!form || !window.bj) return;
  const status = document.getElementById("visibility-status");
  const button = form.querySelector('button[type="submit"]');
  const selects = Array.from(form.querySelectorAll("select[data-test]"));

  function summary(tests) {
    const count = (value) => tests.filter((t) => t.visibility === value).length;
    return `Saved. Students see ${count("full")} in full, ${count("verdict")} by verdict only, ` +
      `and ${count("hidden")} hidden.`;
  }

  selects.forEach((select) => {
    select.addEventListener("change", () => {
      window.bj.say(status, "You have unsaved changes.", "warn");
    });
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const choices = {};
    selects.forEach((select) => { choices[select.dataset.test] = select.value; });
    button.disabled = true;
    try {
      const body = await window.bj.api(form.dataset.api, {
        method: "PATCH",
        json: { visibility: choices },
      });
      const byName = new Map(body.tests.map((t) => [t.name, t.visibility]));
      selects.forEach((select) => {
        if (byName.has(select.dataset.test)) select.value = byName.get(select.dataset.test);
      });
      window.bj.say(status, summary(body.tests), "ok");
    } catch (err) {
      window.bj.say(status, `Not saved: ${err.message}`, "error");
    } finally {
      button.disabled = false;
    }
  });
})();
