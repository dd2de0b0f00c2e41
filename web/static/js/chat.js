// The circle chat, live: sending with a pending state (retried with the same client_id, so a
// message is stored once), typing, read markers ("seen by") and the unread count; and the chat
// as people know it from chat apps: Enter sends, one author's run of messages grouped under one
// author line, a date between days, "New messages" above the first unread one, older messages
// loaded on scrolling up, reactions and actions in small menus.
(() => {
  "use strict";
  const box = document.querySelector("[data-chat]");
  const kring = window.kring;
  if (!box || !kring || !window.kringItems) return;
  const circleId = Number(box.dataset.chat);
  const topic = `circle:${circleId}`;
  const log = box.querySelector("[data-chat-log]");
  const form = box.querySelector("[data-chat-form]");
  const area = form?.elements.body;
  const texts = box.querySelector("[data-texts]").dataset;
  const typingLine = box.querySelector("[data-typing]");
  const seenLine = box.querySelector("[data-seen]");
  const token = form?.elements.csrf_token.value || document.querySelector("input[name=csrf_token]")?.value;
  const seen = new Map(); // user id -> {name, message}
  const readAtLoad = Number(box.dataset.lastRead || 0);
  let lastRead = readAtLoad;
  const replying = box.querySelector("[data-replying]");
  const pendingTemplate = box.querySelector("[data-pending-message]");
  const items = window.kringItems;
  const lang = document.documentElement.lang || undefined;
  const GROUP_MS = 5 * 60 * 1000; // one author's messages this close together share an author line
  let replyTo = null;
  let typingTimer = null;
  let lastTyping = 0;

  const newId = () => (window.crypto?.randomUUID ? window.crypto.randomUUID() : `${Date.now()}-${Math.random()}`);
  const messages = () => [...log.querySelectorAll(".chat-message")];
  const newest = () => Math.max(0, ...[...log.querySelectorAll("[data-message-id]")].map((li) => Number(li.dataset.messageId)));
  const atBottom = () => log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  const scrollDown = () => {
    log.scrollTop = log.scrollHeight;
  };

  function api(method, path, body) {
    return fetch(path, {
      method,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  // -- grouping and days ------------------------------------------------------------------------

  const dayFormat = new Intl.DateTimeFormat(lang, { weekday: "long", day: "numeric", month: "long" });
  const dayFormatWithYear = new Intl.DateTimeFormat(lang, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
  const dayKey = (date) => `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;

  function dayLabel(date) {
    const today = new Date();
    const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
    if (dayKey(date) === dayKey(today)) return texts.today;
    if (dayKey(date) === dayKey(yesterday)) return texts.yesterday;
    return (date.getFullYear() === today.getFullYear() ? dayFormat : dayFormatWithYear).format(date);
  }

  function sentAt(item) {
    const time = item.querySelector("time[datetime]");
    return time ? new Date(time.dateTime) : new Date(); // a pending message is being sent now
  }

  // The lines between messages come from the page's templates, as the messages do.
  const line = (name) => box.querySelector(`template[${name}]`).content.firstElementChild.cloneNode(true);

  function dayLine(date) {
    const day = line("data-chat-day");
    const label = dayLabel(date);
    day.setAttribute("aria-label", label);
    day.querySelector("[data-label]").textContent = label;
    return day;
  }

  // Redrawn over the whole log after every change (a page holds a few hundred lines at most), so
  // live, older and edited messages follow the same rule as those the page came with.
  function arrange() {
    for (const line of log.querySelectorAll(".chat-day")) line.remove();
    let previous = null;
    for (const item of messages()) {
      const at = sentAt(item);
      const owner = item.dataset.owner || String(kring.me); // pending ones are mine
      const newDay = !previous || dayKey(previous.at) !== dayKey(at);
      if (newDay) {
        const above = item.previousElementSibling?.classList.contains("chat-unread") ? item.previousElementSibling : item;
        above.before(dayLine(at));
      }
      const follows =
        previous &&
        !newDay &&
        previous.owner === owner &&
        at - previous.at < GROUP_MS &&
        !item.classList.contains("has-quote") &&
        item.previousElementSibling?.classList.contains("chat-message");
      item.classList.toggle("grouped", Boolean(follows));
      previous = { at, owner };
    }
  }

  // "New messages" above the first message by someone else after the marker the page came with.
  function markFirstUnread() {
    if (box.dataset.member !== "yes") return null;
    const first = messages().find(
      (item) => Number(item.dataset.messageId) > readAtLoad && Number(item.dataset.owner) !== kring.me,
    );
    if (!first) return null;
    const divider = line("data-chat-unread");
    first.before(divider);
    return divider;
  }

  // -- menus: reactions and actions ---------------------------------------------------------------

  function closePopups(except) {
    for (const open of log.querySelectorAll("details.chat-popup[open]")) {
      if (open !== except) open.open = false;
    }
  }

  log.addEventListener(
    "toggle",
    (event) => {
      if (event.target.matches?.("details.chat-popup") && event.target.open) {
        closePopups(event.target);
        event.target.querySelector(".chat-popup-body button:not([hidden])")?.focus();
      }
    },
    true,
  );

  document.addEventListener("click", (event) => {
    if (!event.target.closest("details.chat-popup")) closePopups(null);
  });

  log.addEventListener("keydown", (event) => {
    const popup = event.target.closest("details.chat-popup[open]");
    if (!popup) return;
    const buttons = [...popup.querySelectorAll(".chat-popup-body button:not([hidden])")];
    const at = buttons.indexOf(event.target);
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      popup.open = false;
      popup.querySelector("summary").focus();
    } else if (at >= 0 && ["ArrowDown", "ArrowRight", "ArrowUp", "ArrowLeft"].includes(event.key)) {
      event.preventDefault();
      const step = event.key === "ArrowDown" || event.key === "ArrowRight" ? 1 : -1;
      buttons[(at + step + buttons.length) % buttons.length].focus();
    }
  });

  // A long press on a message (touch) shows its tools, as a hover does with a mouse.
  let pressTimer = null;
  log.addEventListener("pointerdown", (event) => {
    if (event.pointerType !== "touch") return;
    const item = event.target.closest(".chat-message[data-message-id]");
    if (!item || event.target.closest("button, a, summary, textarea")) return;
    clearTimeout(pressTimer);
    pressTimer = setTimeout(() => {
      for (const other of log.querySelectorAll(".chat-message.show-tools")) other.classList.remove("show-tools");
      item.classList.add("show-tools");
      const picker = item.querySelector("details.chat-picker:not([hidden])");
      if (picker) picker.open = true;
    }, 500);
  });
  for (const kind of ["pointerup", "pointercancel", "pointermove"]) {
    log.addEventListener(kind, () => clearTimeout(pressTimer));
  }

  // -- reply, edit, delete, react -----------------------------------------------------------------

  log.addEventListener("click", async (event) => {
    const pick = event.target.closest("[data-pick-emoji]");
    if (pick) {
      // The message's reaction form sends it (stream.js), so counts and "mine" stay in one place.
      const bar = pick.closest(".chat-message")?.querySelector("[data-reactions-for]");
      bar?.querySelector(`button[data-emoji="${CSS.escape(pick.dataset.pickEmoji)}"]`)?.click();
      pick.closest("details").open = false;
      return;
    }
    const control = event.target.closest("[data-chat-reply], [data-chat-edit], [data-chat-delete], [data-chat-edit-cancel]");
    const item = control?.closest("[data-message-id]");
    if (!item) return;
    control.closest("details")?.removeAttribute("open");
    const id = Number(item.dataset.messageId);
    const editor = item.querySelector("[data-chat-edit-form]");
    if (control.hasAttribute("data-chat-reply")) {
      replyTo = id;
      replying.hidden = false;
      replying.querySelector("span").textContent = texts.replyingTo.replace(
        "{name}",
        item.querySelector(".chat-author")?.textContent || "",
      );
      area?.focus();
    } else if (control.hasAttribute("data-chat-edit")) {
      editor.hidden = false;
      editor.elements.body.focus();
    } else if (control.hasAttribute("data-chat-edit-cancel")) {
      editor.hidden = true;
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

  // -- reading ------------------------------------------------------------------------------------

  // Read means seen: the chat is on screen in the tab the colleague is looking at.
  const looking = () => !document.hidden && document.hasFocus();

  function markRead() {
    const id = newest();
    if (!token || box.dataset.member !== "yes" || id <= lastRead || !looking()) return;
    lastRead = id;
    api("POST", `/api/v1/circles/${circleId}/read`, { message_id: id });
  }

  // -- sending ------------------------------------------------------------------------------------

  async function send(item, body, clientId, replyId, attachments, poll) {
    item.classList.remove("failed");
    item.querySelector("[data-state-text]").textContent = texts.pending;
    item.querySelector("[data-retry]").hidden = true;
    let response;
    try {
      response = await api("POST", `/api/v1/circles/${circleId}/messages`, {
        body,
        client_id: clientId,
        reply_to_id: replyId,
        attachments,
        poll,
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

  // The box grows with what is typed, up to a few lines, then scrolls.
  function fit() {
    if (!area) return;
    area.style.height = "auto";
    const lines = parseFloat(getComputedStyle(area).lineHeight) || 20;
    area.style.height = `${Math.min(area.scrollHeight + 2, lines * 6 + 16)}px`;
  }

  form?.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = area.value.trim();
    // Photos and files uploaded into the form (attachments.js) go with the message.
    const attachments = [...form.querySelectorAll("input[name=attachments]:not([disabled])")].map((input) => Number(input.value));
    // And the poll of its poll fields, when they are filled in (polls.js).
    const poll = window.kringPolls?.draft(form) || null;
    if (form.dataset.uploading || (!body && !attachments.length && !poll)) return;
    const clientId = newId();
    const item = pendingTemplate.content.firstElementChild.cloneNode(true);
    item.dataset.clientId = clientId;
    item.querySelector("[data-message-body]").textContent = body || (poll ? `📊 ${poll.question}` : "📎");
    const replyId = replyTo;
    item.sending = () => send(item, body, clientId, replyId, attachments, poll);
    window.kringAttachments?.clear(form);
    window.kringPolls?.fold(form);
    log.append(item);
    arrange();
    scrollDown();
    area.value = "";
    fit();
    area.focus();
    item.sending();
    replyTo = null;
    replying.hidden = true;
  });

  // Enter sends (Ctrl/Cmd+Enter too), Shift+Enter is a new line; never while an input method is
  // composing (Japanese, Chinese, dead keys), nor when the mention list took the Enter.
  const sends = (event) =>
    event.key === "Enter" && !event.shiftKey && !event.altKey && !event.isComposing && event.keyCode !== 229 && !event.defaultPrevented;

  area?.addEventListener("keydown", (event) => {
    if (!sends(event)) return;
    event.preventDefault();
    form.requestSubmit();
  });

  log.addEventListener("keydown", (event) => {
    const editor = event.target.closest("[data-chat-edit-form]");
    if (!editor || event.target.name !== "body") return;
    if (event.key === "Escape") {
      editor.hidden = true;
    } else if (sends(event)) {
      event.preventDefault();
      editor.requestSubmit();
    }
  });

  area?.addEventListener("input", () => {
    fit();
    const now = Date.now();
    if (now - lastTyping > 2000) {
      lastTyping = now;
      kring.send({ op: "typing", topic });
    }
  });

  // -- live ---------------------------------------------------------------------------------------

  kring.on("typing", (frame) => {
    if (frame.topic !== topic || frame.data.user.id === kring.me) return;
    typingLine.textContent = texts.typingOne.replace("{name}", frame.data.user.name);
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => (typingLine.textContent = ""), 4000);
  });

  kring.on("message.created", (frame) => {
    const data = frame.data;
    if (data.circle_id !== circleId || !frame.html) return;
    const following = atBottom();
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
      arrange();
      return;
    }
    const item = items.item(frame.html, log);
    if (mine) mine.replaceWith(item);
    else log.append(item);
    if (data.author && data.author.id !== kring.me) {
      typingLine.textContent = "";
    }
    arrange();
    if (following || mine) scrollDown();
    markRead();
  });

  for (const kind of ["message.updated", "message.deleted"]) {
    kring.on(kind, (frame) => {
      const shown = log.querySelector(`[data-message-id="${frame.data.id}"][data-owner]`);
      if (!shown || !frame.html) return;
      const grouped = shown.classList.contains("grouped");
      items.replace(shown, frame.html).classList.toggle("grouped", grouped);
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

  // -- older messages -----------------------------------------------------------------------------

  const older = box.querySelector("[data-older-messages]");
  let loading = false;
  async function loadOlder() {
    if (loading || !older?.isConnected) return;
    loading = true;
    try {
      const oldest = Math.min(...[...log.querySelectorAll("[data-message-id]")].map((li) => Number(li.dataset.messageId)));
      const response = await fetch(`/circles/${circleId}/chat?before=${oldest}`, { credentials: "same-origin" });
      if (!response.ok) return;
      const page = document.createRange().createContextualFragment(await response.text());
      items.prepare(page);
      const fromBottom = log.scrollHeight - log.scrollTop; // keep what was read in place
      log.prepend(page);
      arrange();
      log.scrollTop = log.scrollHeight - fromBottom;
      if (response.headers.get("X-Kring-More") !== "yes") older.remove();
    } finally {
      loading = false;
    }
  }
  older?.addEventListener("click", loadOlder);
  log.addEventListener("scroll", () => {
    if (log.scrollTop < 60) loadOlder();
  });

  // Sends that failed while the server was away go again once it answers: same client_id, so
  // one that did arrive after all is not stored twice.
  kring.on("connected", () => {
    for (const item of log.querySelectorAll(".chat-message.failed [data-retry]")) item.click();
  });
  document.addEventListener("visibilitychange", markRead);
  window.addEventListener("focus", markRead);

  arrange();
  const divider = markFirstUnread();
  if (divider) log.scrollTop = Math.max(0, divider.offsetTop - 8); // the log is positioned: offsets are within it
  else scrollDown();
  fit();
  markRead();
})();
