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
  });

  window.kring.on("circle.updated", (frame) => {
    if (frame.data.id !== circleId) return;
    const name = document.querySelector("[data-circle-name]");
    const description = document.querySelector("[data-circle-description]");
    if (name) name.textContent = frame.data.name;
    if (description) description.textContent = frame.data.description;
  });

  window.kring.on("unsubscribed", (frame) => {
    if (frame.topic === `circle:${circleId}`) window.location.reload();
  });
})();
