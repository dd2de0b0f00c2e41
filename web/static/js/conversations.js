// The "new conversation" form: a filter box narrows the list of colleagues to tick. Without
// script the whole list is shown, so the form works the same.
(() => {
  "use strict";
  const filter = document.querySelector("[data-colleague-filter]");
  if (!filter) return;
  const rows = [...document.querySelectorAll(".colleague-choices li[data-name]")];
  filter.hidden = false;
  filter.addEventListener("input", () => {
    const wanted = filter.value.trim().toLowerCase();
    // A ticked colleague stays in sight, so the choice so far is never hidden.
    for (const row of rows) row.hidden = Boolean(wanted) && !row.dataset.name.includes(wanted) && !row.querySelector("input").checked;
  });
})();

// The list follows new messages: a direct message moves the reader's badge (badge.changed on
// their own topic) and reading one elsewhere moves their marker (chat.read); either way the
// server renders the list again, so it looks exactly as on a page load.
(() => {
  "use strict";
  const kring = window.kring;
  const box = document.querySelector("[data-conversations]");
  if (!kring || !box) return;
  let loading = null;

  async function reload() {
    const response = await fetch(location.pathname, { credentials: "same-origin" });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html").querySelector("[data-conversations]");
    if (fresh) box.replaceChildren(...fresh.childNodes);
  }

  function refresh(frame) {
    if (frame.topic !== `user:${kring.me}`) return;
    // One reload at a time; a change during it is in the next one.
    loading = (loading || Promise.resolve()).then(reload).catch(() => {});
  }

  kring.on("badge.changed", refresh);
  kring.on("chat.read", refresh);
})();
