% rebase('layout.tpl')
<section class="card settings-note">
  <p>{{!_("Several devices consuming one queue. Each device with the shared ledger on ({key}) publishes a heartbeat with its modems' states and counters, and claims each message id there before sending it (ids, device names and states only).").format(key='<code>fleet.enabled</code>')}}
  % device = '<strong>' + html(state.device) + '</strong>'
  % if not state.enabled:
  {{!_('This device: {device}; shared ledger off.').format(device=device)}}
  % elif state.reachable:
  {{!_('This device: {device}; shared ledger reachable.').format(device=device)}}
  % else:
  {{!_("This device: {device}; shared ledger unreachable ({error}): sending goes on with this device's own ledger.").format(device=device, error=html(state.error))}}
  % end
  </p>
  <p>{{!_("This device's RabbitMQ feeder names its connections {name} ({key}, else the host name), so the consumer list below says which device each consumer is.").format(name='<code>' + html(connection) + '</code>', key='<code>fleet.device_name</code>')}}</p>
</section>
<h2>{{_("Consumers of the broker's queues now")}}</h2>
% if not consumers.configured:
<p class="card">{{!_("Set {key} (RabbitMQ's management API) to list them.").format(key='<code>fleet.management_url</code>')}}</p>
% elif consumers.error:
<p class="card">{{_('Could not read the consumer list: {error}').format(error=consumers.error)}}</p>
% elif not consumers.listed:
<p class="card">{{_('No consumer now.')}}</p>
% else:
<div class="table-wrap card">
<table class="stack">
  <thead><tr><th>{{_('Queue')}}</th><th>{{_('Device')}}</th><th>{{_('Consumer (connection)')}}</th><th>{{_('Prefetch')}}</th></tr></thead>
  <tbody>
  % for c in consumers.listed:
  <tr><td data-label="{{_('Queue')}}">{{c.queue}}</td><td data-label="{{_('Device')}}">{{device_of(c.consumer) or '?'}}</td>
      <td data-label="{{_('Consumer')}}">{{c.consumer}}</td>
      <td data-label="{{_('Prefetch')}}">{{c.prefetch}}</td></tr>
  % end
  </tbody>
</table>
</div>
% end
<h2>{{_('Devices')}}</h2>
% if devices_error:
<p class="card">{{_('Could not read the heartbeats: {error}').format(error=devices_error)}}</p>
% elif not devices:
<p class="card">{{_('No device beating now.')}}</p>
% else:
<div class="table-wrap card">
<table class="stack">
  <thead><tr><th>{{_('Device')}}</th><th>{{_('Last heartbeat')}}</th><th>{{_('Modem')}}</th><th>{{_('State')}}</th><th>{{_('Sent')}}</th><th>{{_('Failed')}}</th><th>{{_('Unknown')}}</th></tr></thead>
  <tbody>
  % for d in devices:
  % for m in d['modems'] or [None]:
  <tr><td data-label="{{_('Device')}}">{{d['device']}}</td><td data-label="{{_('Last heartbeat')}}">{{d['at']}}</td>
  % if m is None:
      <td data-label="{{_('Modem')}}" colspan="5">{{_('no modem')}}</td>
  % else:
      <td data-label="{{_('Modem')}}">{{m.modem_id}}</td><td data-label="{{_('State')}}">{{word(m.state)}}</td>
      <td data-label="{{_('Sent')}}">{{m.sent}}</td><td data-label="{{_('Failed')}}">{{m.failed}}</td><td data-label="{{_('Unknown')}}">{{m.unknown}}</td>
  % end
  </tr>
  % end
  % end
  </tbody>
</table>
</div>
% end
<h2>{{_('Which device sent a message')}}</h2>
<form method="get" action="/fleet" class="card">
  <label>{{_('Message id')}} <input name="id" value="{{message_id}}" maxlength="200"></label>
  <button type="submit">{{_('Look up')}}</button>
</form>
% if lookup is not None:
<p class="card">
% if lookup.get('error'):
  {{_('The shared ledger could not be read: {error}').format(error=lookup['error'])}}
% elif lookup.get('none'):
  {{!_('No device holds message id {id} (never claimed here, released, or aged out).').format(id='<code>' + html(message_id) + '</code>')}}
% else:
  {{!_('Message id {id}: device {device}, {state}, at {time}.').format(id='<code>' + html(message_id) + '</code>', device='<strong>' + html(lookup['device']) + '</strong>', state=html(lookup['state']), time=html(lookup['at']))}}
% end
</p>
% end
