// Modems page: while a self-test waits, ask GET /admin-api/modems/<id>/self-test every few
// seconds and reload the page once it ended. The page is complete without this file.
"use strict";
(() => {
  const INTERVAL = 3000;

  async function poll(badge) {
    try {
      const id = encodeURIComponent(badge.dataset.selfTest);
      const response = await fetch(`/admin-api/modems/${id}/self-test`, {
        credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store",
      });
      if (response.status === 401) return;
      if (response.ok) {
        const body = await response.json();
        if (body.self_test && body.self_test.state !== "waiting") {
          window.location.reload();
          return;
        }
      }
    } catch (_error) {
      // the device is restarting: try again on the next tick
    }
    window.setTimeout(() => poll(badge), INTERVAL);
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const badge of document.querySelectorAll('[data-self-test][data-state="waiting"]')) {
      window.setTimeout(() => poll(badge), INTERVAL);
    }
  });
})();
