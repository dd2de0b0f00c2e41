// Photos and files on posts, comments and chat: each form's upload field ([data-attach], the
// macro upload_field) uploads what is picked, dropped on the form or pasted into it at once, as
// the colleague's draft, and adds its id to the form; the form (or chat.js) sends the ids with
// the text. Nothing typed is touched: an upload that fails says why beside the field.
// And the lightbox: a photo of a grid opens large in a dialog; arrows go through the grid's
// photos, Esc (the dialog's own) closes and gives focus back to the photo.
(() => {
  "use strict";
  const token = document.querySelector('meta[name="csrf-token"]')?.content || document.querySelector("input[name=csrf_token]")?.value || "";

  const fieldOf = (form) => form?.querySelector("[data-attach]");
  const countOf = (field) => field.querySelectorAll("[data-attach-tray] > li").length;

  function showError(field, message) {
    const line = field.querySelector("[data-attach-error]");
    line.textContent = message || "";
    line.hidden = !message;
  }

  // The text may stay empty once something is attached; the server checks the same.
  function update(field) {
    const form = field.closest("form");
    const body = form.elements.body;
    const busy = field.querySelectorAll("[data-attach-tray] > li.uploading").length > 0;
    if (busy) form.dataset.uploading = "1";
    else delete form.dataset.uploading;
    if (body instanceof HTMLTextAreaElement) {
      if (body.dataset.wasRequired === undefined) body.dataset.wasRequired = body.required ? "1" : "";
      body.required = body.dataset.wasRequired === "1" && countOf(field) === 0;
    }
    for (const button of form.querySelectorAll("button[type=submit]")) button.toggleAttribute("data-upload-wait", busy);
  }

  async function upload(field, file) {
    if (countOf(field) >= Number(field.dataset.max || 10)) {
      showError(field, field.dataset.tooMany);
      return;
    }
    showError(field, "");
    const tile = field.querySelector("template[data-attach-tile]").content.firstElementChild.cloneNode(true);
    tile.querySelector(".attach-name").textContent = file.name || "foto";
    field.querySelector("[data-attach-tray]").append(tile);
    update(field);
    const data = new FormData();
    data.append("file", file, file.name || "foto.png");
    let response = null;
    try {
      response = await fetch("/api/v1/attachments", { method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRF-Token": token } });
    } catch {
      response = null;
    }
    if (!response || !response.ok) {
      const problem = response ? (await response.json().catch(() => null))?.error?.message : null;
      tile.remove();
      showError(field, problem || field.dataset.failed);
      update(field);
      return;
    }
    const made = await response.json();
    tile.className = `attach-${made.kind}`;
    tile.dataset.attachmentId = String(made.id);
    if (made.kind === "photo") {
      const image = tile.querySelector("img");
      image.src = made.thumb_url;
      image.alt = made.name;
      image.hidden = false;
    }
    const input = tile.querySelector("input[name=attachments]");
    input.value = String(made.id);
    input.disabled = false;
    const remove = tile.querySelector("[data-attach-remove]");
    remove.setAttribute("aria-label", `${field.dataset.remove}: ${made.name}`);
    remove.hidden = false;
    update(field);
  }

  const uploadAll = (field, files) => {
    for (const file of files) upload(field, file);
  };

  document.addEventListener("change", (event) => {
    const input = event.target.closest?.("[data-attach-input]");
    if (!input) return;
    uploadAll(input.closest("[data-attach]"), [...input.files]);
    input.value = "";
  });

  document.addEventListener("click", (event) => {
    const remove = event.target.closest?.("[data-attach-remove]");
    if (!remove) return;
    const field = remove.closest("[data-attach]");
    remove.closest("li").remove();
    update(field);
  });

  document.addEventListener("paste", (event) => {
    const field = fieldOf(event.target.closest?.("form"));
    const files = [...(event.clipboardData?.files || [])];
    if (!field || !files.length) return;
    event.preventDefault(); // the picture, not its file name, is what was meant
    uploadAll(field, files);
  });

  document.addEventListener("dragover", (event) => {
    const field = fieldOf(event.target.closest?.("form"));
    if (!field || !event.dataTransfer?.types.includes("Files")) return;
    event.preventDefault();
    field.closest("form").classList.add("dropping");
  });
  document.addEventListener("dragleave", (event) => event.target.closest?.("form")?.classList.remove("dropping"));
  document.addEventListener("drop", (event) => {
    const form = event.target.closest?.("form");
    const field = fieldOf(form);
    if (!field || !event.dataTransfer?.files.length) return;
    event.preventDefault();
    form.classList.remove("dropping");
    uploadAll(field, [...event.dataTransfer.files]);
  });

  // A form is not sent while an upload is still on its way (its id would be missing).
  document.addEventListener(
    "submit",
    (event) => {
      if (event.target.dataset?.uploading) event.preventDefault();
    },
    true,
  );

  window.kringAttachments = {
    clear(form) {
      const field = fieldOf(form);
      if (!field) return;
      field.querySelector("[data-attach-tray]").replaceChildren();
      showError(field, "");
      update(field);
    },
  };

  // -- the lightbox ------------------------------------------------------------------------------

  const dialog = document.querySelector("[data-lightbox-dialog]");
  if (!dialog) return;
  const image = dialog.querySelector("[data-lightbox-image]");
  let shown = [];
  let at = 0;
  let opener = null;

  function show(index) {
    at = (index + shown.length) % shown.length;
    const link = shown[at];
    image.src = link.getAttribute("href");
    image.alt = link.querySelector("img")?.alt || "";
    const single = shown.length < 2;
    dialog.querySelector("[data-lightbox-previous]").hidden = single;
    dialog.querySelector("[data-lightbox-next]").hidden = single;
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest?.("a[data-lightbox]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    opener = link;
    shown = [...link.closest("[data-photo-grid]").querySelectorAll("a[data-lightbox]")];
    show(shown.indexOf(link));
    dialog.showModal();
    dialog.querySelector("[data-lightbox-close]").focus();
  });
  dialog.querySelector("[data-lightbox-previous]").addEventListener("click", () => show(at - 1));
  dialog.querySelector("[data-lightbox-next]").addEventListener("click", () => show(at + 1));
  dialog.querySelector("[data-lightbox-close]").addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close(); // a click beside the photo
  });
  dialog.addEventListener("keydown", (event) => {
    if (event.key === "ArrowLeft") show(at - 1);
    else if (event.key === "ArrowRight") show(at + 1);
  });
  dialog.addEventListener("close", () => {
    image.removeAttribute("src");
    opener?.focus();
  });
})();
