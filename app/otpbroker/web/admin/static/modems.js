// Modem form: an APN preset fills the internet fields as soon as it is chosen.
// Without this file the "Apply" button does the same through the server.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const preset = document.getElementById("f-preset");
  if (!preset) return;
  const apply = preset.form && preset.form.querySelector('button[name="apply_preset"]');
  if (apply) apply.hidden = true;
  const fill = (id, value) => {
    const input = document.getElementById(id);
    if (input) input.value = value || "";
  };
  preset.addEventListener("change", () => {
    const option = preset.selectedOptions[0];
    if (!option || !option.value) return;
    const data = option.dataset;
    fill("f-apn", data.apn);
    fill("f-apn_username", data.user);
    fill("f-apn_password", data.password);
    fill("f-dial_number", data.dial);
    // A preset without password must not keep the previous operator's stored one.
    const clear = document.getElementById("f-clear_apn_password");
    if (clear) clear.checked = !data.password;
  });
});
