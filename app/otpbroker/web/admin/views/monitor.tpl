% rebase('layout.tpl')
<p class="hint">{{_("Every request as it is handled, and each modem's status. Numbers are masked and message texts are never shown; a feeder's start, restart and stop are listed with the requests.")}} <span class="badge" id="live-state" data-live="off">{{_('not live: reload for new requests')}}</span></p>
<div id="alerts-slot">
% include('alerts.tpl', alerts=alerts)
</div>
<h2>{{_('Activity')}}</h2>
{{!charts}}
<h2>{{_('Modems')}}</h2>
<div class="table-wrap card">
<table class="monitor-modems stack">
  <thead><tr><th>{{_('Modem')}}</th><th>{{_('State')}}</th><th>{{_('Signal')}}</th><th>{{_('Operator')}}</th><th>{{_('SMS path')}}</th><th>{{_('Last error')}}</th></tr></thead>
  <tbody id="modem-rows">
  % if not modems:
  <tr class="empty"><td colspan="6">{{_('No modem is running.')}} <a href="/modems">{{_('Modems')}}</a></td></tr>
  % end
  % for m in modems:
  <tr data-modem="{{m['modem_id']}}">
    <td data-col="name" data-label="{{_('Modem')}}">{{m['name']}}</td>
    <td data-col="state" data-label="{{_('State')}}"><span class="badge {{'ok' if m['connected'] else 'bad'}}" data-state="{{m['state']}}">{{m['state_label']}}</span></td>
    <td data-col="signal" data-label="{{_('Signal')}}">{{'%s %%' % m['signal'] if m['signal'] is not None else '—'}}</td>
    <td data-col="operator" data-label="{{_('Operator')}}">{{m['operator'] or '—'}}</td>
    <td data-col="sms_path" data-label="{{_('SMS path')}}" title="{{m['sms_path_reason'] or ''}}">{{m['sms_path_label'] or '—'}}</td>
    <td data-col="last_error" data-label="{{_('Last error')}}">{{m['last_error'] or '—'}}</td>
  </tr>
  % end
  </tbody>
</table>
</div>
<h2>{{_('Feeders')}}</h2>
<div class="table-wrap card">
<table class="monitor-feeders stack">
  <thead><tr><th>{{_('Feeder')}}</th><th>{{_('State')}}</th><th>{{pgettext('feeder count', 'Received')}}</th><th>{{_('Processed')}}</th><th>{{_('Rejected')}}</th><th>{{_('Restarts')}}</th><th>{{_('Restarted at')}}</th></tr></thead>
  <tbody id="feeder-rows">
  % for f in feeders:
  <tr data-feeder="{{f['name']}}">
    <td data-label="{{_('Feeder')}}">{{f['label']}}</td>
    <td data-label="{{_('State')}}"><span class="badge {{'ok' if f['state'] == 'connected' else ('bad' if f['state'] == 'error' else ('warn' if f['state'] == 'connecting' else ''))}}" data-state="{{f['state']}}">{{f['state_label']}}</span></td>
    <td data-label="{{pgettext('feeder count', 'Received')}}">{{f['received_text']}}</td>
    <td data-label="{{_('Processed')}}">{{f['processed_text']}}</td>
    <td data-label="{{_('Rejected')}}">{{f['rejected_text']}}</td>
    <td data-label="{{_('Restarts')}}" title="{{_('restarts because its settings changed')}}">{{f['restarts_text']}}</td>
    <td data-label="{{_('Restarted at')}}">{{f['restarted'] or '—'}}</td>
  </tr>
  % end
  </tbody>
</table>
</div>
<h2>{{_('Requests')}}</h2>
<div class="table-wrap card">
<table class="monitor-events stack">
  <thead><tr><th>{{_('Time')}}</th><th>{{_('Source')}}</th><th>{{_('Recipient')}}</th><th>{{_('Modem')}}</th><th>{{_('Outcome')}}</th><th>{{_('Duration')}}</th></tr></thead>
  <tbody id="event-rows">
  % if not events:
  <tr class="empty"><td colspan="6">{{_('No request since the service started.')}}</td></tr>
  % end
  % for e in events:
  <tr>
    <td data-label="{{_('Time')}}">{{e['time']}}</td>
    <td data-label="{{_('Source')}}">{{e['source_label']}}</td>
    <td data-label="{{_('Recipient')}}" class="mono">{{e['recipient'] or '—'}}</td>
    <td data-label="{{_('Modem')}}">{{e['modem'] or '—'}}</td>
    <td data-label="{{_('Outcome')}}"><span class="badge {{'ok' if e['outcome'] in ('sent', 'started') else ('warn' if e['outcome'] in ('unknown', 'duplicate', 'expired', 'refused', 'restarted', 'stopped') else 'bad')}}" data-outcome="{{e['outcome']}}">{{e['outcome_label']}}</span>{{' ' + e['code_label'] if e['outcome'] != 'sent' else ''}}</td>
    <td data-label="{{_('Duration')}}">{{e['duration']}}</td>
  </tr>
  % end
  </tbody>
</table>
</div>
