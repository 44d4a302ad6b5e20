% rebase('layout.tpl')
% include('alerts.tpl', alerts=alerts)
{{!charts}}
<div class="grid">
<section class="card">
  <h2>Service</h2>
  <dl class="facts">
    <dt>Version</dt><dd>{{version}}</dd>
    <dt>Up for</dt><dd>{{uptime // 86400}} d {{uptime % 86400 // 3600}} h {{uptime % 3600 // 60}} min</dd>
    % for outcome in ('sent', 'failed', 'unknown', 'rejected', 'duplicate'):
    <dt>Messages {{outcome}}</dt><dd>{{counts.get(outcome, 0)}}</dd>
    % end
  </dl>
</section>
<section class="card server-status">
  <h2>Server</h2>
  <dl class="facts">
    % for label, value in server:
    <dt>{{label}}</dt><dd>{{value}}</dd>
    % end
  </dl>
</section>
<section class="card server-addresses">
  <h2>Network addresses</h2>
  % if not addresses:
  <p>not available</p>
  % end
  <dl class="facts">
    % for interface, found in sorted(addresses.items()):
    <dt>{{interface}}</dt>
    <dd>
      % for address in found.get('ipv4', []) + found.get('ipv6', []):
      <span class="address">{{address}}</span>
      % end
    </dd>
    % end
  </dl>
</section>
<section class="card">
  <h2>Modems</h2>
  % if not modems:
  <p>No active modem. <a href="/modems">Add one</a>.</p>
  % end
  % for m in modems:
  <p><strong>{{names.get(m.modem_id, m.modem_id)}}</strong>
    <span class="badge {{'ok' if m.connected else 'bad'}}">{{m.state}}</span>
    % reason = out.get(m.modem_id)
    % if reason:
    <span class="badge warn" title="{{reason[1]}}">out of routing: {{reason[0]}}</span>
    % end
    % if m.network.operator:
    {{m.network.operator}},
    % end
    % if m.network.signal_percent is not None:
    signal {{m.network.signal_percent}} %
    % end
  </p>
  % end
</section>
<section class="card">
  <h2>Feeders</h2>
  % for f in feeders:
  <p><strong>{{feeder_labels.get(f.name, f.name)}}</strong> <span class="badge {{'ok' if f.state == 'connected' else ('bad' if f.state == 'error' else '')}}">{{f.state}}</span></p>
  % end
</section>
</div>
