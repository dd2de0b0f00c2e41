// The unread badge: notifications plus unread direct messages, in the bell, on the Messages link,
// in the tab title as "(3) …" and drawn on the favicon. Every change to it arrives as
// badge.changed on the user's own topic, so all tabs and devices agree; after a reconnect the
// count is fetched again. Also the bell's drop-down, loaded when it opens.
// The title's count is a sum of parts: the badge's, and what other scripts add through
// window.kringTitle.set(part, n) (the stream's new posts: "stream"), so one script owns the title.
(() => {
  "use strict";
  const counter = document.querySelector("[data-badge]");
  if (!counter) return;
  const direct = document.querySelectorAll("[data-badge-direct]");
  const navNotifications = document.querySelectorAll('[data-nav-badge="notifications"]');
  const baseTitle = document.title.replace(/^\(\d+\+?\) /, "");
  const icon = document.querySelector('link[rel="icon"]');
  const plainIcon = icon ? icon.href : null;
  let drawn = null;
  const parts = { badge: 0 };

  function showTitle() {
    const count = Object.values(parts).reduce((sum, n) => sum + n, 0);
    document.title = count > 0 ? `(${count}) ${baseTitle}` : baseTitle;
    drawIcon(count);
  }

  window.kringTitle = {
    set(part, n) {
      parts[part] = Math.max(0, Number(n) || 0);
      showTitle();
    },
    setStream(n) {
      this.set("stream", n);
    },
  };

  function showCount(elements, n) {
    for (const element of elements) {
      element.textContent = String(n);
      element.hidden = n === 0;
    }
  }

  function show(badge) {
    counter.textContent = String(badge.notifications);
    counter.hidden = badge.notifications === 0;
    counter.dataset.notifications = String(badge.notifications);
    counter.dataset.direct = String(badge.direct);
    showCount(direct, badge.direct);
    showCount(navNotifications, badge.notifications);
    parts.badge = badge.count;
    showTitle();
  }

  function drawIcon(count) {
    if (!icon || drawn === count) return;
    drawn = count;
    if (count === 0) {
      icon.href = plainIcon;
      return;
    }
    const image = new Image();
    image.addEventListener("load", () => {
      if (drawn !== count) return; // a newer count is being drawn
      const size = 64;
      const canvas = document.createElement("canvas");
      canvas.width = size;
      canvas.height = size;
      const context = canvas.getContext("2d");
      context.drawImage(image, 0, 0, size, size);
      const label = count > 99 ? "99+" : String(count);
      context.fillStyle = "#c62828";
      context.beginPath();
      context.arc(size - 20, 20, 20, 0, 2 * Math.PI);
      context.fill();
      context.fillStyle = "#ffffff";
      context.font = `bold ${label.length > 2 ? 18 : 26}px sans-serif`;
      context.textAlign = "center";
      context.textBaseline = "middle";
      context.fillText(label, size - 20, 21);
      icon.type = "image/png";
      icon.href = canvas.toDataURL("image/png");
    });
    image.src = plainIcon;
  }

  async function refresh() {
    const response = await fetch("/api/v1/notifications/unread-count", { credentials: "same-origin" });
    if (response.ok) show(await response.json());
  }

  const initial = {
    notifications: Number(counter.dataset.notifications || 0),
    direct: Number(counter.dataset.direct || 0),
  };
  initial.count = initial.notifications + initial.direct;
  show(initial);

  const kring = window.kring;
  if (kring) {
    kring.on("badge.changed", (frame) => {
      if (frame.topic === `user:${kring.me}`) show(frame.data);
    });
    let connections = 0;
    kring.on("connected", () => {
      connections += 1;
      if (connections > 1) refresh(); // what changed while the socket was away
    });
  }

  // The drop-down: a plain link to /notifications without script; with it, a menu.
  const toggle = document.getElementById("notifications-toggle");
  const menu = document.getElementById("notifications-menu");
  if (!toggle || !menu) return;
  const list = menu.querySelector("[data-notifications-list]");

  async function load(target, url) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (response.ok) target.innerHTML = await response.text();
  }

  function close() {
    menu.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
  }

  toggle.addEventListener("click", (event) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    if (!menu.hidden) {
      close();
      return;
    }
    menu.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    load(list, "/notifications/menu");
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !menu.hidden) {
      close();
      toggle.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (!menu.hidden && !menu.contains(event.target) && !toggle.contains(event.target)) close();
  });
  // An open drop-down follows along: a line read in another tab stops looking unread here.
  if (kring) {
    kring.on("badge.changed", (frame) => {
      if (frame.topic === `user:${kring.me}` && !menu.hidden) load(list, "/notifications/menu");
    });
  }

  // The inbox page follows along while it shows the newest notifications.
  const inbox = document.querySelector('#notification-inbox[data-live="yes"]');
  if (inbox && kring) {
    kring.on("badge.changed", (frame) => {
      if (frame.topic !== `user:${kring.me}`) return;
      const target = inbox.querySelector(".notification-list, .notification-empty");
      if (!target) return;
      fetch("/notifications/menu?limit=30", { credentials: "same-origin" })
        .then((response) => (response.ok ? response.text() : null))
        .then((html) => {
          if (html !== null) target.outerHTML = html;
        });
    });
  }
})();
