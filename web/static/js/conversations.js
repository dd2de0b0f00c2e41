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
