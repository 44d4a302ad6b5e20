// Progressive enhancements only: every page works without this file.
"use strict";
// The page's language: translations of the scripts' messages, sent with each page (English
// when there are none). Every script writes what a person reads as _("...").
const OTPB_MESSAGES = JSON.parse(document.getElementById("otpb-messages")?.textContent || "{}");
function _(text) {
  return Object.prototype.hasOwnProperty.call(OTPB_MESSAGES, text) ? OTPB_MESSAGES[text] : text;
}
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".menu-toggle");
  const nav = document.getElementById("nav");
  if (toggle && nav) {
    toggle.addEventListener("click", () => {
      const open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});
