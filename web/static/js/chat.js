// The circle chat, live: sending with a pending state (retried with the same client_id, so a
// message is stored once), typing, read markers ("seen by") and the unread count.
(() => {
  "use strict";
  const box = document.querySelector("[data-chat]");
  const kring = window.kring;
  if (!box || !kring || !window.kringItems) return;
  const circleId = Number(box.dataset.chat);
  const topic = `circle:${circleId}`;
  const log = box.querySelector("[data-chat-log]");
  const form = box.querySelector("[data-chat-form]");
  const texts = box.querySelector("[data-texts]").dataset;
  const typingLine = box.querySelector("[data-typing]");
  const seenLine = box.querySelector("[data-seen]");
  const token = form?.elements.csrf_token.value || document.querySelector("input[name=csrf_token]")?.value;
  const seen = new Map(); // user id -> {name, message}
  let lastRead = Number(box.dataset.lastRead || 0);
  const replying = box.querySelector("[data-replying]");
  const pendingTemplate = box.querySelector("[data-pending-message]");
  const items = window.kringItems;
  let replyTo = null;
  let typingTimer = null;
  let lastTyping = 0;

  const newId = () => (window.crypto?.randomUUID ? window.crypto.randomUUID() : `${Date.now()}-${Math.random()}`);
  const newest = () => Math.max(0, ...[...log.querySelectorAll("[data-message-id]")].map((li) => Number(li.dataset.messageId)));
  const scrollDown = () => log.lastElementChild?.scrollIntoView({ block: "nearest" });

  function api(method, path, body) {
    return fetch(path, {
      method,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  // Reply, edit and delete: the buttons and the edit form come with each message (_items.html).
  log.addEventListener("click", async (event) => {
    const control = event.target.closest("[data-chat-reply], [data-chat-edit], [data-chat-delete]");
    const item = control?.closest("[data-message-id]");
    if (!item) return;
    const id = Number(item.dataset.messageId);
    if (control.hasAttribute("data-chat-reply")) {
      replyTo = id;
      replying.hidden = false;
      replying.querySelector("span").textContent = texts.replyingTo.replace(
        "{name}",
        item.querySelector(".chat-author")?.textContent || "",
      );
      form?.elements.body.focus();
    } else if (control.hasAttribute("data-chat-edit")) {
      const editor = item.querySelector("[data-chat-edit-form]");
      editor.hidden = !editor.hidden;
      if (!editor.hidden) editor.elements.body.focus();
    } else if (window.confirm(texts.confirmDelete)) {
      await api("DELETE", `/api/v1/messages/${id}`);
    }
  });

  log.addEventListener("submit", async (event) => {
    const editor = event.target.closest("[data-chat-edit-form]");
    const item = editor?.closest("[data-message-id]");
    if (!item) return;
    event.preventDefault();
    const response = await api("PATCH", `/api/v1/messages/${item.dataset.messageId}`, { body: editor.elements.body.value });
    if (response.ok) editor.hidden = true; // message.updated brings the new text, here and everywhere
  });

  replying?.querySelector("[data-cancel-reply]").addEventListener("click", () => {
    replyTo = null;
    replying.hidden = true;
  });

  function markRead() {
    const id = newest();
    if (!token || box.dataset.member !== "yes" || id <= lastRead || document.hidden) return;
    lastRead = id;
    fetch(`/api/v1/circles/${circleId}/read`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      credentials: "same-origin",
      body: JSON.stringify({ message_id: id }),
    });
  }

  async function send(item, body, clientId, replyId) {
    item.classList.remove("failed");
    item.querySelector("[data-state-text]").textContent = texts.pending;
    item.querySelector("[data-retry]").hidden = true;
    let response;
    try {
      response = await fetch(`/api/v1/circles/${circleId}/messages`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
        credentials: "same-origin",
        body: JSON.stringify({ body, client_id: clientId, reply_to_id: replyId }),
      });
    } catch {
      response = null; // the server is away (a restart): keep it for a retry
    }
    if (!item.isConnected) return; // message.created came first and took its place
    if (response && response.ok) {
      // Stored; its event brings the message as everyone sees it and takes this one's place.
      item.dataset.messageId = String((await response.json()).id);
      item.classList.remove("pending");
      item.querySelector("[data-state-text]").textContent = "";
      return;
    }
    item.classList.add("failed");
    const problem = response ? (await response.json().catch(() => null))?.error?.message : null;
    item.querySelector("[data-state-text]").textContent = problem || texts.failed;
    item.querySelector("[data-retry]").hidden = false;
  }

  log.addEventListener("click", (event) => {
    const retry = event.target.closest("[data-retry]");
    const item = retry?.closest(".chat-message");
    if (item?.sending) item.sending();
  });

  form?.addEventListener("submit", (event) => {
    event.preventDefault();
    const area = form.elements.body;
    const body = area.value.trim();
    if (!body) return;
    const clientId = newId();
    const item = pendingTemplate.content.firstElementChild.cloneNode(true);
    item.dataset.clientId = clientId;
    item.querySelector("[data-message-body]").textContent = body;
    const replyId = replyTo;
    item.sending = () => send(item, body, clientId, replyId);
    log.append(item);
    scrollDown();
    area.value = "";
    area.focus();
    item.sending();
    replyTo = null;
    replying.hidden = true;
  });

  form?.elements.body.addEventListener("input", () => {
    const now = Date.now();
    if (now - lastTyping > 2000) {
      lastTyping = now;
      kring.send({ op: "typing", topic });
    }
  });

  kring.on("typing", (frame) => {
    if (frame.topic !== topic || frame.data.user.id === kring.me) return;
    typingLine.textContent = texts.typingOne.replace("{name}", frame.data.user.name);
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => (typingLine.textContent = ""), 4000);
  });

  kring.on("message.created", (frame) => {
    const data = frame.data;
    if (data.circle_id !== circleId || !frame.html) return;
    // The sender's own pending message gives way to the stored one; a client_id is the
    // sender's choice, so it is compared, never put into a selector.
    const mine =
      data.author?.id === kring.me && data.client_id
        ? [...log.querySelectorAll(".chat-message[data-client-id]:not([data-owner])")].find(
            (item) => item.dataset.clientId === data.client_id,
          )
        : null;
    const shown = log.querySelector(`[data-message-id="${data.id}"][data-owner]`);
    if (shown) {
      mine?.remove();
      return;
    }
    const item = items.item(frame.html, log);
    if (mine) mine.replaceWith(item);
    else log.append(item);
    if (data.author && data.author.id !== kring.me) {
      typingLine.textContent = "";
    }
    scrollDown();
    markRead();
  });

  for (const kind of ["message.updated", "message.deleted"]) {
    kring.on(kind, (frame) => {
      const shown = log.querySelector(`[data-message-id="${frame.data.id}"][data-owner]`);
      if (shown && frame.html) items.replace(shown, frame.html);
    });
  }

  kring.on("chat.read", (frame) => {
    const data = frame.data;
    if (data.circle_id !== circleId || data.user.id === kring.me) return;
    seen.set(data.user.id, { name: data.user.name, message: data.message_id });
    const latest = newest();
    const names = [...seen.values()].filter((s) => s.message >= latest).map((s) => s.name);
    seenLine.textContent = names.length ? texts.seenBy.replace("{names}", names.join(", ")) : "";
  });

  const older = box.querySelector("[data-older-messages]");
  older?.addEventListener("click", async () => {
    const oldest = Math.min(...[...log.querySelectorAll("[data-message-id]")].map((li) => Number(li.dataset.messageId)));
    const response = await fetch(`/circles/${circleId}/chat?before=${oldest}`, { credentials: "same-origin" });
    if (!response.ok) return;
    const page = document.createRange().createContextualFragment(await response.text());
    items.prepare(page);
    log.prepend(page);
    if (response.headers.get("X-Kring-More") !== "yes") older.remove();
  });

  // Sends that failed while the server was away go again once it answers: same client_id, so
  // one that did arrive after all is not stored twice.
  kring.on("connected", () => {
    for (const item of log.querySelectorAll(".chat-message.failed [data-retry]")) item.click();
  });
  document.addEventListener("visibilitychange", markRead);
  scrollDown();
  markRead();
})();
