// Shared helpers for the pages' scripts: API calls with the session's CSRF token, and
// messages that say what went wrong.
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]');

  // fetch() of our own API as the signed-in user; rejects with an Error whose message
  // is the API's own ("error": {"message": ...}) when there is one.
  async function api(path, options) {
    const init = Object.assign({ credentials: "same-origin", headers: {} }, options || {});
    init.headers = Object.assign({ Accept: "application/json" }, init.headers);
    if (init.json !== undefined) {
      init.body = JSON.stringify(init.json);
      init.headers["Content-Type"] = "application/json";
      delete init.json;
    }
    const method = (init.method || "GET").toUpperCase();
    if (csrf && !["GET", "HEAD", "OPTIONS"].includes(method)) {
      init.headers["X-CSRF-Token"] = csrf.content;
    }
    let answer;
    try {
      answer = await fetch(path, init);
    } catch (err) {
      throw new Error("The server cannot be reached. Check your connection.");
    }
    const text = await answer.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch (err) { body = null; }
    if (!answer.ok) {
      const message = body && body.error ? body.error.message : `The server answered ${answer.status}.`;
      const error = new Error(message);
      error.status = answer.status;
      throw error;
    }
    return body;
  }

  // Shows `message` in `element` (a role="alert" region), or clears it.
  function say(element, message, kind) {
    if (!element) return;
    element.textContent = message || "";
    element.hidden = !message;
    element.className = "alert " + (kind === "ok" ? "alert-ok" : kind === "warn" ? "alert-warn" : "alert-error");
  }

  window.bj = { api, say, csrfToken: csrf ? csrf.content : null };
})();
