// Feeders page: refresh each feeder's status from GET /admin-api/feeders every few seconds.
// The page is complete without this file; it only keeps the badges and counters live.
"use strict";
(() => {
  const BADGES = { connected: "ok", error: "bad", connecting: "warn" };
  const INTERVAL = 3000;

  // A state as people read it (the JSON keeps the state itself).
  function stateName(state) {
    const names = {
      connected: _("connected"), connecting: _("connecting"), error: _("error"),
      stopped: _("stopped"), disabled: _("disabled"), unknown: _("unknown"),
    };
    return Object.prototype.hasOwnProperty.call(names, state) ? names[state] : state;
  }

  function show(status) {
    const section = document.querySelector(`[data-feeder="${CSS.escape(status.name)}"]`);
    if (!section) return;
    for (const cell of section.querySelectorAll("[data-stat]")) {
      const key = cell.dataset.stat;
      const value = key === "state" ? stateName(status[key]) : status[key];
      cell.textContent = value === null || value === undefined || value === "" ? "—" : String(value);
      if (key === "state") cell.className = `badge ${BADGES[status.state] || ""}`.trim();
    }
  }

  async function refresh() {
    try {
      const response = await fetch("/admin-api/feeders", {
        credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store",
      });
      if (response.status === 401) return; // logged out: the next page load goes to the login
      if (response.ok) (await response.json()).feeders.forEach(show);
    } catch (_error) {
      // the device is restarting or the network is gone: try again on the next tick
    }
    window.setTimeout(refresh, INTERVAL);
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (document.querySelector("[data-feeder]")) window.setTimeout(refresh, INTERVAL);
  });
})();
