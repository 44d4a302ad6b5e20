% rebase('layout.tpl')
<section class="card settings-note">
  <p>{{_('SMS the modems received, read from their SIMs and removed there once handed over to the applications (webhooks, feeder status channels). Kept in memory only: a restart empties this page. Messages from operators and services (a name or a short code as sender) are shown in full; messages from people are masked.')}}
  % if not enabled:
  <strong>{{_('Reading received SMS is off')}}</strong> {{!_('(setting {key}): the SIMs are not read.').format(key='<code>inbound.enabled</code>')}}
  % end
  % if waiting:
  {{ngettext('{count} long message waits for missing parts (kept on the SIM meanwhile).', '{count} long messages wait for missing parts (kept on the SIM meanwhile).', waiting).format(count=waiting)}}
  % end
  </p>
</section>
<h2>{{_('From operators')}}</h2>
% if operator:
<div class="table-wrap card">
<table class="stack">
  <thead><tr><th>{{_('Modem')}}</th><th>{{_('From')}}</th><th>{{_('Sent at')}}</th><th>{{_('Message')}}</th></tr></thead>
  <tbody>
  % for r in operator:
  <tr>
    <td data-label="{{_('Modem')}}">{{r['modem']}}</td><td data-label="{{_('From')}}">{{r['sender']}}</td>
    <td data-label="{{_('Sent at')}}">{{r['sent']}}</td>
    <td data-label="{{_('Message')}}" class="received-text">{{r['text']}}{{' ' + _('(incomplete)') if r['partial'] else ''}}</td>
  </tr>
  % end
  </tbody>
</table>
</div>
% else:
<p class="hint">{{_('No message from an operator since the start.')}}</p>
% end
<h2>{{_('From people')}}</h2>
% if people:
<div class="table-wrap card">
<table class="stack">
  <thead><tr><th>{{_('Modem')}}</th><th>{{_('From')}}</th><th>{{_('Received at')}}</th><th>{{_('Message')}}</th></tr></thead>
  <tbody>
  % for r in people:
  <tr>
    <td data-label="{{_('Modem')}}">{{r['modem']}}</td><td data-label="{{_('From')}}" class="msisdn">{{r['sender']}}</td>
    <td data-label="{{_('Received at')}}">{{r['received']}}</td>
    <td data-label="{{_('Message')}}">{{r['text']}}{{' ' + _('(incomplete)') if r['partial'] else ''}}</td>
  </tr>
  % end
  </tbody>
</table>
</div>
% else:
<p class="hint">{{_('No message from a person since the start.')}}</p>
% end
