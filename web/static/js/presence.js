// Presence dots, live, and this tab's own state: "away" after five minutes without input.
(() => {
  "use strict";
  const kring = window.kring;
  if (!kring) return;
  const AWAY_AFTER_MS = 5 * 60 * 1000;
  const labels = document.getElementById("kring-texts")?.dataset || {};
  let state = "active";
  let idle = null;

  kring.on("presence", (frame) => {
    for (const [userId, next] of Object.entries(frame.data.states || {})) {
      for (const dot of document.querySelectorAll(`[data-presence-for="${CSS.escape(userId)}"]`)) {
        dot.dataset.state = next;
        dot.setAttribute("aria-label", labels[next] || next);
      }
    }
  });

  function become(next) {
    if (next === state) return;
    state = next;
    kring.send({ op: "presence", state });
  }

  function activity() {
    become(document.hidden ? state : "active");
    clearTimeout(idle);
    idle = setTimeout(() => become("away"), AWAY_AFTER_MS);
  }

  for (const kind of ["keydown", "pointerdown", "pointermove", "scroll", "visibilitychange"]) {
    document.addEventListener(kind, activity, { passive: true });
  }
  kring.on("connected", () => {
    if (state === "away") kring.send({ op: "presence", state });
  });
  activity();
})();
