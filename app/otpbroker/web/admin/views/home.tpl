% rebase('layout.tpl')
% from otpbroker.web.admin.modem_words import word
% include('alerts.tpl', alerts=alerts)
{{!charts}}
<div class="grid">
<section class="card">
  <h2>{{_('Service')}}</h2>
  <dl class="facts">
    <dt>{{_('Version')}}</dt><dd>{{version}}</dd>
    <dt>{{_('Up for')}}</dt><dd>{{uptime_text}}</dd>
    % for outcome, label in outcomes:
    <dt>{{label}}</dt><dd>{{counts.get(outcome, 0)}}</dd>
    % end
  </dl>
</section>
<section class="card server-status">
  <h2>{{_('Server')}}</h2>
  <dl class="facts">
    % for label, value in server:
    <dt>{{label}}</dt><dd>{{value}}</dd>
    % end
  </dl>
</section>
<section class="card server-addresses">
  <h2>{{_('Network addresses')}}</h2>
  % if not addresses:
  <p>{{_('not available')}}</p>
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
  <h2>{{_('Modems')}}</h2>
  % if not modems:
  <p>{{_('No active modem.')}} <a href="/modems">{{_('Add one')}}</a>.</p>
  % end
  % for m in modems:
  <p><strong>{{names.get(m.modem_id, m.modem_id)}}</strong>
    <span class="badge {{'ok' if m.connected else 'bad'}}">{{word(m.state)}}</span>
    % reason = out.get(m.modem_id)
    % if reason:
    <span class="badge warn" title="{{reason[1]}}">{{_('out of routing: {reason}').format(reason=word(reason[0]))}}</span>
    % end
    % if m.network.operator:
    {{m.network.operator}},
    % end
    % if m.network.signal_percent is not None:
    {{_('signal {percent} %').format(percent=m.network.signal_percent)}}
    % end
  </p>
  % end
</section>
<section class="card">
  <h2>{{_('Feeders')}}</h2>
  % for f in feeders:
  <p><strong>{{feeder_labels.get(f.name, f.name)}}</strong> <span class="badge {{'ok' if f.state == 'connected' else ('bad' if f.state == 'error' else '')}}">{{word(f.state)}}</span></p>
  % end
</section>
</div>
