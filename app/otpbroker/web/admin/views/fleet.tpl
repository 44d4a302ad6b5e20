% rebase('layout.tpl')
<section class="card settings-note">
  <p>Several devices consuming one queue. Each device with the shared ledger on
  (<code>fleet.enabled</code>) publishes a heartbeat with its modems' states and counters,
  and claims each message id there before sending it (ids, device names and states only).
  This device: <strong>{{state.device}}</strong>;
  % if not state.enabled:
  shared ledger <strong>off</strong>.
  % elif state.reachable:
  shared ledger <strong>reachable</strong>.
  % else:
  shared ledger <strong>unreachable</strong> ({{state.error}}): sending goes on with this device's own ledger.
  % end
  </p>
  <p>This device's RabbitMQ feeder names its connections <code>{{connection}}</code>
  (<code>fleet.device_name</code>, else the host name), so the consumer list below says which
  device each consumer is.</p>
</section>
<h2>Consumers of the broker's queues now</h2>
% if not consumers.configured:
<p class="card">Set <code>fleet.management_url</code> (RabbitMQ's management API) to list them.</p>
% elif consumers.error:
<p class="card">Could not read the consumer list: {{consumers.error}}</p>
% elif not consumers.listed:
<p class="card">No consumer now.</p>
% else:
<div class="table-wrap card">
<table class="stack">
  <thead><tr><th>Queue</th><th>Device</th><th>Consumer (connection)</th><th>Prefetch</th></tr></thead>
  <tbody>
  % for c in consumers.listed:
  <tr><td data-label="Queue">{{c.queue}}</td><td data-label="Device">{{device_of(c.consumer) or '?'}}</td>
      <td data-label="Consumer">{{c.consumer}}</td>
      <td data-label="Prefetch">{{c.prefetch}}</td></tr>
  % end
  </tbody>
</table>
</div>
% end
<h2>Devices</h2>
% if devices_error:
<p class="card">Could not read the heartbeats: {{devices_error}}</p>
% elif not devices:
<p class="card">No device beating now.</p>
% else:
<div class="table-wrap card">
<table class="stack">
  <thead><tr><th>Device</th><th>Last heartbeat</th><th>Modem</th><th>State</th><th>Sent</th><th>Failed</th><th>Unknown</th></tr></thead>
  <tbody>
  % for d in devices:
  % for m in d['modems'] or [None]:
  <tr><td data-label="Device">{{d['device']}}</td><td data-label="Last heartbeat">{{d['at']}}</td>
  % if m is None:
      <td data-label="Modem" colspan="5">no modem</td>
  % else:
      <td data-label="Modem">{{m.modem_id}}</td><td data-label="State">{{m.state}}</td>
      <td data-label="Sent">{{m.sent}}</td><td data-label="Failed">{{m.failed}}</td><td data-label="Unknown">{{m.unknown}}</td>
  % end
  </tr>
  % end
  % end
  </tbody>
</table>
</div>
% end
<h2>Which device sent a message</h2>
<form method="get" action="/fleet" class="card">
  <label>Message id <input name="id" value="{{message_id}}" maxlength="200"></label>
  <button type="submit">Look up</button>
</form>
% if lookup is not None:
<p class="card">
% if lookup.get('error'):
  The shared ledger could not be read: {{lookup['error']}}
% elif lookup.get('none'):
  No device holds message id <code>{{message_id}}</code> (never claimed here, released, or aged out).
% else:
  Message id <code>{{message_id}}</code>: device <strong>{{lookup['device']}}</strong>, {{lookup['state']}}, at {{lookup['at']}}.
% end
</p>
% end
