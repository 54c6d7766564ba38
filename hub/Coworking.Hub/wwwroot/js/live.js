// The console's live parts (docs/WEB.md "Live parts"). An element with an id, data-live-src (a /console/live
// Server-Sent Events URL) and data-live-on (event names, space-separated) is fetched again from the page's own URL
// when one of its events arrives, and replaced by its new copy: what is shown is always what the server rendered.
// data-live-status names an element (role="status") that says when it last changed. Without this file (or without
// EventSource) the page is the same, only not live.
"use strict";

(() => {
  const parts = [...document.querySelectorAll("[data-live-src][id]")];
  if (parts.length === 0 || !("EventSource" in window)) {
    return;
  }

  const waiting = new Set();
  let fetching = false;

  const refresh = async () => {
    if (fetching) {
      return;
    }
    fetching = true;
    try {
      while (waiting.size > 0) {
        const ids = [...waiting];
        waiting.clear();
        const answer = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
        if (!answer.ok) {
          return;
        }
        const fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
        for (const id of ids) {
          const shown = document.getElementById(id);
          const next = fresh.getElementById(id);
          if (shown && next) {
            shown.replaceWith(document.importNode(next, true));
            const status = document.getElementById(next.dataset.liveStatus || "");
            if (status) {
              status.textContent = `Updated at ${new Date().toLocaleTimeString()}.`;
            }
          }
        }
      }
    } finally {
      fetching = false;
    }
  };

  const bySource = new Map();
  for (const part of parts) {
    const list = bySource.get(part.dataset.liveSrc) || [];
    list.push(part.id);
    bySource.set(part.dataset.liveSrc, list);
  }

  for (const [src, ids] of bySource) {
    const source = new EventSource(src);
    const names = new Set(ids.flatMap((id) => (document.getElementById(id).dataset.liveOn || "").split(" ").filter(Boolean)));
    for (const name of names) {
      source.addEventListener(name, () => {
        for (const id of ids) {
          const part = document.getElementById(id);
          if (part && (part.dataset.liveOn || "").split(" ").includes(name)) {
            waiting.add(id);
          }
        }
        refresh();
      });
    }
  }
})();
