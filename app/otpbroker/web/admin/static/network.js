// Safety-net countdown on the Network and Firewall pages; reloads when the time is up so
// the page shows whether the change was reverted. The page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const banner = document.querySelector(".safety-net[data-remaining]");
  if (!banner) return;
  const shown = banner.querySelector(".countdown");
  const end = Date.now() + Number(banner.dataset.remaining) * 1000;
  const tick = () => {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    if (shown) shown.textContent = String(left);
    if (left > 0) {
      window.setTimeout(tick, 1000);
    } else {
      window.setTimeout(() => window.location.reload(), 2500);
    }
  };
  tick();
});
