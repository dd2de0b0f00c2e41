// Server-rendered items (web/templates/_items.html) on the page and as events bring them: the
// few things that differ per viewer, decided here from data attributes, never by markup built in
// script. A control with data-show-to="author moderator" shows when the item's data-owner is me
// or the nearest data-viewer lists a role it names (data-not-self: never on my own item); an
// item's forms get this page's CSRF token; times marked data-clock show in the browser's zone
// (without script, the server shows them in the organisation's).
(() => {
  "use strict";
  const me = Number(document.getElementById("main")?.dataset.me || 0);
  const token = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const lang = document.documentElement.lang;

  function prepare(root) {
    for (const control of root.querySelectorAll("[data-show-to]")) {
      const own = me > 0 && Number(control.closest("[data-owner]")?.dataset.owner) === me;
      const roles = new Set((control.closest("[data-viewer]")?.dataset.viewer || "").split(" ").filter(Boolean));
      if (own) roles.add("author");
      const granted = control.dataset.showTo.split(" ").some((role) => roles.has(role));
      control.hidden = !granted || (own && control.hasAttribute("data-not-self"));
    }
    for (const field of root.querySelectorAll('input[name="csrf_token"]')) {
      if (!field.value) field.value = token;
    }
    for (const time of root.querySelectorAll("time[data-clock]")) {
      time.textContent = new Date(time.dateTime).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
    }
  }

  // One item from an event's `html`, ready for `container`: its viewer roles apply to the item.
  function item(html, container) {
    const holder = document.createElement("template");
    holder.innerHTML = html; // rendered by the server from sanitised text (nh3) and escaped fields
    const element = holder.content.firstElementChild;
    if (!element) return null;
    const viewer = container?.closest("[data-viewer]")?.dataset.viewer;
    if (viewer !== undefined) element.dataset.viewer = viewer;
    prepare(element);
    return element;
  }

  // A fresh copy of an item replaces the shown one; its reactions stay, since an edit's event
  // does not carry them.
  function replace(shown, html) {
    const fresh = item(html, shown.parentElement);
    if (!fresh) return shown;
    const reactions = shown.querySelector("[data-reactions-for]");
    const empty = fresh.querySelector("[data-reactions-for]");
    if (reactions && empty) empty.replaceWith(reactions);
    shown.replaceWith(fresh);
    return fresh;
  }

  window.kringItems = { prepare, item, replace };
  prepare(document);
})();
