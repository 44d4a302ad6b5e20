// Activity charts (home and monitor pages): fetch the server-drawn SVG charts again every
// data-refresh-seconds, and soon after each finished request on the monitor page (monitor.js
// tells it with an "otpb:sms" event), without reloading the page. The fragment is our own
// server's SVG, parsed inertly (DOMParser runs no script) and moved in node by node.
"use strict";
(() => {
  const SOON_MS = 800;
  let timer = null;
  let busy = false;

  async function refresh(box) {
    if (busy) return;
    busy = true;
    try {
      const answer = await fetch(box.dataset.chartsSrc, {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      });
      if (!answer.ok) return;
      const parsed = new DOMParser().parseFromString(await answer.text(), "text/html");
      const fresh = parsed.querySelector(".charts");
      if (fresh) box.replaceChildren(document.importNode(fresh, true));
      box.dataset.refreshed = String(Date.now());
    } catch (_error) {
      // offline for a moment: the next turn tries again
    } finally {
      busy = false;
    }
  }

  let due = Infinity;

  function schedule(box, delay) {
    // a burst of requests never pushes the next drawing back: the earliest one stays
    if (timer !== null && Date.now() + delay >= due) return;
    window.clearTimeout(timer);
    due = Date.now() + delay;
    timer = window.setTimeout(async () => {
      timer = null;
      due = Infinity;
      if (!document.hidden) await refresh(box);
      schedule(box, Number(box.dataset.refreshSeconds || 15) * 1000);
    }, delay);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const box = document.getElementById("charts");
    if (!box || !window.fetch || !window.DOMParser) return;
    schedule(box, Number(box.dataset.refreshSeconds || 15) * 1000);
    document.addEventListener("otpb:sms", () => schedule(box, SOON_MS));
  });
})();
