// The console's branding form: the colour picker and the text field agree, and the preview shows
// the colour as pages will (darkened as server/pages/brand.py and services/branding.py do, until
// white text on it and it as text on the page reach the minimum), with the contrast against white.
(() => {
  "use strict";
  const preview = document.querySelector("[data-branding-preview]");
  const field = document.getElementById("brand-color");
  const picker = document.querySelector("[data-color-picker]");
  const nameField = document.getElementById("brand-name");
  if (!preview || !field || !picker) return;
  const out = preview.querySelector("[data-contrast]");
  const sampleName = preview.querySelector("[data-preview-name]");
  const minimum = Number(preview.dataset.minimum);
  const HEX = /^#[0-9a-fA-F]{6}$/;

  function channels(color) {
    return [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
  }

  function luminance(color) {
    const [r, g, b] = channels(color).map((channel) => {
      const value = channel / 255;
      return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  function contrast(one, other) {
    const [light, dark] = [luminance(one), luminance(other)].sort((a, b) => b - a);
    return (light + 0.05) / (dark + 0.05);
  }

  const hex = (n) => Math.round(n).toString(16).padStart(2, "0");

  function readable(color) {
    const [r, g, b] = channels(color);
    let shade = color;
    for (let step = 0; step <= 100; step += 1) {
      const factor = 1 - step / 100;
      shade = `#${hex(r * factor)}${hex(g * factor)}${hex(b * factor)}`;
      if (contrast(shade, preview.dataset.paper) >= minimum) break;
    }
    return shade;
  }

  const fixed = (n) => (Math.floor(n * 10) / 10).toFixed(1);

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? values[key] : whole));
  }

  function show(color) {
    if (!HEX.test(color)) {
      out.textContent = preview.dataset.invalid;
      return;
    }
    color = color.toLowerCase();
    const shade = readable(color);
    const ratio = contrast(color, preview.dataset.white);
    preview.style.setProperty("--preview-brand", shade);
    const values = { ratio: fixed(ratio), minimum: String(minimum), shade, shaded: fixed(contrast(shade, preview.dataset.white)) };
    out.textContent = fill(shade === color ? preview.dataset.kept : preview.dataset.darkened, values);
  }

  picker.addEventListener("input", () => {
    field.value = picker.value;
    show(picker.value);
  });
  field.addEventListener("input", () => {
    if (HEX.test(field.value.trim())) picker.value = field.value.trim().toLowerCase();
    show(field.value.trim());
  });
  if (nameField && sampleName) {
    nameField.addEventListener("input", () => {
      sampleName.textContent = nameField.value;
    });
  }
  show(field.value.trim());
})();
