// The account pages: a confirmation before a form that cannot be undone is sent, a Copy
// button for a new token, and a clean address once that token has been shown.
(function () {
  "use strict";

  // A form with data-confirm="question" asks first, in a native <dialog> (Escape or
  // Cancel keeps the form unsent; focus goes back to the button that asked).
  function confirmForms() {
    const dialog = document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") return;
    const message = document.getElementById("confirm-message");
    let pending = null;
    let opener = null;

    document.addEventListener("submit", (event) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
      event.preventDefault();
      pending = form;
      opener = event.submitter || form.querySelector("button");
      message.textContent = form.dataset.confirm;
      dialog.showModal();
    });

    dialog.addEventListener("close", () => {
      const form = pending;
      pending = null;
      if (dialog.returnValue === "confirm" && form) {
        form.submit(); // not requestSubmit: that would ask again
        return;
      }
      if (opener) opener.focus();
    });
  }

  // The new token: a Copy button, and an address that does not post the form again on a
  // reload (the token is gone from the page then, as it is from the server).
  function newToken() {
    const panel = document.getElementById("new-token");
    if (!panel) return;
    const input = document.getElementById("new-token-value");
    const button = document.getElementById("copy-token");
    const status = document.getElementById("copy-status");
    if (panel.dataset.pageUrl) history.replaceState(null, "", panel.dataset.pageUrl);
    input.addEventListener("focus", () => input.select());
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(input.value);
        status.textContent = "Copied to the clipboard.";
      } catch (err) {
        input.focus();
        status.textContent = "Copying was not allowed: the token is selected, copy it with Ctrl+C.";
      }
    });
  }

  confirmForms();
  newToken();
})();
