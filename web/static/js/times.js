// Times as people say them: "3 min. geleden", "gisteren 14:05", "30 nov.", in the page's language,
// refreshed each minute, with the full date and time (never seconds) in the title. The server's
// text stays for readers without script. Chat clocks (data-clock) keep their "14:05": a chat shows
// the day in its separators, so only their title is added here.
(() => {
  "use strict";
  const lang = document.documentElement.lang || undefined;
  const relative = new Intl.RelativeTimeFormat(lang, { numeric: "auto", style: "short" });
  const clock = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" });
  const dayMonth = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short" });
  const dayMonthYear = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", year: "numeric" });
  const full = new Intl.DateTimeFormat(lang, { dateStyle: "full", timeStyle: "short" });
  const MINUTE = 60 * 1000;
  const HOUR = 60 * MINUTE;

  function startOfDay(date) {
    return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
  }

  function spoken(date, now) {
    const ago = now - date;
    if (ago >= -MINUTE && ago < MINUTE) return relative.format(0, "second");
    if (ago > 0 && ago < HOUR) return relative.format(-Math.floor(ago / MINUTE), "minute");
    if (ago > 0 && ago < 6 * HOUR) return relative.format(-Math.floor(ago / HOUR), "hour");
    const days = Math.round((startOfDay(now) - startOfDay(date)) / (24 * HOUR));
    if (days === 0 || days === 1) return `${relative.format(-days, "day")} ${clock.format(date)}`;
    return (date.getFullYear() === now.getFullYear() ? dayMonth : dayMonthYear).format(date);
  }

  function tell(time, now) {
    // A date alone (a review date, a birthday) has no time to tell relative to now.
    if (!time.dateTime.includes("T")) return;
    // The server writes UTC, sometimes without saying so; a bare time would be read as local.
    const text = /(Z|[+-]\d\d:?\d\d)$/i.test(time.dateTime) ? time.dateTime : `${time.dateTime}Z`;
    const date = new Date(text);
    if (Number.isNaN(date.getTime())) return;
    time.title = full.format(date);
    if (!time.hasAttribute("data-clock")) time.textContent = spoken(date, now);
  }

  function show(root) {
    const now = new Date();
    if (root.matches?.("time[datetime]")) tell(root, now);
    for (const time of root.querySelectorAll("time[datetime]")) tell(time, now);
  }

  show(document);
  setInterval(() => show(document), MINUTE);
  // Items that arrive live carry server text: tell them the same way at once.
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (node instanceof Element) show(node);
      }
    }
  }).observe(document.body, { childList: true, subtree: true });
})();
