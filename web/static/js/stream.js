// The stream, live: the "new posts" bar, comments, reactions, edits and deletions in place,
// reactions without a page load, and retry-safe submits (client_id).
(() => {
  "use strict";
  const me = Number(document.getElementById("main")?.dataset.me || 0);

  // A submit retried after a timeout carries the same client_id: the server stores it once.
  // Delegated, so forms of items that arrive live behave as the page's own.
  const newId = () => (window.crypto?.randomUUID ? window.crypto.randomUUID() : `${Date.now()}-${Math.random()}`);
  for (const field of document.querySelectorAll("input[data-client-id]")) field.value = newId();
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    for (const field of form.querySelectorAll("input[data-client-id]")) field.value ||= newId();
    // After the other handlers: a form that script sends itself (the chat) stays usable.
    setTimeout(() => {
      if (event.defaultPrevented || form.classList.contains("reaction-form")) return;
      for (const button of form.querySelectorAll("button[type=submit]")) button.disabled = true;
    });
  });

  // A comment written on a card in the stream goes over the API, so the page stays where it is;
  // it then appears under the card through its live event. The form post is the fallback.
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("[data-inline-comment]")) return;
    const token = form.querySelector("input[name=csrf_token]")?.value;
    if (!token || !window.fetch) return;
    event.preventDefault();
    const field = form.querySelector("textarea[name=body]");
    const clientId = form.querySelector("input[data-client-id]")?.value || newId();
    const response = await fetch(new URL(form.action).pathname.replace(/^\/posts/, "/api/v1/posts"), {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      credentials: "same-origin",
      body: JSON.stringify({ body: field.value, client_id: clientId }),
    }).catch(() => null);
    for (const button of form.querySelectorAll("button[type=submit]")) button.disabled = false;
    if (response?.ok) {
      field.value = "";
      for (const id of form.querySelectorAll("input[data-client-id]")) id.value = newId();
    } else {
      form.submit(); // the server says what went wrong, on a page of its own
    }
  });

  // Reactions: toggle over the API, keep the form as the fallback.
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    const button = event.submitter;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("reaction-form") || !button?.dataset.emoji) return;
    event.preventDefault();
    const [, kind, id] = new URL(form.action).pathname.split("/");
    const emoji = button.dataset.emoji;
    const on = button.getAttribute("aria-pressed") !== "true";
    const response = await fetch(`/api/v1/${kind}/${id}/reactions/${emoji}`, {
      method: on ? "PUT" : "DELETE",
      headers: { "X-CSRF-Token": form.elements.csrf_token.value },
      credentials: "same-origin",
    });
    if (response.ok) {
      const summary = await response.json();
      showReactions(`${kind.replace(/s$/, "")}:${id}`, summary.counts, summary.mine);
    }
  });

  function showReactions(target, counts, mine) {
    for (const bar of document.querySelectorAll(`[data-reactions-for="${target}"]`)) {
      for (const button of bar.querySelectorAll("button[data-emoji]")) {
        const name = button.dataset.emoji;
        const count = counts[name] || 0;
        button.querySelector(".count").textContent = count ? String(count) : "";
        button.classList.toggle("empty", !count);
        if (mine) {
          const pressed = mine.includes(name);
          button.classList.toggle("mine", pressed);
          button.setAttribute("aria-pressed", String(pressed));
        }
      }
    }
  }

  // The post is in front of the colleague: a view of news or a blog post counts once, and their
  // notifications about it are read in every tab. A POST, since a GET changes nothing.
  const viewed = document.querySelector("[data-post-page]");
  const token = document.querySelector("input[name=csrf_token]")?.value;
  if (viewed && token) {
    fetch(`/api/v1/posts/${viewed.dataset.postPage}/views`, {
      method: "POST",
      headers: { "X-CSRF-Token": token },
      credentials: "same-origin",
    });
  }

  const kring = window.kring;
  if (!kring) return;
  const streamBox = document.querySelector("[data-stream]");
  const items = document.querySelector("[data-stream-items]");
  const bar = document.querySelector("[data-new-posts]");
  const postPage = Number(document.querySelector("[data-post-page]")?.dataset.postPage || 0);
  const waiting = new Set();

  function topId() {
    const first = items?.querySelector("[data-post-id]");
    return first ? Number(first.dataset.postId) : 0;
  }

  function belongs(post) {
    if (!streamBox) return false;
    const filter = streamBox.dataset.filter;
    if (filter === "news") return post.kind === "news" || post.kind === "blog";
    if (filter === "circles") return post.kind === "post";
    if (filter === "circle") return post.circle && String(post.circle.id) === streamBox.dataset.circle;
    return true;
  }

  function showBar() {
    if (!bar) return;
    const count = waiting.size;
    bar.hidden = count === 0;
    bar.textContent = count === 1 ? bar.dataset.one : bar.dataset.many.replace("{n}", String(count));
    // The tab's title counts them too: a reader in another tab sees that the stream moved.
    window.kringTitle?.setStream(count);
  }

  kring.on("post.created", (frame) => {
    const post = frame.data;
    if (!items || !belongs(post) || post.id <= topId()) return;
    waiting.add(post.id);
    showBar();
  });

  bar?.addEventListener("click", async () => {
    const params = new URLSearchParams({ after: String(topId()), filter: streamBox.dataset.filter });
    if (streamBox.dataset.circle) params.set("circle", streamBox.dataset.circle);
    const response = await fetch(`/stream/items?${params}`, { credentials: "same-origin" });
    if (!response.ok) return;
    const fragment = document.createRange().createContextualFragment(await response.text());
    items.prepend(fragment);
    waiting.clear();
    showBar();
    // The new posts sit below the pinned news: take the reader to them.
    const first = items.querySelector("[data-post-id]");
    if (first) {
      if (!first.hasAttribute("tabindex")) first.setAttribute("tabindex", "-1");
      first.focus({ preventScroll: true });
      first.scrollIntoView({ block: "start", behavior: "smooth" });
    }
  });

  kring.on("post.updated", (frame) => {
    for (const card of document.querySelectorAll(`[data-post-id="${frame.data.id}"]`)) {
      const body = card.querySelector("[data-post-body]");
      // A card showing the opening of a long text keeps it: the whole text is behind "Read more".
      if (body && !body.classList.contains("post-excerpt")) body.innerHTML = frame.data.html; // sanitised by the server (nh3) when stored
      const edited = card.querySelector(".edited");
      if (edited) edited.hidden = false;
    }
  });

  kring.on("post.deleted", (frame) => {
    waiting.delete(frame.data.id);
    showBar();
    for (const card of document.querySelectorAll(`[data-post-id="${frame.data.id}"]`)) card.remove();
    if (postPage === frame.data.id) window.location.assign("/");
  });

  function bumpComments(postId, delta) {
    for (const count of document.querySelectorAll(`[data-post-id="${postId}"] [data-comment-count]`)) {
      count.textContent = String(Math.max(0, Number(count.textContent) + delta));
    }
  }

  kring.on("comment.created", (frame) => {
    const comment = frame.data;
    bumpComments(comment.post_id, 1);
    const list =
      postPage === comment.post_id
        ? document.querySelector("[data-comments]")
        : document.querySelector(`[data-post-id="${comment.post_id}"] [data-card-comments]`);
    if (!list || !frame.html || list.querySelector(`[data-comment-id="${comment.id}"]`)) return;
    const item = window.kringItems?.item(frame.html, list);
    if (!item) return;
    const thread = comment.parent_id
      ? [...list.querySelectorAll(`[data-comment-id="${comment.parent_id}"], [data-parent-id="${comment.parent_id}"]`)].pop()
      : null;
    if (thread) thread.after(item);
    else list.append(item);
  });

  kring.on("comment.updated", (frame) => {
    const shown = document.querySelector(`[data-comment-id="${frame.data.id}"]`);
    if (!shown || !frame.html) return;
    // The event's markup is the same for every state; whether it is the accepted answer stays.
    const accepted = shown.classList.contains("accepted");
    window.kringItems?.replace(shown, frame.html)?.classList.toggle("accepted", accepted);
  });

  // A question (services/questions.py): the badge on every card of the post and, on the post's
  // page, the accepted answer first with its replies, marked; the other threads in their order.
  function showQuestion(postId, question, acceptedId) {
    for (const badge of document.querySelectorAll(`[data-post-id="${postId}"] [data-question-badge]`)) {
      badge.hidden = !question;
      badge.classList.toggle("answered", Boolean(acceptedId));
      badge.textContent = acceptedId ? badge.dataset.answered : badge.dataset.open;
    }
    const list = postPage === postId ? document.querySelector("[data-comments]") : null;
    if (!list) return;
    list.toggleAttribute("data-question", question);
    const threads = new Map();
    for (const item of list.querySelectorAll(":scope > [data-comment-id]")) {
      const top = Number(item.dataset.parentId || item.dataset.commentId);
      if (!threads.has(top)) threads.set(top, []);
      threads.get(top).push(item);
      if (!item.dataset.parentId) item.classList.toggle("accepted", top === acceptedId);
    }
    const order = [...threads.keys()].sort((a, b) => (b === acceptedId) - (a === acceptedId) || a - b);
    for (const top of order) list.append(...threads.get(top));
  }

  kring.on("question.marked", (frame) => {
    showQuestion(frame.data.post_id, frame.data.question, frame.data.accepted_comment_id);
  });

  kring.on("answer.accepted", (frame) => {
    showQuestion(frame.data.post_id, true, frame.data.comment_id);
  });

  kring.on("comment.deleted", (frame) => {
    bumpComments(frame.data.post_id, -1 - (frame.data.replies || []).length);
    for (const id of [frame.data.id, ...(frame.data.replies || [])]) {
      document.querySelector(`[data-comment-id="${id}"]`)?.remove();
    }
  });

  kring.on("reaction.updated", (frame) => {
    const data = frame.data;
    let mine = null;
    if (data.user_id === me) {
      const pressed = [...document.querySelectorAll(`[data-reactions-for="${data.target}"] button.mine`)].map(
        (b) => b.dataset.emoji,
      );
      mine = data.on ? [...new Set([...pressed, data.emoji])] : pressed.filter((e) => e !== data.emoji);
    }
    showReactions(data.target, data.counts, mine);
  });
})();
