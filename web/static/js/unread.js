// Unread chat messages per circle in the navigation: counted up live, and set again from the
// server whenever a read marker moves in any tab or device (chat.read on the user's topic).
(() => {
  "use strict";
  const kring = window.kring;
  if (!kring || !document.querySelector("[data-unread-for]")) return;

  function show(circleId, count) {
    const badge = document.querySelector(`[data-unread-for="${circleId}"]`);
    if (!badge) return;
    badge.textContent = String(count);
    badge.hidden = count === 0;
  }

  kring.on("message.created", (frame) => {
    const data = frame.data;
    if (!data.author || data.author.id === kring.me) return;
    const badge = document.querySelector(`[data-unread-for="${data.circle_id}"]`);
    if (badge) show(data.circle_id, Number(badge.textContent) + 1);
  });

  kring.on("chat.read", async (frame) => {
    if (frame.topic !== `user:${kring.me}`) return;
    const response = await fetch("/api/v1/unread", { credentials: "same-origin" });
    if (!response.ok) return;
    const counts = (await response.json()).circles;
    for (const badge of document.querySelectorAll("[data-unread-for]")) {
      show(badge.dataset.unreadFor, counts[badge.dataset.unreadFor] || 0);
    }
  });
})();
