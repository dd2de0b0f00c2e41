// The unread badge: notifications, unread direct messages and unread circle chat, in the bell, on
// the Messages and Circles links, in the tab title as "(3) …" and drawn on the favicon. Every
// change to it arrives as badge.changed on the user's own topic, so all tabs and devices agree;
// after a reconnect the count is fetched again. Also the bell's drop-down, loaded when it opens.
//
// The tab title is composed in one place, `composeTitle`: the badge's count (the parts the
// colleague chose to count) plus what other scripts add with
// window.kringTitle.set(name, count) (e.g. new posts in the stream).
(() => {
  "use strict";
  const counter = document.querySelector("[data-badge]");
  if (!counter) return;
  const direct = document.querySelectorAll("[data-badge-direct]");
  const chat = document.querySelectorAll("[data-badge-chat]");
  const navNotifications = document.querySelectorAll('[data-nav-badge="notifications"]');
  let baseTitle = document.title.replace(/^\(\d+\+?\) /, "");
  const icon = document.querySelector('link[rel="icon"]');
  let plainIcon = icon ? icon.href : null;
  const titleParts = new Map(); // name -> count, summed into the tab title
  let drawn = null;

  function composeTitle() {
    let total = 0;
    for (const count of titleParts.values()) total += count;
    document.title = total > 0 ? `(${total}) ${baseTitle}` : baseTitle;
    drawIcon(total);
  }

  window.kringTitle = {
    set(name, count) {
      titleParts.set(name, Math.max(0, Number(count) || 0));
      composeTitle();
    },
    setStream(count) {
      this.set("stream", count);
    },
    // The title without counts, and the icon the count is drawn on (branding.js, when the
    // organisation's name or favicon changes).
    setBase(title) {
      baseTitle = title;
      composeTitle();
    },
    setIcon(href) {
      plainIcon = href;
      drawn = null;
      composeTitle();
    },
  };

  function showCount(elements, count) {
    for (const element of elements) {
      element.textContent = String(count);
      element.hidden = count === 0;
    }
  }

  function show(badge) {
    const chatCount = badge.chat || 0;
    counter.textContent = String(badge.notifications);
    counter.hidden = badge.notifications === 0;
    counter.dataset.notifications = String(badge.notifications);
    counter.dataset.direct = String(badge.direct);
    counter.dataset.chatUnread = String(chatCount);
    showCount(direct, badge.direct);
    showCount(chat, chatCount);
    showCount(navNotifications, badge.notifications);
    titleParts.set("badge", badge.count);
    composeTitle();
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
    chat: Number(counter.dataset.chatUnread || 0),
  };
  const counted = (counter.dataset.counted || "notifications direct chat").split(" ").filter(Boolean);
  initial.count = counted.reduce((sum, part) => sum + (initial[part] || 0), 0);
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
