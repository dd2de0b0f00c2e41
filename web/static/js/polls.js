// Polls: the composer's poll fields behind a button, a vote and closing over the API (the form
// posts are the fallback), and live results from `poll.updated` in every tab showing the poll.
(() => {
  "use strict";
  const MAX_OPTIONS = 10;

  // -- the composer -----------------------------------------------------------------------------
  for (const fields of document.querySelectorAll("[data-poll-fields]")) {
    const button = fields.parentElement.querySelector("[data-poll-add]");
    if (!button) continue;
    // Folded away and disabled, so an empty poll is never sent; the button unfolds it.
    fields.hidden = true;
    fields.disabled = true;
    button.hidden = false;
    button.addEventListener("click", () => {
      const open = fields.hidden;
      fields.hidden = !open;
      fields.disabled = !open;
      button.setAttribute("aria-expanded", String(open));
      if (open) fields.querySelector("[data-poll-question]")?.focus();
    });
    const list = fields.querySelector("[data-poll-option-list]");
    const more = fields.querySelector("[data-poll-more]");
    more?.addEventListener("click", () => {
      const items = list.querySelectorAll("li");
      if (items.length >= MAX_OPTIONS) return;
      const copy = items[items.length - 1].cloneNode(true);
      const input = copy.querySelector("input");
      input.value = "";
      const label = copy.querySelector("label");
      label.firstChild.textContent = label.firstChild.textContent.replace(/\d+/, String(items.length + 1));
      list.append(copy);
      input.focus();
      more.hidden = items.length + 1 >= MAX_OPTIONS;
    });
  }

  // -- showing a poll -----------------------------------------------------------------------------
  function closeSection(section, text) {
    section.classList.add("closed");
    for (const input of section.querySelectorAll("input[name=option]")) input.disabled = true;
    section.querySelector("[data-poll-submit]")?.setAttribute("hidden", "");
    section.querySelector("[data-poll-close]")?.setAttribute("hidden", "");
    const state = section.querySelector("[data-poll-state]");
    if (state) state.textContent = text;
  }

  function show(poll, mine) {
    const total = poll.options.reduce((sum, o) => sum + o.votes, 0);
    for (const section of document.querySelectorAll(`[data-poll-id="${poll.id}"]`)) {
      for (const option of poll.options) {
        const row = section.querySelector(`[data-option-id="${option.id}"]`);
        if (!row) continue;
        row.querySelector("[data-poll-count]").textContent = String(option.votes);
        const bar = row.querySelector("[data-poll-bar]");
        bar.max = Math.max(total, 1);
        bar.value = option.votes;
        const names = row.querySelector("[data-poll-names]");
        if (names) names.textContent = (option.voters || []).map((p) => p.name).join(", ");
        if (mine) row.querySelector("input[name=option]").checked = mine.includes(option.id);
      }
      section.querySelector("[data-poll-voters]").textContent = String(poll.voters);
      if (poll.closed) closeSection(section, section.querySelector("[data-poll-status]").dataset.closedText);
    }
  }

  // A poll past its closing time closes on the page by itself; the server refuses late votes.
  for (const section of document.querySelectorAll("[data-closes-at]")) watchClosing(section);
  function watchClosing(section) {
    const wait = new Date(section.dataset.closesAt).getTime() - Date.now();
    if (wait > 2 ** 31 - 1) return;
    setTimeout(() => closeSection(section, section.querySelector("[data-poll-status]").dataset.closedText), Math.max(wait, 0));
  }
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (node instanceof Element) for (const s of node.querySelectorAll("[data-closes-at]")) watchClosing(s);
      }
    }
  }).observe(document.body, { childList: true, subtree: true });

  async function send(form, url, method, body) {
    const token = form.querySelector("input[name=csrf_token]")?.value;
    if (!token || !window.fetch) return null;
    const response = await fetch(url, {
      method,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    }).catch(() => null);
    return response;
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    const section = form.closest("[data-poll-id]");
    if (!section || !(form.matches("[data-poll-form]") || form.matches("[data-poll-close]"))) return;
    event.preventDefault();
    const id = section.dataset.pollId;
    let response;
    if (form.matches("[data-poll-form]")) {
      const options = [...form.querySelectorAll("input[name=option]:checked")].map((i) => Number(i.value));
      response = await send(form, `/api/v1/polls/${id}/vote`, "PUT", { options });
    } else {
      response = await send(form, `/api/v1/polls/${id}/close`, "POST");
    }
    for (const button of form.querySelectorAll("button")) button.disabled = false;
    if (response?.ok) {
      const poll = await response.json();
      show(poll, poll.mine);
    } else {
      HTMLFormElement.prototype.submit.call(form); // the server says what went wrong, on a page
    }
  });

  window.kring?.on("poll.updated", (frame) => show(frame.data.poll, null));
})();
