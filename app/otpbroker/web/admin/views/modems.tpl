% rebase('layout.tpl')
<p><a class="add-link" href="/modems/new">Add a modem</a></p>
% if not modems:
<p class="card">No modem is configured yet. Plug in a USB GSM modem, then add it on one of the detected ports below.</p>
% else:
<div class="table-wrap card">
<table class="cards-on-phone">
  <thead><tr><th>Name</th><th>Port</th><th>Use</th><th>Prefixes</th><th>State</th><th>SMS path</th><th>Routing</th><th>SIM use</th><th>Balance</th><th>IMEI</th><th>Operator</th><th>Signal</th><th>Checks</th><th>Actions</th></tr></thead>
  <tbody>
  % for m in modems:
  % live = m['live']
  <tr>
    <td data-label="Name"><strong>{{m['name']}}</strong></td>
    <td data-label="Port" class="dev-path">{{m['port']}}</td>
    <td data-label="Use"><span>
      <span class="badge {{'ok' if m['active'] else 'warn'}}">{{'active' if m['active'] else 'inactive'}}</span>
      % if m['default']:
      <span class="badge">default</span>
      % end
      <span class="badge">{{'API + manual' if m['api'] else 'manual only'}}</span>
      % if m['internet']:
      <span class="badge">internet</span>
      % end
    </span></td>
    <td data-label="Prefixes">{{', '.join(m['prefixes']) or '—'}}</td>
    % if live:
    <td data-label="State"><span>
      <span class="badge {{'ok' if live['ready'] else 'bad'}}">{{live['state']}}</span>
      % if live['advice']:
      <small class="hint modem-advice">{{live['advice']}}</small>
      % elif live['recovery']:
      <small class="hint modem-advice">{{live['recovery']}}</small>
      % elif live['error'] and not live['ready']:
      <small class="hint">{{live['error']}}</small>
      % end
    </span></td>
    <td data-label="SMS path"><span>
      % if live['sms_path']:
      <span class="badge {{'bad' if live['sms_path_ok'] is False else ('ok' if live['sms_path_ok'] else 'warn')}}">{{live['sms_path']}}</span>
      <small class="hint modem-advice">{{live['sms_path_reason']}}</small>
      % else:
      —
      % end
    </span></td>
    <td data-label="Routing"><span>
      % if live['routing']:
      <span class="badge bad">out: {{live['routing']}}</span>
      <small class="hint modem-advice">{{live['routing_text']}}</small>
      % else:
      <span class="badge ok">in routing</span>
      % end
    </span></td>
    % include('modem_quota.tpl', quota=m['quota'])
    % include('modem_balance.tpl', balance=m['balance'], has_code=m['balance_code'], modem_id=m['id'])
    <td data-label="IMEI">{{live['imei'] or '—'}}</td>
    <td data-label="Operator">{{live['operator'] or '—'}}</td>
    <td data-label="Signal">{{'—' if live['signal'] is None else str(live['signal']) + ' %'}}</td>
    % else:
    <td data-label="State"><span><span class="badge">{{'starting' if m['active'] else 'not running'}}</span></span></td>
    <td data-label="SMS path">—</td><td data-label="Routing">—</td>
    % include('modem_quota.tpl', quota=m['quota'])
    % include('modem_balance.tpl', balance=m['balance'], has_code=m['balance_code'], modem_id=m['id'])
    <td data-label="IMEI">—</td><td data-label="Operator">—</td><td data-label="Signal">—</td>
    % end
    % include('modem_checks.tpl', m=m)
    <td class="actions">
      <a href="/modems/{{m['id']}}/edit">Edit</a>
      <a href="/modems/{{m['id']}}/report">Diagnostic report</a>
      <form method="post" action="/modems/{{m['id']}}/self-test">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Test this modem</button>
      </form>
      % if live and live['put_back']:
      <form method="post" action="/modems/{{m['id']}}/put-back">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="primary">{{'Retry' if live['state'] == 'dead' else 'Put back into routing'}}</button>
      </form>
      % end
      % action = 'deactivate' if m['active'] else 'activate'
      <form method="post" action="/modems/{{m['id']}}/{{action}}">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{action.capitalize()}}</button>
      </form>
      <form method="post" action="/modems/{{m['id']}}/delete" data-confirm="Delete modem {{m['name']}}?">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">Delete</button>
      </form>
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
% end
% if get('detected'):
% include('modem_detected.tpl', detected=detected)
% end
<h2>Detected serial ports</h2>
% if not ports:
<p class="card">No USB serial port found (looked in /dev/serial/by-id, /dev/ttyUSB* and /dev/ttyACM*). Plug in the modem and reload this page.</p>
% else:
<div class="table-wrap card">
<table class="cards-on-phone">
  <thead><tr><th>Port</th><th>Device</th><th>Modem seen on it</th><th>Configured as</th><th></th></tr></thead>
  <tbody>
  % for p in ports:
  <tr>
    <td data-label="Port" class="dev-path">{{p['path']}}</td>
    <td data-label="Device" class="dev-path">{{p['target'] if p['kind'] == 'by-id' else (p.get('links') or '—')}}</td>
    <td data-label="Modem seen on it">
      % if p['live']:
      {{p['live']['model'] or 'modem'}}, IMEI {{p['live']['imei']}}{{', ' + p['live']['operator'] if p['live']['operator'] else ''}}
      % else:
      —
      % end
    </td>
    <td data-label="Configured as">{{p['used_by'] or '—'}}</td>
    <td class="actions"><a href="{{p['add_url']}}">Add a modem here</a></td>
  </tr>
  % end
  </tbody>
</table>
</div>
<p class="hint">Prefer a /dev/serial/by-id/… link: it names the same modem after replugging, while /dev/ttyUSB numbers may change. A modem usually offers several ports; the one that answers AT commands is often if00 or if02.</p>
% end
