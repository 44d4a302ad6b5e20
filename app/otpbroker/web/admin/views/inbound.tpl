% rebase('layout.tpl')
<section class="card settings-note">
  <p>SMS the modems received, read from their SIMs and removed there once handed over to the
  applications (webhooks, feeder status channels). Kept in memory only: a restart empties
  this page. Messages from operators and services (a name or a short code as sender) are
  shown in full; messages from people are masked.
  % if not enabled:
  <strong>Reading received SMS is off</strong> (setting <code>inbound.enabled</code>): the
  SIMs are not read.
  % end
  % if waiting:
  {{waiting}} long message(s) wait for missing parts (kept on the SIM meanwhile).
  % end
  </p>
</section>
<h2>From operators</h2>
% if operator:
<div class="table-wrap card">
<table class="stack">
  <thead><tr><th>Modem</th><th>From</th><th>Sent</th><th>Message</th></tr></thead>
  <tbody>
  % for r in operator:
  <tr>
    <td data-label="Modem">{{r['modem']}}</td><td data-label="From">{{r['sender']}}</td>
    <td data-label="Sent">{{r['sent']}}</td>
    <td data-label="Message" class="received-text">{{r['text']}}{{' (incomplete)' if r['partial'] else ''}}</td>
  </tr>
  % end
  </tbody>
</table>
</div>
% else:
<p class="hint">No message from an operator since the start.</p>
% end
<h2>From people</h2>
% if people:
<div class="table-wrap card">
<table class="stack">
  <thead><tr><th>Modem</th><th>From</th><th>Received</th><th>Message</th></tr></thead>
  <tbody>
  % for r in people:
  <tr>
    <td data-label="Modem">{{r['modem']}}</td><td data-label="From" class="msisdn">{{r['sender']}}</td>
    <td data-label="Received">{{r['received']}}</td>
    <td data-label="Message">{{r['text']}}{{' (incomplete)' if r['partial'] else ''}}</td>
  </tr>
  % end
  </tbody>
</table>
</div>
% else:
<p class="hint">No message from a person since the start.</p>
% end
