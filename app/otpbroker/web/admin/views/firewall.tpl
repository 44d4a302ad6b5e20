% rebase('layout.tpl')
% include('network_pending.tpl')
<h2>{{_('Always open')}}</h2>
<p class="hint">{{_('These cannot be closed: the REST API and this admin share their listener, and access point clients need DHCP and DNS to reach the device at all.')}}</p>
% if fixed:
<div class="table-wrap card">
<table class="stack fixed-ports">
  <thead><tr><th>{{_('Port')}}</th><th>{{_('Protocol')}}</th><th>{{_('Interface')}}</th><th>{{_('Why')}}</th><th>{{_('Status')}}</th></tr></thead>
  <tbody>
  % for p in fixed:
  <tr>
    <td data-label="{{_('Port')}}"><strong>{{p['port']}}</strong></td>
    <td data-label="{{_('Protocol')}}">{{p['protocol']}}</td>
    <td data-label="{{_('Interface')}}">{{p['interface'] or _('all')}}</td>
    <td data-label="{{_('Why')}}">{{p['comment']}}</td>
    <td data-label="{{_('Status')}}"><span class="badge ok">{{_('open')}}</span> <span class="badge">{{_('cannot be closed')}}</span></td>
  </tr>
  % end
  </tbody>
</table>
</div>
% end
<h2>{{_('Your ports')}}</h2>
% if records:
<div class="table-wrap card">
<table class="stack owner-ports">
  <thead><tr><th>{{_('Port')}}</th><th>{{_('Protocol')}}</th><th>{{_('Interface')}}</th><th>{{_('Comment')}}</th><th>{{_('Status')}}</th><th>{{_('Actions')}}</th></tr></thead>
  <tbody>
  % for r in records:
  <tr>
    <td data-label="{{_('Port')}}"><strong>{{r['port']}}</strong></td>
    <td data-label="{{_('Protocol')}}">{{r['protocol']}}</td>
    <td data-label="{{_('Interface')}}">{{r.get('interface') or _('all')}}</td>
    <td data-label="{{_('Comment')}}">{{r.get('comment') or '—'}}</td>
    <td data-label="{{_('Status')}}"><span class="badge {{'ok' if r['active'] else 'warn'}}">{{_('open') if r['active'] else _('closed')}}</span></td>
    <td class="actions">
      <a href="/firewall/{{r['id']}}/edit">{{_('Edit')}}</a>
      <form method="post" action="/firewall/{{r['id']}}/{{'close' if r['active'] else 'open'}}">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{_('Close') if r['active'] else _('Open')}}</button>
      </form>
      <form method="post" action="/firewall/{{r['id']}}/delete" data-confirm="{{_('Delete port {port}? It is closed at once.').format(port=str(r['port']) + '/' + r['protocol'])}}">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">{{_('Delete')}}</button>
      </form>
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
% else:
<p class="card">{{_('No extra port: only the ports above are open; everything else is dropped by the firewall.')}}</p>
% end
<h2>{{_('Edit port {port}').format(port=editing['port']) if editing else _('Open a port')}}</h2>
<form method="post" action="{{'/firewall/' + editing['id'] if editing else '/firewall'}}" class="card narrow">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='port', label=_('Port'), type='number', value=form.get('port', ''), attrs='required min="1" max="65535" inputmode="numeric"', hint=_('1 to 65535'))
  <div class="field{{' invalid' if errors.get('protocol') else ''}}">
    <label for="f-protocol">{{_('Protocol')}}</label>
    <select id="f-protocol" name="protocol">
      % for proto in ('tcp', 'udp'):
      <option value="{{proto}}" {{!'selected' if form.get('protocol') == proto else ''}}>{{proto}}</option>
      % end
    </select>
    % if errors.get('protocol'):
    <small class="error">{{errors['protocol']}}</small>
    % end
  </div>
  % include('field.tpl', name='interface', label=_('Interface'), value=form.get('interface') or '', attrs='autocomplete="off" autocapitalize="off" spellcheck="false"', hint=_('empty = every interface; e.g. eth0, wlan0, ppp0'))
  % include('field.tpl', name='comment', label=_('Comment'), value=form.get('comment') or '', attrs='maxlength="64"', hint=_('what the port is for'))
  <div class="field check">
    <label class="inline" for="f-active"><input id="f-active" name="active" type="checkbox" value="true" {{!'checked' if form.get('active') else ''}}> {{_('Open (active)')}}</label>
  </div>
  <button type="submit" class="primary">{{_('Save') if editing else _('Open port')}}</button>
  % if editing:
  <a href="/firewall">{{_('Cancel')}}</a>
  % end
</form>
