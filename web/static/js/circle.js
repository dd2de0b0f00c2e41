// The circle page on a phone: tabs (Chat first, then Posts, then Members) over the sections the
// desk shows side by side. The script only marks the sections and adds the tab bar; kring.css
// shows the tab bar and hides the other panels below 640 px, so a desk keeps its columns.
(() => {
  "use strict";
  const columns = document.querySelector(".circle-header + .columns");
  const chat = document.getElementById("chat");
  const stream = document.querySelector("section.stream[data-stream]");
  const members = columns?.querySelector("aside.sidebar");
  if (!columns || !chat || !stream || stream.hidden || !members) return;
  stream.id ||= "circle-posts";
  members.id ||= "circle-members";

  const panels = {
    chat: [chat],
    posts: [...columns.querySelectorAll("[data-composer], form[action$='/follow']"), stream],
    members: [members],
  };
  const labels = {
    chat: chat.querySelector("h2")?.textContent.trim() || "Chat",
    posts: stream.getAttribute("aria-label") || "Posts",
    members: members.querySelector("h2")?.textContent.trim() || "Members",
  };
  const tabList = document.createElement("div");
  tabList.className = "circle-tabs";
  tabList.setAttribute("role", "tablist");
  tabList.setAttribute("aria-label", document.querySelector("h1")?.textContent.trim() || "");
  const tabs = {};
  for (const [name, elements] of Object.entries(panels)) {
    for (const element of elements) element.dataset.tabPanel = name;
    const tab = document.createElement("button");
    tab.type = "button";
    tab.setAttribute("role", "tab");
    tab.id = `circle-tab-${name}`;
    tab.setAttribute("aria-controls", elements.map((element) => element.id).filter(Boolean).join(" "));
    tab.textContent = labels[name];
    tab.addEventListener("click", () => choose(name));
    tabs[name] = tab;
    tabList.append(tab);
  }

  function choose(name) {
    columns.dataset.circleTab = name;
    for (const [other, tab] of Object.entries(tabs)) {
      tab.setAttribute("aria-selected", String(other === name));
      tab.tabIndex = other === name ? 0 : -1;
    }
  }

  // Arrow keys move between the tabs, as in every tab bar.
  tabList.addEventListener("keydown", (event) => {
    const names = Object.keys(tabs);
    const at = names.indexOf(columns.dataset.circleTab);
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    const next = names[(at + step + names.length) % names.length];
    choose(next);
    tabs[next].focus();
  });

  columns.before(tabList);
  choose(window.location.hash === "#members" ? "members" : window.location.hash === "#posts" ? "posts" : "chat");
})();

// The circle page, live: members joining and leaving, and changes to the circle itself.
(() => {
  "use strict";
  const page = document.querySelector("[data-circle-id]");
  if (!page || !window.kring) return;
  const circleId = Number(page.dataset.circleId);
  const list = document.getElementById("member-list");
  const count = document.querySelector("[data-member-count]");

  function setCount(delta) {
    if (!count) return;
    const value = Number(count.dataset.memberCount) + delta;
    count.dataset.memberCount = String(value);
    const template = value === 1 ? count.dataset.one : count.dataset.many;
    count.textContent = template.replace("%(num)d", String(value));
  }

  window.kring.on("member.joined", (frame) => {
    if (frame.data.circle_id !== circleId) return;
    setCount(1);
    if (!list || !frame.html || list.querySelector(`[data-user-id="${frame.data.user.id}"]`)) return;
    const row = window.kringItems?.item(frame.html, list);
    if (row) list.append(row);
  });

  window.kring.on("member.left", (frame) => {
    if (frame.data.circle_id !== circleId) return;
    setCount(-1);
    const item = list && list.querySelector(`[data-user-id="${frame.data.user_id}"]`);
    if (item) item.remove();
    if (frame.data.reason === "deactivated") markFormer(frame.data.user_id);
  });

  // A deactivated colleague's posts, comments and messages stay, marked as a former colleague's,
  // as the page shows them after a reload.
  function markFormer(userId) {
    const mark = document.querySelector("template[data-former-mark]");
    if (!mark) return;
    const names = document.querySelectorAll(
      `.chat-message[data-owner="${userId}"] .chat-author, ` +
        `.comment[data-owner="${userId}"] .comment-meta > a, ` +
        `.post-card[data-author="${userId}"] .post-meta > span > a:first-child`,
    );
    for (const name of names) {
      const next = name.nextElementSibling;
      const inside = name.querySelector(".former-mark");
      if (inside || (next && next.classList.contains("former-mark"))) continue;
      const clone = mark.content.cloneNode(true);
      if (name.classList.contains("chat-author")) name.append(clone);
      else name.after(clone);
    }
  }

  window.kring.on("circle.updated", (frame) => {
    if (frame.data.id !== circleId) return;
    const name = document.querySelector("[data-circle-name]");
    const description = document.querySelector("[data-circle-description]");
    if (name) name.textContent = frame.data.name;
    if (description) description.textContent = frame.data.description;
    // Archived: read-only for everyone until restored (the server refuses writing either way).
    const archived = frame.data.archived === true;
    const banner = document.querySelector("[data-archived-banner]");
    if (banner) banner.hidden = !archived;
    document.querySelectorAll("[data-writable]").forEach((control) => { control.disabled = archived; });
  });

  window.kring.on("unsubscribed", (frame) => {
    if (frame.topic === `circle:${circleId}`) window.location.reload();
  });
})();
