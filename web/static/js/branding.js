// The organisation's branding, applied in place when an administrator changes it (branding.changed
// on the org topic, which every signed-in page follows): the colour's custom properties, the name
// in the header, footer and tab title, the logo and the favicon. No reload; the next page gets the
// same from the server.
(() => {
  "use strict";
  if (!window.kring) return;
  const KRING_ICON = "/static/img/kring.svg";

  function retitle(oldName, newName) {
    const suffix = ` · ${oldName}`;
    const plain = document.title.replace(/^\(\d+\+?\) /, "");
    if (!plain.endsWith(suffix)) return;
    const title = plain.slice(0, -suffix.length) + ` · ${newName}`;
    if (window.kringTitle) window.kringTitle.setBase(title);
    else document.title = title;
  }

  window.kring.on("branding.changed", (frame) => {
    const brand = frame.data;
    const root = document.documentElement.style;
    root.setProperty("--brand", brand.shade);
    root.setProperty("--brand-configured", brand.color);
    const names = document.querySelectorAll("[data-org-name]");
    const oldName = names.length ? names[0].textContent : null;
    for (const element of names) element.textContent = brand.name;
    if (oldName !== null && oldName !== brand.name) retitle(oldName, brand.name);
    for (const logo of document.querySelectorAll(".site-header .brand-logo")) {
      logo.src = brand.logo || KRING_ICON;
    }
    if (window.kringTitle) window.kringTitle.setIcon(new URL(brand.favicon, window.location.href).href);
    else {
      const icon = document.querySelector('link[rel="icon"]');
      if (icon) icon.href = brand.favicon;
    }
    document.dispatchEvent(new CustomEvent("kring:branding", { detail: brand }));
  });
})();
