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
  let ended = false; // an import ended since the last upload was sent

  function show(data) {
    box.hidden = false;
    name.textContent = data.name;
    phase.textContent = box.dataset[`phase${data.phase[0].toUpperCase()}${data.phase.slice(1)}`] || data.phase;
    bar.max = Math.max(data.total, 1);
    if (data.phase === "done") bar.value = bar.max;
    else bar.value = data.phase === "unpacking" ? data.extracted : ENDS.has(data.phase) ? 0 : data.read;
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
      ended = true;
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
    ended = false;
    status.textContent = form.dataset.uploading;
    let response;
    try {
      response = await fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" });
    } catch {
      form.submit(); // the network failed the script's way: the plain post shows what happens
      return;
    }
    // The answer is the console again (after a redirect); its message says whether the import started.
    const answer = new DOMParser().parseFromString(await response.text(), "text/html");
    const message = [...answer.querySelectorAll(".flash")].find((element) => !element.closest("#import-summary"));
    // "Started" is old news once the import has ended; a refusal of the upload is not.
    if (message && (!ended || message.classList.contains("flash-error"))) status.textContent = message.textContent;
    else if (!response.ok) status.textContent = `${response.status}`;
    form.reset();
  });
})();
