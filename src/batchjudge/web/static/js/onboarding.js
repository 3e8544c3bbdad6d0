// The onboarding tour engine. The steps are data served by GET /api/v1/onboarding (see
// batchjudge/web/onboarding_steps.py); this script decides which of them fit the page,
// draws them (modal, tooltip, highlight) in one native <dialog>, and records what the
// user does through POST /api/v1/onboarding/events. See docs/onboarding.md.
(function () {
  "use strict";
  const API = "/api/v1/onboarding";
  // Below this width tooltips and captions become a bottom sheet (the CSS agrees).
  const NARROW = window.matchMedia("(max-width: 40rem)");
  // How long page-specific targets may take to appear (pages that render by script).
  const TARGET_WAIT_MS = 1500;
  const TRIGGERS = {
    "first-visit": ["first-visit", "feature-discovery"],
    discovery: ["feature-discovery"],
    manual: ["first-visit", "feature-discovery", "manual"],
  };
  const page = document.body.dataset.page || "page";

  let loaded = null; // Promise of the API's answer (null until asked)
  let run = null; // the run on screen, if any
  let sending = Promise.resolve(); // events go one after another, in order

  // Events are sent in order (status is the latest event), and survive a page change
  // (keepalive). A lost event only means a tip may show once more, so errors are dropped.
  function record(tour, action, step) {
    const json = { tour: tour, action: action };
    if (step) json.step = step;
    sending = sending
      .then(() => window.bj.api(API + "/events", { method: "POST", json: json, keepalive: true }))
      .catch(() => undefined);
    return sending;
  }

  function load() {
    if (!loaded) {
      loaded = window.bj.api(API);
      loaded.catch(() => { loaded = null; }); // ask again next time
    }
    return loaded;
  }

  function targetOf(step) {
    if (!step.target) return null;
    let found = null;
    try { found = document.querySelector(step.target); } catch (err) { return null; }
    if (!found || found.getClientRects().length === 0) return null;
    return getComputedStyle(found).visibility === "hidden" ? null : found;
  }

  function fits(step, kind, seen) {
    if (step.page !== "any" && step.page !== page) return false;
    if (!TRIGGERS[kind].includes(step.trigger)) return false;
    return kind !== "discovery" || !seen.includes(step.id);
  }

  // Waits (briefly) until every candidate's target is on the page, then keeps those
  // whose target is there: a step without its anchor is skipped, never drawn broken.
  async function showable(candidates) {
    const deadline = Date.now() + TARGET_WAIT_MS;
    const missing = () => candidates.some((s) => s.target && !targetOf(s));
    while (missing() && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 100));
    }
    return candidates.filter((s) => !s.target || targetOf(s));
  }

  // ---- drawing ---------------------------------------------------------------------

  function element(tag, attrs, text) {
    const made = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => made.setAttribute(key, value));
    if (text) made.textContent = text;
    return made;
  }

  // Plain text with `code`; each piece is a text node, so nothing is parsed as HTML.
  function inline(parent, text) {
    text.split("`").forEach((part, i) => parent.append(i % 2 ? element("code", {}, part) : part));
    return parent;
  }

  // Blank lines part paragraphs; a paragraph of "- " lines is a list.
  function describe(container, text) {
    container.replaceChildren();
    text.split(/\n\s*\n/).forEach((block) => {
      const lines = block.split("\n");
      if (lines.every((line) => line.startsWith("- "))) {
        const list = element("ul");
        lines.forEach((line) => list.append(inline(element("li"), line.slice(2))));
        container.append(list);
      } else {
        container.append(inline(element("p"), block));
      }
    });
  }

  function buildDialog() {
    const dialog = element("dialog", {
      class: "tour",
      "aria-labelledby": "tour-title",
      "aria-describedby": "tour-body",
    });
    const inner = element("div", { class: "tour-inner" });
    inner.append(
      element("p", { class: "tour-progress", id: "tour-progress" }),
      element("h2", { class: "tour-title", id: "tour-title" }),
      element("div", { class: "tour-body", id: "tour-body" }),
    );
    const actions = element("div", { class: "tour-actions" });
    const moves = element("div", { class: "tour-moves" });
    moves.append(
      element("button", { type: "button", class: "button tour-back" }, "Back"),
      element("button", { type: "button", class: "button primary tour-next" }, "Next"),
    );
    actions.append(element("button", { type: "button", class: "link-button tour-skip" }, "Skip tour"), moves);
    inner.append(actions, element("p", { class: "visually-hidden", role: "status", id: "tour-status" }));
    dialog.append(element("span", { class: "tour-arrow", "aria-hidden": "true" }), inner);
    dialog.querySelector(".tour-back").addEventListener("click", () => move(-1));
    dialog.querySelector(".tour-next").addEventListener("click", () => move(+1));
    dialog.querySelector(".tour-skip").addEventListener("click", () => finish("dismissed"));
    // Escape: the dialog's cancel is the user's "skip". A close we did not ask for
    // (Chrome closes without a cancel on a repeated Escape) counts the same.
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); finish("dismissed"); });
    dialog.addEventListener("close", () => { if (run && !run.closing) finish("dismissed"); });
    document.body.append(dialog);
    return dialog;
  }

  function clamp(value, low, high) {
    return Math.max(low, Math.min(value, high));
  }

  // The halo is a fixed box over the target (outside the target's own overflow, so a
  // scrolling table cannot clip it); a highlight also dims the rest of the page.
  function drawHalo(target, component) {
    let halo = document.querySelector(".tour-halo");
    if (!target) { if (halo) halo.remove(); return; }
    if (!halo) { halo = element("div", { class: "tour-halo", "aria-hidden": "true" }); document.body.append(halo); }
    halo.className = "tour-halo tour-halo-" + component;
    const box = target.getBoundingClientRect();
    halo.style.top = box.top - 4 + "px";
    halo.style.left = box.left - 4 + "px";
    halo.style.width = box.width + 8 + "px";
    halo.style.height = box.height + 8 + "px";
  }

  // Next to the target: below it if there is room, else above; never off-screen.
  function placeNextTo(dialog, target) {
    const box = target.getBoundingClientRect();
    const own = dialog.getBoundingClientRect();
    const width = document.documentElement.clientWidth;
    const height = window.innerHeight;
    const gap = 12;
    const margin = 8;
    const below = box.bottom + gap + own.height <= height - margin || box.top - gap - own.height < margin;
    const top = below ? box.bottom + gap : box.top - gap - own.height;
    const left = clamp(box.left + box.width / 2 - own.width / 2, margin, width - own.width - margin);
    dialog.style.top = clamp(top, margin, Math.max(margin, height - own.height - margin)) + "px";
    dialog.style.left = left + "px";
    dialog.dataset.placement = below ? "below" : "above";
    dialog.style.setProperty("--arrow-x", clamp(box.left + box.width / 2 - left, 18, own.width - 18) + "px");
  }

  // On a phone the sheet covers the bottom of the screen: bring the target above it,
  // with room added below the page when it is too short to scroll that far.
  function revealAboveSheet(dialog, target) {
    const sheetTop = dialog.getBoundingClientRect().top;
    const box = target.getBoundingClientRect();
    if (box.top >= 8 && box.bottom <= sheetTop - 8) return;
    const by = box.top - Math.max(8, (sheetTop - box.height) / 2);
    const room = document.documentElement.scrollHeight - window.innerHeight - window.scrollY;
    if (by > room) document.documentElement.classList.add("tour-sheet-open");
    window.scrollBy(0, by);
  }

  function place() {
    if (!run) return;
    const { dialog } = run;
    const step = run.steps[run.index];
    const target = step.component === "modal" ? null : targetOf(step);
    const sheet = Boolean(target) && NARROW.matches;
    dialog.className = "tour tour-" + step.component + (sheet ? " tour-sheet" : target ? " tour-placed" : "");
    if (!sheet) document.documentElement.classList.remove("tour-sheet-open");
    dialog.style.removeProperty("top");
    dialog.style.removeProperty("left");
    if (target && !sheet) placeNextTo(dialog, target);
    drawHalo(target, step.component);
  }

  // Draws the step with its target in view: above the sheet on a phone, else on screen.
  function showTarget(step) {
    const target = step.component === "modal" ? null : targetOf(step);
    if (target && !NARROW.matches) {
      const box = target.getBoundingClientRect();
      if (box.top < 0 || box.bottom > window.innerHeight) {
        target.scrollIntoView({ block: "center", inline: "nearest" });
      }
    }
    place();
    if (target && NARROW.matches) {
      revealAboveSheet(run.dialog, target);
      place();
    }
  }

  // Scrolling moves the tooltip with its target; a resize may also turn it into a sheet
  // (or back), and the target must then be brought into view again.
  let framed = false;
  function replaceSoon(event) {
    if (framed) return;
    framed = true;
    requestAnimationFrame(() => {
      framed = false;
      if (!run) return;
      if (event.type === "resize") showTarget(run.steps[run.index]);
      else place();
    });
  }

  // ---- running ---------------------------------------------------------------------

  function show(index) {
    const step = run.steps[index];
    run.index = index;
    const { dialog } = run;
    const last = nextIndex(+1) === -1;
    dialog.querySelector(".tour-progress").textContent = `Step ${index + 1} of ${run.steps.length}`;
    dialog.querySelector(".tour-title").textContent = step.title;
    describe(dialog.querySelector(".tour-body"), step.description);
    dialog.querySelector(".tour-back").hidden = nextIndex(-1) === -1;
    dialog.querySelector(".tour-next").textContent = last ? (run.kind === "discovery" ? "Got it" : "Done") : "Next";
    if (!dialog.open) dialog.showModal();
    showTarget(step);
    if (run.shown.size > 0) {
      // Focus stays on Next; say what changed for screen readers.
      dialog.querySelector("#tour-status").textContent = `${step.title}. ${dialog.querySelector(".tour-body").textContent}`;
    }
    dialog.querySelector(".tour-next").focus();
    if (!run.shown.has(step.id)) {
      run.shown.add(step.id);
      run.state.seen_steps.push(step.id);
      record(run.tour, "step", step.id);
    }
  }

  // The index of the next (or previous) step whose target is still there; -1 if none.
  function nextIndex(direction) {
    for (let i = run.index + direction; i >= 0 && i < run.steps.length; i += direction) {
      if (run.steps[i].component === "modal" || targetOf(run.steps[i])) return i;
    }
    return -1;
  }

  function move(direction) {
    if (!run) return;
    const index = nextIndex(direction);
    if (index !== -1) show(index);
    else if (direction > 0) finish(run.kind === "discovery" ? null : "completed");
  }

  function finish(action) {
    if (!run || run.closing) return;
    const ended = run;
    ended.closing = true;
    if (action) record(ended.tour, action, ended.steps[ended.index].id);
    if (action) ended.state.status = action;
    window.removeEventListener("resize", replaceSoon);
    window.removeEventListener("scroll", replaceSoon);
    drawHalo(null);
    document.documentElement.classList.remove("tour-sheet-open");
    if (ended.dialog.open) ended.dialog.close();
    run = null;
    const back = ended.returnFocus;
    if (back && back.isConnected && back.getClientRects().length > 0) back.focus();
  }

  // kind: "first-visit" (new user), "discovery" (unseen tips of this page) or "manual".
  async function start(state, kind, returnFocus) {
    if (run) return;
    const candidates = state.steps.filter((s) => fits(s, kind, state.seen_steps));
    const steps = await showable(candidates);
    if (run || steps.length === 0) return;
    run = {
      tour: state.tour,
      kind: kind,
      steps: steps,
      index: 0,
      shown: new Set(),
      state: state,
      returnFocus: returnFocus || document.activeElement,
      dialog: document.querySelector("dialog.tour") || buildDialog(),
      closing: false,
    };
    if (kind !== "discovery") {
      state.status = "started";
      state.seen_steps = [];
      record(state.tour, "started");
    }
    window.addEventListener("resize", replaceSoon);
    window.addEventListener("scroll", replaceSoon, { passive: true });
    show(0);
  }

  // When the tour cannot be loaded, the restart still answers, with the reason.
  function sayUnavailable(message, returnFocus) {
    const dialog = element("dialog", { class: "tour tour-modal", "aria-labelledby": "tour-error-title" });
    const inner = element("div", { class: "tour-inner" });
    const close = element("button", { type: "button", class: "button primary" }, "Close");
    inner.append(
      element("h2", { class: "tour-title", id: "tour-error-title" }, "The tour is not available"),
      element("p", { role: "alert" }, message),
      close,
    );
    dialog.append(inner);
    close.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => { dialog.remove(); if (returnFocus) returnFocus.focus(); });
    document.body.append(dialog);
    dialog.showModal();
    close.focus();
  }

  async function restart() {
    const menu = document.querySelector(".help-menu");
    if (menu) menu.open = false;
    // The button hides with its menu: focus comes back to the menu's summary.
    const returnFocus = (menu && menu.querySelector("summary")) || document.getElementById("main");
    try {
      start(await load(), "manual", returnFocus);
    } catch (err) {
      sayUnavailable(`${err.message} Try again in a moment.`, returnFocus);
    }
  }

  async function boot() {
    const button = document.getElementById("restart-tour");
    if (button) button.addEventListener("click", restart);
    let state;
    try { state = await load(); } catch (err) { return; } // no tour today; Help can retry
    if (!state.automatic || page === "error") return;
    if (state.status === "new") start(state, "first-visit");
    else if (state.status !== "dismissed") start(state, "discovery");
  }

  if (window.bj && document.querySelector('meta[name="csrf-token"]')) boot();
})();
