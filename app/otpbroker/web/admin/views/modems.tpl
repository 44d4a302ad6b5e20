% rebase('layout.tpl')
% from otpbroker.web.admin.modem_words import word
<p><a class="add-link" href="/modems/new">{{_('Add a modem')}}</a></p>
% if not modems:
<p class="card">{{_('No modem is configured yet. Plug in a USB GSM modem, then add it on one of the detected ports below.')}}</p>
% else:
<div class="table-wrap card">
<table class="cards-on-phone">
  <thead><tr><th>{{_('Name')}}</th><th>{{_('Port')}}</th><th>{{_('Use')}}</th><th>{{_('Prefixes')}}</th><th>{{_('State')}}</th><th>{{_('SMS path')}}</th><th>{{_('Routing')}}</th><th>{{_('SIM use')}}</th><th>{{_('Balance')}}</th><th>IMEI</th><th>{{_('Operator')}}</th><th>{{_('Signal')}}</th><th>{{_('Checks')}}</th><th>{{_('Actions')}}</th></tr></thead>
  <tbody>
  % for m in modems:
  % live = m['live']
  <tr>
    <td data-label="{{_('Name')}}"><strong>{{m['name']}}</strong></td>
    <td data-label="{{_('Port')}}" class="dev-path">{{m['port']}}</td>
    <td data-label="{{_('Use')}}"><span>
      <span class="badge {{'ok' if m['active'] else 'warn'}}">{{_('active') if m['active'] else _('inactive')}}</span>
      % if m['default']:
      <span class="badge">{{_('default')}}</span>
      % end
      <span class="badge">{{_('API + manual') if m['api'] else _('manual only')}}</span>
      % if m['internet']:
      <span class="badge">{{_('internet')}}</span>
      % end
    </span></td>
    <td data-label="{{_('Prefixes')}}">{{', '.join(m['prefixes']) or '—'}}</td>
    % if live:
    <td data-label="{{_('State')}}"><span>
      <span class="badge {{'ok' if live['ready'] else 'bad'}}">{{word(live['state'])}}</span>
      % if live['advice']:
      <small class="hint modem-advice">{{live['advice']}}</small>
      % elif live['recovery']:
      <small class="hint modem-advice">{{live['recovery']}}</small>
      % elif live['error'] and not live['ready']:
      <small class="hint">{{live['error']}}</small>
      % end
    </span></td>
    <td data-label="{{_('SMS path')}}"><span>
      % if live['sms_path']:
      <span class="badge {{'bad' if live['sms_path_ok'] is False else ('ok' if live['sms_path_ok'] else 'warn')}}">{{word(live['sms_path'])}}</span>
      <small class="hint modem-advice">{{live['sms_path_reason']}}</small>
      % else:
      —
      % end
    </span></td>
    <td data-label="{{_('Routing')}}"><span>
      % if live['routing']:
      <span class="badge bad">{{_('out: {reason}').format(reason=word(live['routing']))}}</span>
      <small class="hint modem-advice">{{live['routing_text']}}</small>
      % else:
      <span class="badge ok">{{_('in routing')}}</span>
      % end
    </span></td>
    % include('modem_quota.tpl', quota=m['quota'])
    % include('modem_balance.tpl', balance=m['balance'], has_code=m['balance_code'], modem_id=m['id'])
    <td data-label="IMEI">{{live['imei'] or '—'}}</td>
    <td data-label="{{_('Operator')}}">{{live['operator'] or '—'}}</td>
    <td data-label="{{_('Signal')}}">{{'—' if live['signal'] is None else str(live['signal']) + ' %'}}</td>
    % else:
    <td data-label="{{_('State')}}"><span><span class="badge">{{word('starting' if m['active'] else 'not running')}}</span></span></td>
    <td data-label="{{_('SMS path')}}">—</td><td data-label="{{_('Routing')}}">—</td>
    % include('modem_quota.tpl', quota=m['quota'])
    % include('modem_balance.tpl', balance=m['balance'], has_code=m['balance_code'], modem_id=m['id'])
    <td data-label="IMEI">—</td><td data-label="{{_('Operator')}}">—</td><td data-label="{{_('Signal')}}">—</td>
    % end
    % include('modem_checks.tpl', m=m)
    <td class="actions">
      <a href="/modems/{{m['id']}}/edit">{{_('Edit')}}</a>
      <a href="/modems/{{m['id']}}/report">{{_('Diagnostic report')}}</a>
      <form method="post" action="/modems/{{m['id']}}/self-test">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{_('Test this modem')}}</button>
      </form>
      % if live and live['put_back']:
      <form method="post" action="/modems/{{m['id']}}/put-back">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="primary">{{_('Retry') if live['state'] == 'dead' else _('Put back into routing')}}</button>
      </form>
      % end
      % action = 'deactivate' if m['active'] else 'activate'
      <form method="post" action="/modems/{{m['id']}}/{{action}}">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{_('Deactivate') if m['active'] else _('Activate')}}</button>
      </form>
      <form method="post" action="/modems/{{m['id']}}/delete" data-confirm="{{_('Delete modem {name}?').format(name=m['name'])}}">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">{{_('Delete')}}</button>
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
<h2>{{_('Detected serial ports')}}</h2>
% if not ports:
<p class="card">{{_('No USB serial port found (looked in /dev/serial/by-id, /dev/ttyUSB* and /dev/ttyACM*). Plug in the modem and reload this page.')}}</p>
% else:
<div class="table-wrap card">
<table class="cards-on-phone">
  <thead><tr><th>{{_('Port')}}</th><th>{{pgettext('device file', 'Device')}}</th><th>{{_('Modem seen on it')}}</th><th>{{_('Configured as')}}</th><th></th></tr></thead>
  <tbody>
  % for p in ports:
  <tr>
    <td data-label="{{_('Port')}}" class="dev-path">{{p['path']}}</td>
    <td data-label="{{pgettext('device file', 'Device')}}" class="dev-path">{{p['target'] if p['kind'] == 'by-id' else (p.get('links') or '—')}}</td>
    <td data-label="{{_('Modem seen on it')}}">
      % if p['live']:
      {{p['live']['model'] or _('modem')}}, IMEI {{p['live']['imei']}}{{', ' + p['live']['operator'] if p['live']['operator'] else ''}}
      % else:
      —
      % end
    </td>
    <td data-label="{{_('Configured as')}}">{{p['used_by'] or '—'}}</td>
    <td class="actions"><a href="{{p['add_url']}}">{{_('Add a modem here')}}</a></td>
  </tr>
  % end
  </tbody>
</table>
</div>
<p class="hint">{{_('Prefer a /dev/serial/by-id/… link: it names the same modem after replugging, while /dev/ttyUSB numbers may change. A modem usually offers several ports; the one that answers AT commands is often if00 or if02.')}}</p>
% end
