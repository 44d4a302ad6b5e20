% rebase('layout.tpl')
<p class="hint">Every request as it is handled, and each modem's status. Numbers are masked and message texts are
never shown; a feeder's start, restart and stop are listed with the requests. <span class="badge" id="live-state" data-live="off">not live: reload for new requests</span></p>
<div id="alerts-slot">
% include('alerts.tpl', alerts=alerts)
</div>
<h2>Activity</h2>
{{!charts}}
<h2>Modems</h2>
<div class="table-wrap card">
<table class="monitor-modems stack">
  <thead><tr><th>Modem</th><th>State</th><th>Signal</th><th>Operator</th><th>SMS path</th><th>Last error</th></tr></thead>
  <tbody id="modem-rows">
  % if not modems:
  <tr class="empty"><td colspan="6">No modem is running. <a href="/modems">Modems</a></td></tr>
  % end
  % for m in modems:
  <tr data-modem="{{m['modem_id']}}">
    <td data-col="name" data-label="Modem">{{m['name']}}</td>
    <td data-col="state" data-label="State"><span class="badge {{'ok' if m['connected'] else 'bad'}}">{{m['state']}}</span></td>
    <td data-col="signal" data-label="Signal">{{'%s %%' % m['signal'] if m['signal'] is not None else '—'}}</td>
    <td data-col="operator" data-label="Operator">{{m['operator'] or '—'}}</td>
    <td data-col="sms_path" data-label="SMS path" title="{{m['sms_path_reason'] or ''}}">{{m['sms_path'] or '—'}}</td>
    <td data-col="last_error" data-label="Last error">{{m['last_error'] or '—'}}</td>
  </tr>
  % end
  </tbody>
</table>
</div>
<h2>Feeders</h2>
<div class="table-wrap card">
<table class="monitor-feeders stack">
  <thead><tr><th>Feeder</th><th>State</th><th>Received</th><th>Processed</th><th>Rejected</th><th>Restarts</th><th>Restarted at</th></tr></thead>
  <tbody id="feeder-rows">
  % for f in feeders:
  <tr data-feeder="{{f['name']}}">
    <td data-label="Feeder">{{f['label']}}</td>
    <td data-label="State"><span class="badge {{'ok' if f['state'] == 'connected' else ('bad' if f['state'] == 'error' else ('warn' if f['state'] == 'connecting' else ''))}}">{{f['state']}}</span></td>
    <td data-label="Received">{{f['received']}}</td>
    <td data-label="Processed">{{f['processed']}}</td>
    <td data-label="Rejected">{{f['rejected']}}</td>
    <td data-label="Restarts" title="restarts because its settings changed">{{f['restarts']}}</td>
    <td data-label="Restarted at">{{f['restarted'] or '—'}}</td>
  </tr>
  % end
  </tbody>
</table>
</div>
<h2>Requests</h2>
<div class="table-wrap card">
<table class="monitor-events stack">
  <thead><tr><th>Time</th><th>Source</th><th>Recipient</th><th>Modem</th><th>Outcome</th><th>Duration</th></tr></thead>
  <tbody id="event-rows">
  % if not events:
  <tr class="empty"><td colspan="6">No request since the service started.</td></tr>
  % end
  % for e in events:
  <tr>
    <td data-label="Time">{{e['time']}}</td>
    <td data-label="Source">{{e['source_label']}}</td>
    <td data-label="Recipient" class="mono">{{e['recipient'] or '—'}}</td>
    <td data-label="Modem">{{e['modem'] or '—'}}</td>
    <td data-label="Outcome"><span class="badge {{'ok' if e['outcome'] in ('sent', 'started') else ('warn' if e['outcome'] in ('unknown', 'duplicate', 'expired', 'refused', 'restarted', 'stopped') else 'bad')}}">{{e['outcome']}}</span>{{' ' + e['code'] if e['outcome'] != 'sent' else ''}}</td>
    <td data-label="Duration">{{e['duration_ms']}} ms</td>
  </tr>
  % end
  </tbody>
</table>
</div>
