// The Markdown editor (`_editor.html`): a toolbar that writes the Markdown for the selection
// (bold, italic, heading, list, link, quote, picture), Ctrl/Cmd+B, I and K, a live preview that
// the server renders with the renderer that renders the text once sent, pictures pasted or
// dropped into the text (uploaded, then `![alt](url)` put where the cursor was), and the form's
// draft, kept on the server while typing and offered again after a reload.
// Markdown stays what is stored: the toolbar only types it, and typing it by hand still works.
(() => {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const PREVIEW_DELAY = 400; // ms after the last key
  const SAVE_DELAY = 1000;

  for (const root of document.querySelectorAll("[data-md-editor]")) attach(root);

  function attach(root) {
    const area = root.querySelector("[data-md-text]");
    const toolbar = root.querySelector("[data-md-toolbar]");
    const preview = root.querySelector("[data-md-preview]");
    const toggle = root.querySelector("[data-md-preview-toggle]");
    const status = root.querySelector("[data-md-status]");
    const file = root.querySelector("[data-md-file]");
    const text = (name) => root.dataset[`text${name}`] || "";
    if (!area || !toolbar) return;
    toolbar.hidden = false;

    // One tab stop for the whole toolbar; arrow keys move between its buttons (ARIA toolbar).
    const buttons = [...toolbar.querySelectorAll("button")];
    buttons.forEach((button, i) => (button.tabIndex = i === 0 ? 0 : -1));
    toolbar.addEventListener("keydown", (event) => {
      const at = buttons.indexOf(document.activeElement);
      if (at < 0) return;
      const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: buttons.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      const target = buttons[(next + buttons.length) % buttons.length];
      buttons[at].tabIndex = -1;
      target.tabIndex = 0;
      target.focus();
    });

    toolbar.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-md]");
      if (!button) return;
      if (button.dataset.md === "image") {
        file?.click();
        return;
      }
      format(button.dataset.md);
    });

    area.addEventListener("keydown", (event) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      const action = { b: "bold", i: "italic", k: "link" }[event.key.toLowerCase()];
      if (!action) return;
      event.preventDefault();
      format(action);
    });

    // Replaces the selection with `inserted` as typing would (so Ctrl+Z undoes it), then
    // selects `inserted`'s part from `from` to `to`.
    function replace(start, end, inserted, from, to) {
      area.focus();
      area.setSelectionRange(start, end);
      if (!document.execCommand?.("insertText", false, inserted)) {
        area.setRangeText(inserted, start, end, "end");
        area.dispatchEvent(new Event("input", { bubbles: true }));
      }
      area.setSelectionRange(start + from, start + to);
    }

    function wrap(mark, placeholder) {
      const { selectionStart: start, selectionEnd: end, value } = area;
      const chosen = value.slice(start, end);
      // Spaces selected by a double click stay outside the marks, where Markdown needs them.
      const inner = chosen.trim() || placeholder;
      const lead = chosen.length - chosen.trimStart().length;
      const tail = chosen.trim() ? chosen.length - chosen.trimEnd().length : 0;
      const before = chosen.slice(0, lead);
      const after = tail ? chosen.slice(chosen.length - tail) : "";
      const inserted = `${before}${mark}${inner}${mark}${after}`;
      replace(start, end, inserted, before.length + mark.length, before.length + mark.length + inner.length);
    }

    function prefixLines(prefix, placeholder) {
      const { value } = area;
      const start = value.lastIndexOf("\n", area.selectionStart - 1) + 1;
      let end = value.indexOf("\n", Math.max(area.selectionEnd - (area.selectionEnd > area.selectionStart ? 1 : 0), start));
      if (end < 0) end = value.length;
      const lines = value.slice(start, end).split("\n");
      const done = lines.every((line) => line.startsWith(prefix));
      const changed = lines.map((line) => (done ? line.slice(prefix.length) : prefix + (line || placeholder))).join("\n");
      replace(start, end, changed, 0, changed.length);
    }

    function format(action) {
      if (action === "bold") wrap("**", text("Bold"));
      else if (action === "italic") wrap("_", text("Italic"));
      else if (action === "heading") prefixLines("## ", text("Heading"));
      else if (action === "list") prefixLines("- ", "");
      else if (action === "quote") prefixLines("> ", "");
      else if (action === "link") {
        const { selectionStart: start, selectionEnd: end, value } = area;
        const label = value.slice(start, end).trim() || text("Link");
        const url = "https://";
        // The address is selected, ready to be typed or pasted over.
        replace(start, end, `[${label}](${url})`, label.length + 3, label.length + 3 + url.length);
      }
    }

    // Pictures: the button's file chooser, a paste, a drop.
    if (area.hasAttribute("data-md-images")) {
      file?.addEventListener("change", () => {
        for (const picture of file.files) upload(picture);
        file.value = "";
      });
      area.addEventListener("paste", (event) => {
        const pictures = [...(event.clipboardData?.files || [])].filter((f) => f.type.startsWith("image/"));
        if (!pictures.length) return;
        event.preventDefault();
        for (const picture of pictures) upload(picture);
      });
      area.addEventListener("dragover", (event) => {
        if ([...(event.dataTransfer?.types || [])].includes("Files")) event.preventDefault();
      });
      area.addEventListener("drop", (event) => {
        const pictures = [...(event.dataTransfer?.files || [])].filter((f) => f.type.startsWith("image/"));
        if (!pictures.length) return;
        event.preventDefault();
        for (const picture of pictures) upload(picture);
      });
    }

    async function upload(picture) {
      const at = area.selectionEnd;
      status.textContent = text("Uploading");
      const form = new FormData();
      form.append("picture", picture, picture.name || "picture");
      const name = (picture.name || "").replace(/\.[^.]*$/, "").replace(/[-_]+/g, " ").trim();
      form.append("alt", name && !/^image$/i.test(name) ? name : text("Picture"));
      const response = await fetch("/api/v1/markdown/images", {
        method: "POST",
        headers: { "X-CSRF-Token": csrf },
        credentials: "same-origin",
        body: form,
      }).catch(() => null);
      const answer = await response?.json().catch(() => null);
      if (!response?.ok || !answer?.markdown) {
        status.textContent = `${text("Failed")} ${answer?.error?.message || ""}`.trim();
        return;
      }
      // On a line of its own, so it shows as a picture between paragraphs.
      const before = area.value.slice(0, at);
      const lead = !before || before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
      const inserted = `${lead}${answer.markdown}\n\n`;
      replace(at, at, inserted, inserted.length, inserted.length);
      status.textContent = text("Placed");
    }

    // The preview: asked of the server a moment after the last change, the newest answer kept.
    let previewTimer = 0;
    let asked = 0;
    toggle?.addEventListener("click", () => {
      const on = toggle.getAttribute("aria-pressed") !== "true";
      toggle.setAttribute("aria-pressed", String(on));
      preview.hidden = !on;
      if (on) render();
    });
    area.addEventListener("input", () => {
      if (preview.hidden) return;
      clearTimeout(previewTimer);
      previewTimer = setTimeout(render, PREVIEW_DELAY);
    });

    async function render() {
      const mine = ++asked;
      const response = await fetch("/api/v1/markdown/preview", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        credentials: "same-origin",
        body: JSON.stringify({ body: area.value, kind: root.dataset.previewKind || "text" }),
      }).catch(() => null);
      const answer = await response?.json().catch(() => null);
      if (mine !== asked) return;
      if (response?.ok && answer) {
        // The server's own rendering of the text, cleaned there as the stored text is.
        const html = answer.html;
        if (html) preview.innerHTML = html;
        else preview.textContent = text("EmptyPreview");
      } else if (answer?.error) {
        preview.textContent = answer.error.message;
      }
    }

    // The draft: saved a moment after typing stops; offered again when the page opens.
    const key = root.dataset.draftKey;
    if (!key) return;
    const url = `/api/v1/drafts/${encodeURIComponent(key)}`;
    const note = root.querySelector("[data-md-draft-note]");
    const original = area.value;
    let saveTimer = 0;
    let sent = false;
    let saving = null; // the save on its way, if any
    let lastSaved = original;

    area.addEventListener("input", () => {
      clearTimeout(saveTimer);
      saveTimer = setTimeout(save, SAVE_DELAY);
    });
    window.addEventListener("pagehide", () => {
      if (saveTimer && !sent) save();
    });
    // The server throws the draft away once it takes the form, so no save may land after it:
    // a save on its way holds the submit back until it has arrived.
    area.form?.addEventListener("submit", (event) => {
      sent = true;
      clearTimeout(saveTimer);
      saveTimer = 0;
      if (!saving) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      const submitter = event.submitter;
      saving.finally(() => {
        saving = null;
        area.form.requestSubmit(submitter && submitter.form === area.form ? submitter : undefined);
      });
    });
    note?.querySelector("[data-md-discard]")?.addEventListener("click", async () => {
      clearTimeout(saveTimer);
      await fetch(url, { method: "DELETE", headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" }).catch(
        () => null,
      );
      replace(0, area.value.length, original, original.length, original.length);
      clearTimeout(saveTimer); // the replacement's input event
      saveTimer = 0;
      lastSaved = original;
      note.hidden = true;
      area.focus();
    });

    function save() {
      saveTimer = 0;
      if (sent || area.value === lastSaved || saving) return;
      saving = put(area.value).finally(() => {
        saving = null;
        // What was typed while it travelled goes next.
        if (!sent && area.value !== lastSaved && !saveTimer) saveTimer = setTimeout(save, SAVE_DELAY);
      });
    }

    async function put(body) {
      const response = await fetch(url, {
        method: "PUT",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        credentials: "same-origin",
        keepalive: true,
        body: JSON.stringify({ body }),
      }).catch(() => null);
      if (response?.ok) {
        lastSaved = body;
        root.dataset.draftSaved = "true"; // for whoever waits on it (the browser tests)
      }
    }

    (async () => {
      const response = await fetch(url, { credentials: "same-origin" }).catch(() => null);
      if (!response?.ok) return;
      const draft = await response.json().catch(() => null);
      // Not over what was typed meanwhile, nor when it says what the field already holds.
      if (!draft?.body || draft.body === area.value || area.value !== original) return;
      area.value = draft.body;
      lastSaved = draft.body;
      note.hidden = false;
      area.dispatchEvent(new Event("input", { bubbles: true })); // the preview, the mentions
      clearTimeout(saveTimer);
      saveTimer = 0;
    })();
  }
})();
