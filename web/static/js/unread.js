// Unread chat messages per circle (the home page's circle list, /circles): set from the server
// whenever the badge's chat count moves (badge.changed: a message in a circle not muted, or one
// read in any tab or device) and whenever a read marker moves (chat.read on the user's topic).
// Asked, never counted up here, so a message heard twice is never counted twice.
(() => {
  "use strict";
  const kring = window.kring;
  if (!kring || !document.querySelector("[data-unread-for]")) return;
  let chatCount = null;

  function show(badge, count) {
    badge.textContent = String(count);
    badge.hidden = count === 0;
  }

  async function refresh() {
    const response = await fetch("/api/v1/unread", { credentials: "same-origin" });
    if (!response.ok) return;
    const counts = (await response.json()).circles;
    for (const badge of document.querySelectorAll("[data-unread-for]")) {
      show(badge, counts[badge.dataset.unreadFor] || 0);
    }
  }

  kring.on("badge.changed", (frame) => {
    if (frame.topic !== `user:${kring.me}` || frame.data.chat === chatCount) return;
    chatCount = frame.data.chat;
    refresh();
  });
  kring.on("chat.read", (frame) => {
    if (frame.topic === `user:${kring.me}`) refresh();
  });
})();
