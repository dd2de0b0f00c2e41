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
    // With a poll the text may be empty: the box the form requires is not required meanwhile.
    const text = fields.form?.querySelector("textarea[name=body][required]");
    button.addEventListener("click", () => {
      const open = fields.hidden;
      fields.hidden = !open;
      fields.disabled = !open;
      if (text) text.required = !open;
      button.setAttribute("aria-expanded", String(open));
      if (open) fields.querySelector("[data-poll-question]")?.focus();
    });
    // Enter in a poll's field goes on to the next one: a half-written poll is not sent by it.
    fields.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.isComposing || !event.target.matches("input[data-poll-question], input[data-poll-option]")) return;
      event.preventDefault();
      const inputs = [...fields.querySelectorAll("input[data-poll-question], input[data-poll-option]")];
      inputs[inputs.indexOf(event.target) + 1]?.focus();
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

  // The chat sends its messages as JSON (chat.js): the poll of its unfolded fields, as the API
  // takes it, or null; then the fields are emptied and folded for the next message.
  function draft(form) {
    const fields = form.querySelector("[data-poll-fields]");
    if (!fields || fields.disabled) return null;
    const question = fields.querySelector("[data-poll-question]").value.trim();
    const options = [...fields.querySelectorAll("[data-poll-option]")].map((i) => i.value.trim()).filter(Boolean);
    if (!question && !options.length) return null;
    const closes = fields.querySelector("input[name=poll_closes_at]").value;
    return {
      question,
      options,
      max_choices: fields.querySelector("input[name=poll_multiple]").checked ? Math.max(options.length, 1) : 1,
      anonymous: fields.querySelector("input[name=poll_anonymous]").checked,
      // A datetime-local field is the colleague's own clock; the API wants its time zone.
      closes_at: closes ? new Date(closes).toISOString() : null,
    };
  }

  function fold(form) {
    const fields = form.querySelector("[data-poll-fields]");
    if (!fields || fields.disabled) return;
    for (const input of fields.querySelectorAll("input:not([type=hidden])")) {
      if (input.type === "checkbox") input.checked = false;
      else input.value = "";
    }
    form.querySelector("[data-poll-add]")?.click();
  }

  window.kringPolls = { draft, fold };

  // -- showing a poll -----------------------------------------------------------------------------
  // The reader's own choices by poll id, known from the page (its ticked boxes) and from each vote's
  // answer: a message redrawn from its event (rendered the same for everyone) gets them back.
  const chosen = new Map();
  const learn = (root) => {
    for (const section of root.querySelectorAll("[data-poll-id]")) {
      const id = Number(section.dataset.pollId);
      if (chosen.has(id)) continue;
      chosen.set(id, [...section.querySelectorAll("input[name=option]:checked")].map((i) => Number(i.value)));
    }
  };
  learn(document);

  function tick(section) {
    const mine = chosen.get(Number(section.dataset.pollId));
    if (!mine) return;
    for (const input of section.querySelectorAll("input[name=option]")) input.checked = mine.includes(Number(input.value));
  }

  function closeSection(section, text) {
    section.classList.add("closed");
    for (const input of section.querySelectorAll("input[name=option]")) input.disabled = true;
    section.querySelector("[data-poll-submit]")?.setAttribute("hidden", "");
    section.querySelector("[data-poll-close]")?.setAttribute("hidden", "");
    const state = section.querySelector("[data-poll-state]");
    if (state) state.textContent = text;
  }

  function show(poll, mine) {
    // In a named poll the reader finds themself among the voters: a vote from their other tab
    // ticks here too, while someone else's vote leaves what they are ticking alone.
    if (!mine && !poll.anonymous && window.kring?.me) {
      const named = poll.options.filter((o) => (o.voters || []).some((p) => p.id === window.kring.me)).map((o) => o.id);
      if (String(named) !== String(chosen.get(poll.id) || [])) mine = named;
    }
    if (mine) chosen.set(poll.id, mine);
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
        if (!(node instanceof Element)) continue;
        for (const s of node.querySelectorAll("[data-closes-at]")) watchClosing(s);
        for (const s of node.querySelectorAll("[data-poll-id]")) tick(s);
        learn(node); // a page of older messages, rendered for this reader
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
