// The circle chat, live: sending with a pending state (retried with the same client_id, so a
// message is stored once), typing, read markers ("seen by") and the unread count.
(() => {
  "use strict";
  const box = document.querySelector("[data-chat]");
  const kring = window.kring;
  if (!box || !kring) return;
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
  const barTemplate = box.querySelector("[data-reaction-bar]");
  const isAdmin = box.dataset.admin === "yes";
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

  function button(label, action) {
    const control = document.createElement("button");
    control.type = "button";
    control.className = "small link-like";
    control.textContent = label;
    control.addEventListener("click", action);
    return control;
  }

  // Reply, edit and delete under a message; reactions come from the shared bar.
  function decorate(item) {
    item.querySelector(".chat-actions")?.remove();
    if (item.classList.contains("deleted") || box.dataset.member !== "yes") return;
    const id = Number(item.dataset.messageId);
    const mine = Number(item.dataset.authorId) === kring.me;
    const actions = document.createElement("div");
    actions.className = "chat-actions";
    actions.append(
      button(texts.reply, () => {
        replyTo = id;
        replying.hidden = false;
        replying.querySelector("span").textContent = texts.replyingTo.replace(
          "{name}",
          item.querySelector(".chat-author")?.textContent || "",
        );
        form?.elements.body.focus();
      }),
    );
    if (mine) {
      actions.append(
        button(texts.edit, () => {
          const body = item.querySelector("[data-message-body]");
          const area = document.createElement("textarea");
          area.value = item.dataset.body || "";
          area.setAttribute("aria-label", texts.edit);
          const save = button(texts.save, async () => {
            const response = await api("PATCH", `/api/v1/messages/${id}`, { body: area.value });
            if (response.ok) render(item, await response.json());
          });
          body.replaceChildren(area, save);
          area.focus();
        }),
      );
    }
    if (mine || isAdmin) {
      actions.append(
        button(texts.delete, async () => {
          if (window.confirm(texts.confirmDelete)) await api("DELETE", `/api/v1/messages/${id}`);
        }),
      );
    }
    item.append(actions);
  }

  replying?.querySelector("[data-cancel-reply]").addEventListener("click", () => {
    replyTo = null;
    replying.hidden = true;
  });

  function render(item, data) {
    item.className = `chat-message${data.deleted ? " deleted" : ""}`;
    item.dataset.messageId = String(data.id);
    item.dataset.authorId = data.author ? String(data.author.id) : "";
    item.dataset.body = data.body || "";
    if (data.client_id) item.dataset.clientId = data.client_id;
    item.replaceChildren();
    const author = document.createElement("span");
    author.className = "chat-author";
    author.textContent = data.author ? data.author.name : "";
    const time = document.createElement("time");
    time.className = "muted";
    time.dateTime = data.created_at;
    time.textContent = new Date(data.created_at).toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" });
    item.append(author, " ", time);
    if (data.reply_to) {
      const quote = document.createElement("blockquote");
      quote.className = "chat-quote";
      quote.textContent = `${data.reply_to.author}: ${data.reply_to.excerpt}`;
      item.append(quote);
    }
    const body = document.createElement("div");
    body.className = "chat-body";
    body.dataset.messageBody = "";
    if (data.deleted) {
      const gone = document.createElement("em");
      gone.textContent = texts.deleted;
      body.append(gone);
    } else {
      body.innerHTML = data.html; // sanitised by the server (nh3) when stored
    }
    item.append(body);
    if (!data.deleted && barTemplate) {
      const bar = barTemplate.content.cloneNode(true);
      for (const element of bar.querySelectorAll("[data-reactions-for]")) element.dataset.reactionsFor = `message:${data.id}`;
      for (const reactionForm of bar.querySelectorAll("form")) {
        // getAttribute: a form in a template's inert document has no resolved `action`.
        reactionForm.setAttribute("action", reactionForm.getAttribute("action").replace("/messages/0/", `/messages/${data.id}/`));
      }
      item.append(bar);
    }
    decorate(item);
  }

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
    item.querySelector(".chat-state").textContent = texts.pending;
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
    if (response && response.ok) {
      const data = await response.json();
      if (item.classList.contains("pending")) render(item, data); // the event may come later
      item.classList.remove("pending");
      return;
    }
    item.classList.add("failed");
    const state = item.querySelector(".chat-state");
    if (state) {
      state.textContent = "";
      const problem = response ? (await response.json().catch(() => null))?.error?.message : null;
      state.append(problem || texts.failed, " ");
      const retry = document.createElement("button");
      retry.type = "button";
      retry.className = "small";
      retry.dataset.retry = "";
      retry.textContent = texts.retry;
      retry.addEventListener("click", () => send(item, body, clientId, replyId));
      state.append(retry);
    }
  }

  form?.addEventListener("submit", (event) => {
    event.preventDefault();
    const area = form.elements.body;
    const body = area.value.trim();
    if (!body) return;
    const clientId = newId();
    const item = document.createElement("li");
    item.className = "chat-message pending";
    item.dataset.clientId = clientId;
    const text = document.createElement("div");
    text.className = "chat-body";
    text.textContent = body;
    const state = document.createElement("span");
    state.className = "muted chat-state";
    item.append(text, state);
    log.append(item);
    scrollDown();
    area.value = "";
    area.focus();
    send(item, body, clientId, replyTo);
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
    if (data.circle_id !== circleId) return;
    // Only the sender's own pending message is confirmed in place; a client_id is the sender's
    // choice, so it is compared, never put into a selector.
    const mine =
      data.author?.id === kring.me && data.client_id
        ? [...log.querySelectorAll(".chat-message.pending, .chat-message.failed")].find(
            (item) => item.dataset.clientId === data.client_id,
          )
        : null;
    if (log.querySelector(`[data-message-id="${data.id}"]`) && !mine) return;
    const item = mine || document.createElement("li");
    item.classList.remove("pending", "failed");
    render(item, data);
    if (!mine) log.append(item);
    if (data.author && data.author.id !== kring.me) {
      typingLine.textContent = "";
    }
    scrollDown();
    markRead();
  });

  for (const kind of ["message.updated", "message.deleted"]) {
    kring.on(kind, (frame) => {
      const item = log.querySelector(`[data-message-id="${frame.data.id}"]`);
      if (item) render(item, frame.data);
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
    const response = await fetch(`/api/v1/circles/${circleId}/messages?before=${oldest}&limit=50`, {
      credentials: "same-origin",
    });
    if (!response.ok) return;
    const page = await response.json();
    for (const data of page.items) {
      const item = document.createElement("li");
      render(item, data);
      log.prepend(item);
    }
    if (!page.next) older.remove();
  });

  for (const item of log.querySelectorAll("[data-message-id]")) decorate(item);
  for (const time of log.querySelectorAll("time[datetime]")) {
    time.textContent = new Date(time.dateTime).toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" });
  }
  // Sends that failed while the server was away go again once it answers: same client_id, so
  // one that did arrive after all is not stored twice.
  kring.on("connected", () => {
    for (const item of log.querySelectorAll(".chat-message.failed [data-retry]")) item.click();
  });
  document.addEventListener("visibilitychange", markRead);
  scrollDown();
  markRead();
})();
