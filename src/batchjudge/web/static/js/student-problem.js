// The problem page's submit form: the code editor, loading a file into it, and submitting
// through the API (errors shown in place, the code kept). Without this script the form
// still posts to /problems/{id}/submit.
(function () {
  "use strict";
  const form = document.getElementById("submit-form");
  if (!form) return;
  const textarea = document.getElementById("source");
  const language = document.getElementById("language");
  const style = document.getElementById("style");
  const fileInput = document.getElementById("source-file");
  const errorBox = document.getElementById("submit-error");
  const statusBox = document.getElementById("submit-status");
  const button = form.querySelector('button[type="submit"]');
  const maxBytes = Number(form.dataset.maxBytes) || 65536;

  // The editor bundle may fail to load; the plain textarea then does the job.
  const editor = window.bjEditor ? window.bjEditor.mount(textarea, { language: language.value }) : null;
  const code = {
    get: () => (editor ? editor.getValue() : textarea.value),
    set: (text) => (editor ? editor.setValue(text) : (textarea.value = text)),
  };

  language.addEventListener("change", () => {
    if (editor) editor.setLanguage(language.value);
  });

  // The language whose extensions include the file's, when exactly one does.
  function languageForFile(name) {
    const dot = name.lastIndexOf(".");
    if (dot < 0) return null;
    const ext = name.slice(dot).toLowerCase();
    const matches = Array.from(language.options).filter((option) =>
      (option.dataset.extensions || "").split(" ").includes(ext)
    );
    return matches.length === 1 ? matches[0].value : null;
  }

  fileInput.addEventListener("change", async () => {
    const file = fileInput.files && fileInput.files[0];
    if (!file) return;
    if (file.size > maxBytes) {
      bj.say(errorBox, `${file.name} is ${file.size} bytes; the limit is ${maxBytes} bytes.`);
      return;
    }
    const text = await file.text();
    code.set(text);
    const found = languageForFile(file.name);
    if (found && found !== language.value) {
      language.value = found;
      if (editor) editor.setLanguage(found);
    }
    bj.say(errorBox, "");
    statusBox.textContent = `Loaded ${file.name}` + (found ? ` as ${language.selectedOptions[0].text}.` : ".");
    // The editor holds the file now; the form must not send it a second time.
    fileInput.value = "";
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    bj.say(errorBox, "");
    const source = code.get();
    if (!source.trim()) {
      bj.say(errorBox, "Write or load your code first: the source is empty.");
      return;
    }
    button.disabled = true;
    statusBox.textContent = "Submitting…";
    try {
      const accepted = await bj.api("/api/v1/submissions", {
        method: "POST",
        json: {
          problem_id: Number(form.dataset.problemId),
          language: language.value,
          style: style.value,
          source: source,
        },
      });
      statusBox.textContent = "Submitted. Opening the results…";
      window.location.assign(`/submissions/${accepted.id}`);
    } catch (err) {
      statusBox.textContent = "";
      bj.say(errorBox, err.message);
      button.disabled = false;
      errorBox.focus();
    }
  });
})();
