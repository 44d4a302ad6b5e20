// Monitor page: follow /admin-api/monitor/stream (Server-Sent Events) and add each request
// and modem or feeder status change to the tables the server rendered. Text only (textContent):
// nothing received is ever parsed as HTML.
"use strict";
(() => {
  const MAX_ROWS = 200;
  const RETRY_CLOSED_MS = 10000;

  function badgeClass(outcome) {
    if (["sent", "started"].includes(outcome)) return "badge ok";
    if (["unknown", "duplicate", "expired", "refused", "restarted", "stopped"].includes(outcome)) {
      return "badge warn";
    }
    return "badge bad";
  }

  function cell(label, text, className) {
    const td = document.createElement("td");
    td.dataset.label = label || "";
    if (className) td.className = className;
    td.textContent = text;
    return td;
  }

  function badgeCell(label, text, className, extra) {
    const td = document.createElement("td");
    td.dataset.label = label || "";
    const badge = document.createElement("span");
    badge.className = className;
    badge.textContent = text;
    td.appendChild(badge);
    if (extra) td.appendChild(document.createTextNode(` ${extra}`));
    return td;
  }

  // The column names the server wrote in the page's language (the header cells), which
  // each new cell repeats as its data-label (shown on narrow screens).
  function columns(body) {
    const table = body.closest("table");
    return table ? Array.from(table.querySelectorAll("thead th"), (th) => th.textContent) : [];
  }

  function dropPlaceholder(body) {
    const empty = body.querySelector("tr.empty");
    if (empty) empty.remove();
  }

  function addEvent(data) {
    const body = document.getElementById("event-rows");
    if (!body) return;
    dropPlaceholder(body);
    const row = document.createElement("tr");
    const names = columns(body);
    row.className = "fresh";
    row.append(
      cell(names[0], data.time),
      cell(names[1], data.source_label),
      cell(names[2], data.recipient || "—", "mono"),
      cell(names[3], data.modem || "—"),
      badgeCell(names[4], data.outcome_label || data.outcome, badgeClass(data.outcome),
        data.outcome === "sent" ? "" : (data.code_label ?? data.code)),
      cell(names[5], data.duration || `${data.duration_ms} ms`),
    );
    body.insertBefore(row, body.firstChild);
    while (body.rows.length > MAX_ROWS) body.deleteRow(body.rows.length - 1);
  }

  function showModem(data) {
    const body = document.getElementById("modem-rows");
    if (!body) return;
    let row = body.querySelector(`tr[data-modem="${CSS.escape(data.modem_id)}"]`);
    if (data.state === "removed") {
      if (row) row.remove();
      return;
    }
    dropPlaceholder(body);
    if (!row) {
      row = document.createElement("tr");
      row.dataset.modem = data.modem_id;
      body.appendChild(row);
    }
    const names = columns(body);
    const path = cell(names[4], data.sms_path_label || data.sms_path || "—");
    path.title = data.sms_path_reason || "";
    row.replaceChildren(
      cell(names[0], data.name),
      badgeCell(names[1], data.state_label || data.state,
        data.connected ? "badge ok" : "badge bad"),
      cell(names[2],
        data.signal === null || data.signal === undefined ? "—" : `${data.signal} %`),
      cell(names[3], data.operator || "—"),
      path,
      cell(names[5], data.last_error || "—"),
    );
    row.classList.remove("fresh");
    void row.offsetWidth; // restart the highlight animation
    row.classList.add("fresh");
  }

  const FEEDER_BADGES = { connected: "ok", error: "bad", connecting: "warn" };

  function showFeeder(data) {
    const row = document.querySelector(`#feeder-rows tr[data-feeder="${CSS.escape(data.name)}"]`);
    if (!row) return;
    const names = columns(row);
    row.replaceChildren(
      cell(names[0], data.label),
      badgeCell(names[1], data.state_label || data.state,
        `badge ${FEEDER_BADGES[data.state] || ""}`.trim()),
      cell(names[2], String(data.received_text ?? data.received)),
      cell(names[3], String(data.processed_text ?? data.processed)),
      cell(names[4], String(data.rejected_text ?? data.rejected)),
      cell(names[5], String(data.restarts_text ?? data.restarts)),
      cell(names[6], data.restarted || "—"),
    );
  }

  function paragraph(text, className) {
    const p = document.createElement("p");
    if (className) p.className = className;
    p.textContent = text;
    return p;
  }

  function showAlerts(alerts) {
    const slot = document.getElementById("alerts-slot");
    if (!slot) return;
    if (!alerts.length) {
      slot.replaceChildren();
      return;
    }
    const section = document.createElement("section");
    section.className = "card alerts";
    section.id = "alerts";
    section.setAttribute("aria-label", _("Alerts"));
    const title = document.createElement("h2");
    title.textContent = _("Alerts");
    section.appendChild(title);
    for (const alert of alerts) {
      const box = document.createElement("div");
      box.className = `alert ${alert.severity === "error" ? "error" : "warning"}`;
      const head = document.createElement("p");
      const badge = document.createElement("span");
      badge.className = `badge ${alert.severity === "error" ? "bad" : "warn"}`;
      badge.textContent = alert.severity_label || alert.severity;
      const strong = document.createElement("strong");
      strong.textContent = alert.title;
      const since = document.createElement("small");
      since.className = "hint";
      since.textContent = _("since {time}").replace("{time}", alert.since);
      head.append(badge, " ", strong, " ", since);
      box.append(head, paragraph(alert.text));
      if (alert.advice) {
        box.appendChild(paragraph(_("What to do: {advice}").replace("{advice}", alert.advice),
          "hint"));
      }
      if (alert.mail) box.appendChild(paragraph(alert.mail, "hint mail-note"));
      section.appendChild(box);
    }
    slot.replaceChildren(section);
  }

  function setLive(state, text) {
    const badge = document.getElementById("live-state");
    if (!badge) return;
    badge.dataset.live = state;
    badge.className = `badge ${state === "on" ? "ok" : "warn"}`;
    badge.textContent = text;
  }

  function parse(message) {
    try {
      return JSON.parse(message.data);
    } catch (_error) {
      return null;
    }
  }

  function connect() {
    const source = new EventSource("/admin-api/monitor/stream");
    source.addEventListener("open", () => setLive("on", _("live")));
    source.addEventListener("sms", (message) => {
      const data = parse(message);
      if (data) addEvent(data);
      document.dispatchEvent(new CustomEvent("otpb:sms")); // charts.js draws them again
    });
    source.addEventListener("modem", (message) => {
      const data = parse(message);
      if (data) showModem(data);
    });
    source.addEventListener("feeder", (message) => {
      const data = parse(message);
      if (data) showFeeder(data);
    });
    source.addEventListener("alerts", (message) => {
      const data = parse(message);
      if (Array.isArray(data)) showAlerts(data);
    });
    source.addEventListener("lost", (message) => {
      const data = parse(message);
      if (data) {
        setLive("on", _("live ({count} request(s) skipped: too many at once)")
          .replace("{count}", String(data.count)));
      }
    });
    source.addEventListener("error", () => {
      if (source.readyState === EventSource.CLOSED) {
        // refused (logged out, or too many monitors open): try again later ourselves
        setLive("off", _("not live: retrying shortly"));
        window.setTimeout(connect, RETRY_CLOSED_MS);
      } else {
        setLive("off", _("reconnecting…"));
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (window.EventSource && document.getElementById("event-rows")) connect();
  });
})();
