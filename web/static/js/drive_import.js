// The console's drive import (/beheer/import): the upload is sent without leaving the page, so
// the page's socket hears the import from its first file; each import.progress event on the
// admin's own topic moves the bar and the counts, and the last one (done, refused, failed) brings
// the summary the server renders, the same one a reload shows. Without this script the form
// posts as a plain form and the page shows the summary on the next load.
(() => {
  "use strict";
  const kring = window.kring;
  const box = document.getElementById("import-progress");
  const form = document.getElementById("import-upload");
  if (!kring || !box || !form) return;
  const bar = document.getElementById("import-bar");
  const phase = document.getElementById("import-phase");
  const name = document.getElementById("import-name");
  const status = document.getElementById("import-upload-status");
  const ENDS = new Set(["done", "refused", "failed"]);

  function show(data) {
    box.hidden = false;
    name.textContent = data.name;
    phase.textContent = box.dataset[`phase${data.phase[0].toUpperCase()}${data.phase.slice(1)}`] || data.phase;
    bar.max = Math.max(data.total, 1);
    bar.value = ENDS.has(data.phase) ? bar.max : data.phase === "unpacking" ? data.extracted : data.read;
    for (const field of ["read", "duplicates", "junk", "extracted"]) {
      box.querySelector(`[data-count="${field}"]`).textContent = String(data[field]);
    }
  }

  async function fetchSummary() {
    const response = await fetch(window.location.pathname, { credentials: "same-origin" });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const id of ["import-summary", "import-history"]) {
      const part = fresh.getElementById(id);
      if (part) document.getElementById(id).replaceWith(document.importNode(part, true));
    }
  }

  kring.on("import.progress", (frame) => {
    if (frame.topic !== `user:${kring.me}`) return;
    show(frame.data);
    if (ENDS.has(frame.data.phase)) {
      status.textContent = "";
      fetchSummary();
    }
  });

  form.addEventListener("submit", async (event) => {
    const file = form.querySelector('input[type="file"]').files[0];
    if (!file || !kring.connected) return; // the plain form post still works
    event.preventDefault();
    if (file.size > Number(form.dataset.maxBytes)) {
      status.textContent = form.dataset.tooLarge;
      return;
    }
    status.textContent = form.dataset.uploading;
    const response = await fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" });
    // The answer is the console again (after a redirect); its message says whether the import started.
    const answer = new DOMParser().parseFromString(await response.text(), "text/html");
    const message = answer.querySelector(".flash");
    status.textContent = message ? message.textContent : response.ok ? "" : `${response.status}`;
    form.reset();
  });
})();
