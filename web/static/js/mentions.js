// @mention autocomplete for every Markdown text area marked data-mentions: typing @ and a few
// letters lists matching colleagues; arrow keys move, Enter or Tab picks, Escape closes.
(() => {
  "use strict";
  let counter = 0;

  // Text areas of items that arrive live (a comment's reply box) get it when first focused.
  const attached = new WeakSet();
  for (const area of document.querySelectorAll("textarea[data-mentions]")) attach(area);
  document.addEventListener("focusin", (event) => {
    if (event.target instanceof HTMLTextAreaElement && event.target.matches("[data-mentions]")) attach(event.target);
  });

  function attach(area) {
    if (attached.has(area)) return;
    attached.add(area);
    const list = document.createElement("ul");
    list.className = "mention-list";
    list.id = `mention-list-${++counter}`;
    list.setAttribute("role", "listbox");
    list.hidden = true;
    area.after(list);
    area.setAttribute("aria-autocomplete", "list");
    area.setAttribute("aria-controls", list.id);
    let people = [];
    let active = -1;
    let asked = 0;

    function term() {
      const before = area.value.slice(0, area.selectionStart);
      const match = /(?:^|\s)@([\p{L}0-9._-]{2,40})$/u.exec(before);
      return match ? match[1] : null;
    }

    function close() {
      list.hidden = true;
      people = [];
      active = -1;
      area.removeAttribute("aria-activedescendant");
    }

    function show() {
      list.replaceChildren();
      people.forEach((person, index) => {
        const option = document.createElement("li");
        option.id = `${list.id}-${index}`;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", String(index === active));
        option.textContent = `${person.name} (@${person.handle})`;
        option.addEventListener("mousedown", (event) => {
          event.preventDefault();
          pick(index);
        });
        list.append(option);
      });
      list.hidden = people.length === 0;
      if (active >= 0) area.setAttribute("aria-activedescendant", `${list.id}-${active}`);
    }

    function pick(index) {
      const person = people[index];
      const typed = term();
      if (!person || typed === null) return close();
      const start = area.selectionStart - typed.length - 1;
      area.setRangeText(`@${person.handle} `, start, area.selectionStart, "end");
      close();
      area.focus();
    }

    area.addEventListener("input", async () => {
      const typed = term();
      if (typed === null) return close();
      const ticket = ++asked;
      const response = await fetch(`/api/v1/people?q=${encodeURIComponent(typed)}&limit=6`, {
        credentials: "same-origin",
      });
      if (!response.ok || ticket !== asked) return;
      people = (await response.json()).items;
      active = people.length ? 0 : -1;
      show();
    });

    area.addEventListener("keydown", (event) => {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        active = (active + step + people.length) % people.length;
        show();
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        pick(active);
      } else if (event.key === "Escape") {
        close();
      }
    });
    area.addEventListener("blur", () => setTimeout(close, 150));
  }
})();
