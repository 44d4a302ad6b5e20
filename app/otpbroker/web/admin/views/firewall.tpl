% rebase('layout.tpl')
% include('network_pending.tpl')
<h2>Always open</h2>
<p class="hint">These cannot be closed: the REST API and this admin share their listener, and
access point clients need DHCP and DNS to reach the device at all.</p>
% if fixed:
<div class="table-wrap card">
<table class="stack fixed-ports">
  <thead><tr><th>Port</th><th>Protocol</th><th>Interface</th><th>Why</th><th>Status</th></tr></thead>
  <tbody>
  % for p in fixed:
  <tr>
    <td data-label="Port"><strong>{{p['port']}}</strong></td>
    <td data-label="Protocol">{{p['protocol']}}</td>
    <td data-label="Interface">{{p['interface'] or 'all'}}</td>
    <td data-label="Why">{{p['comment']}}</td>
    <td data-label="Status"><span class="badge ok">open</span> <span class="badge">cannot be closed</span></td>
  </tr>
  % end
  </tbody>
</table>
</div>
% end
<h2>Your ports</h2>
% if records:
<div class="table-wrap card">
<table class="stack owner-ports">
  <thead><tr><th>Port</th><th>Protocol</th><th>Interface</th><th>Comment</th><th>Status</th><th>Actions</th></tr></thead>
  <tbody>
  % for r in records:
  <tr>
    <td data-label="Port"><strong>{{r['port']}}</strong></td>
    <td data-label="Protocol">{{r['protocol']}}</td>
    <td data-label="Interface">{{r.get('interface') or 'all'}}</td>
    <td data-label="Comment">{{r.get('comment') or '—'}}</td>
    <td data-label="Status"><span class="badge {{'ok' if r['active'] else 'warn'}}">{{'open' if r['active'] else 'closed'}}</span></td>
    <td class="actions">
      <a href="/firewall/{{r['id']}}/edit">Edit</a>
      <form method="post" action="/firewall/{{r['id']}}/{{'close' if r['active'] else 'open'}}">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{'Close' if r['active'] else 'Open'}}</button>
      </form>
      <form method="post" action="/firewall/{{r['id']}}/delete" data-confirm="Delete port {{r['port']}}/{{r['protocol']}}? It is closed at once.">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">Delete</button>
      </form>
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
% else:
<p class="card">No extra port: only the ports above are open; everything else is dropped by the firewall.</p>
% end
<h2>{{'Edit port ' + str(editing['port']) if editing else 'Open a port'}}</h2>
<form method="post" action="{{'/firewall/' + editing['id'] if editing else '/firewall'}}" class="card narrow">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='port', label='Port', type='number', value=form.get('port', ''), attrs='required min="1" max="65535" inputmode="numeric"', hint='1 to 65535')
  <div class="field{{' invalid' if errors.get('protocol') else ''}}">
    <label for="f-protocol">Protocol</label>
    <select id="f-protocol" name="protocol">
      % for proto in ('tcp', 'udp'):
      <option value="{{proto}}" {{!'selected' if form.get('protocol') == proto else ''}}>{{proto}}</option>
      % end
    </select>
    % if errors.get('protocol'):
    <small class="error">{{errors['protocol']}}</small>
    % end
  </div>
  % include('field.tpl', name='interface', label='Interface', value=form.get('interface') or '', attrs='autocomplete="off" autocapitalize="off" spellcheck="false"', hint='empty = every interface; e.g. eth0, wlan0, ppp0')
  % include('field.tpl', name='comment', label='Comment', value=form.get('comment') or '', attrs='maxlength="64"', hint='what the port is for')
  <div class="field check">
    <label class="inline" for="f-active"><input id="f-active" name="active" type="checkbox" value="true" {{!'checked' if form.get('active') else ''}}> Open (active)</label>
  </div>
  <button type="submit" class="primary">{{'Save' if editing else 'Open port'}}</button>
  % if editing:
  <a href="/firewall">Cancel</a>
  % end
</form>
