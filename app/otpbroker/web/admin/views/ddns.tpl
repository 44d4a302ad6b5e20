% rebase('layout.tpl')
% aerr = {k.split('.', 1)[1]: v for k, v in errors.items() if k.startswith('account.')}
% rerr = {k.split('.', 1)[1]: v for k, v in errors.items() if k.startswith('record.')}
% serr = {k: v for k, v in errors.items() if k.startswith('ddns.')}
% sf = settings_form or settings
<p class="hint">{{_("Records are kept pointing at the device's public IPv4 address. An update is sent only when the address changed: providers block clients that repeat updates needlessly.")}}</p>
<section class="card ddns-status" aria-label="{{_('Updater')}}">
  <p><strong>{{_('Updater:')}}</strong>
    <span class="badge {{'ok' if settings['ddns.enabled'] else 'warn'}}">{{_('on') if settings['ddns.enabled'] else _('off')}}</span>
    {{_('every {seconds} s').format(seconds=settings['ddns.interval_seconds'])}} ·
    {{_('public address')}} <strong class="ddns-address">{{status.get('address') or _('not known yet')}}</strong>
    % if status.get('checked_at'):
    ({{_('checked {time}').format(time=when(status['checked_at']))}})
    % end
  </p>
  % if status.get('error'):
  <p class="error ddns-error" role="alert">{{status['error']}}</p>
  % end
  <form method="post" action="/ddns/update-now">
    <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="primary">{{_('Update now')}}</button>
  </form>
</section>
<h2 id="records">{{_('Records')}}</h2>
<div class="table-wrap card">
<table class="ddns-records stack">
  <thead><tr><th>{{_('Host name')}}</th><th>{{_('Account')}}</th><th>{{_('Proxied')}}</th><th>TTL</th><th>{{_('Last address')}}</th><th>{{_('Last update')}}</th><th>{{_('Last answer')}}</th><th>{{_('Status')}}</th><th>{{_('Actions')}}</th></tr></thead>
  <tbody>
  % if not records:
  <tr><td colspan="9">{{_('No record yet: add an account, then a record below.')}}</td></tr>
  % end
  % for r in records:
  % acc = names.get(r['account'], {})
  % cloudflare = acc.get('provider') == 'cloudflare'
  <tr data-record="{{r['name']}}">
    <td data-label="{{_('Host name')}}">{{r['name']}}</td>
    <td data-label="{{_('Account')}}">{{acc.get('name', _('(deleted account)'))}} · {{providers.get(acc.get('provider'), '?')}}</td>
    <td data-label="{{_('Proxied')}}">{{(_('yes') if r['proxied'] else _('no')) if cloudflare else '—'}}</td>
    <td data-label="TTL">{{(_('auto') if r['ttl'] == 1 or r['proxied'] else r['ttl']) if cloudflare else '—'}}</td>
    <td data-label="{{_('Last address')}}" class="last-address">{{r['last_address'] or '—'}}</td>
    <td data-label="{{_('Last update')}}">{{when(r['last_update']) if r['last_update'] else '—'}}</td>
    <td data-label="{{_('Last answer')}}" class="last-answer">
      % if r['last_status']:
      <span class="badge {{'ok' if r['last_status'] in ('updated', 'unchanged') else ('bad' if r['last_status'] == 'fatal' else 'warn')}}">{{answer(r['last_status'])}}</span>
      % end
      {{r['last_answer'] or '—'}}
    </td>
    <td data-label="{{_('Status')}}"><span class="badge {{'ok' if r['active'] else 'warn'}}">{{_('active') if r['active'] else _('inactive')}}</span></td>
    <td class="actions">
      <a href="/ddns/records/{{r['id']}}/edit#record-form">{{_('Edit')}}</a>
      % action = 'deactivate' if r['active'] else 'activate'
      <form method="post" action="/ddns/records/{{r['id']}}/{{action}}">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{_('Deactivate') if r['active'] else _('Activate')}}</button>
      </form>
      % if cloudflare:
      % toggle = 'unproxy' if r['proxied'] else 'proxy'
      <form method="post" action="/ddns/records/{{r['id']}}/{{toggle}}">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{_('Unproxy') if r['proxied'] else _('Proxy')}}</button>
      </form>
      % end
      <form method="post" action="/ddns/records/{{r['id']}}/delete" data-confirm="{{_('Delete DDNS record {name}?').format(name=r['name'])}}">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">{{_('Delete')}}</button>
      </form>
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
<h2 id="accounts">{{_('Accounts')}}</h2>
<div class="table-wrap card">
<table class="ddns-accounts stack">
  <thead><tr><th>{{_('Name')}}</th><th>{{_('Provider')}}</th><th>{{_('Login')}}</th><th>{{_('Credentials')}}</th><th>{{_('API address')}}</th><th>{{_('Status')}}</th><th>{{_('Actions')}}</th></tr></thead>
  <tbody>
  % if not accounts:
  <tr><td colspan="7">{{_('No account yet: add one below.')}}</td></tr>
  % end
  % for a in accounts:
  <tr data-account="{{a['name']}}">
    <td data-label="{{_('Name')}}">{{a['name']}}</td>
    <td data-label="{{_('Provider')}}">{{providers.get(a['provider'], a['provider'])}}</td>
    <td data-label="{{_('Login')}}">{{a['username'] or '—'}}</td>
    <td data-label="{{_('Credentials')}}">{{_('(set)') if a['password_set'] or a['api_token_set'] else _('not set')}}</td>
    <td data-label="{{_('API address')}}">{{a['base_url'] or _('default')}}</td>
    <td data-label="{{_('Status')}}"><span class="badge {{'ok' if a['active'] else 'warn'}}">{{_('active') if a['active'] else _('inactive')}}</span></td>
    <td class="actions">
      <a href="/ddns/accounts/{{a['id']}}/edit#account-form">{{_('Edit')}}</a>
      % action = 'deactivate' if a['active'] else 'activate'
      <form method="post" action="/ddns/accounts/{{a['id']}}/{{action}}">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{_('Deactivate') if a['active'] else _('Activate')}}</button>
      </form>
      <form method="post" action="/ddns/accounts/{{a['id']}}/delete" data-confirm="{{_('Delete DDNS account {name}?').format(name=a['name'])}}">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">{{_('Delete')}}</button>
      </form>
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
<div class="grid">
<section>
<h2 id="record-form">{{_('Edit {name}').format(name=record_editing['name']) if record_editing else _('Add a record')}}</h2>
<form method="post" action="{{'/ddns/records/' + record_editing['id'] if record_editing else '/ddns/records'}}" class="card">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='name', label=_('Host name'), value=record_form.get('name', ''), attrs='required autocomplete="off" spellcheck="false"', hint=_('e.g. home.example.com'), errors=rerr)
  <div class="field{{' invalid' if rerr.get('account') else ''}}">
    <label for="f-account">{{_('Account')}}</label>
    <select id="f-account" name="account">
      % for a in accounts:
      <option value="{{a['id']}}"{{!' selected' if record_form.get('account') == a['id'] else ''}}>{{a['name']}} ({{providers.get(a['provider'], a['provider'])}})</option>
      % end
    </select>
    % if rerr.get('account'):
    <small class="error" id="e-account">{{rerr['account']}}</small>
    % end
  </div>
  % include('field.tpl', name='ttl', label=_('TTL (Cloudflare)'), type='number', value=record_form.get('ttl', 1), attrs='min="1" max="86400" inputmode="numeric"', hint=_('1 = automatic, else 60-86400 seconds; proxied records always use automatic'), errors=rerr)
  <div class="field{{' invalid' if rerr.get('proxied') else ''}}">
    <label class="inline" for="f-proxied"><input id="f-proxied" type="checkbox" name="proxied" value="on"{{!' checked' if record_form.get('proxied') else ''}}> {{_('Proxied through Cloudflare')}}</label>
    % if rerr.get('proxied'):
    <small class="error" id="e-proxied">{{rerr['proxied']}}</small>
    % end
  </div>
  <div class="field">
    <label class="inline" for="f-record-active"><input id="f-record-active" type="checkbox" name="active" value="on"{{!' checked' if record_form.get('active') else ''}}> {{_('Active')}}</label>
  </div>
  <div class="actions">
    <button type="submit" class="primary">{{_('Save record') if record_editing else _('Add record')}}</button>
    % if record_editing:
    <a href="/ddns">{{_('Cancel')}}</a>
    % end
  </div>
</form>
</section>
<section>
<h2 id="account-form">{{_('Edit {name}').format(name=account_editing['name']) if account_editing else _('Add an account')}}</h2>
<form method="post" action="{{'/ddns/accounts/' + account_editing['id'] if account_editing else '/ddns/accounts'}}" class="card">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='name', label=_('Name'), value=account_form.get('name', ''), attrs='required maxlength="64" autocomplete="off"', hint=_('shown here, e.g. cloudflare-main'), errors=aerr)
  <div class="field{{' invalid' if aerr.get('provider') else ''}}">
    <label for="f-provider">{{_('Provider')}}</label>
    <select id="f-provider" name="provider">
      % for value, text in providers.items():
      <option value="{{value}}"{{!' selected' if account_form.get('provider') == value else ''}}>{{text}}</option>
      % end
    </select>
    % if aerr.get('provider'):
    <small class="error" id="e-provider">{{aerr['provider']}}</small>
    % end
  </div>
  % include('field.tpl', name='username', label=_('User name (No-IP, Dynu)'), value=account_form.get('username', ''), attrs='autocomplete="off" spellcheck="false"', errors=aerr)
  % include('field.tpl', name='password', label=_('Password (No-IP, Dynu)'), type='password', value='', attrs='autocomplete="new-password"', hint=(_('(set) — leave blank to keep it') if account_editing and account_editing.get('password_set') else _('Dynu: the account or IP update password')), errors=aerr)
  % include('field.tpl', name='api_token', label=_('Token (Cloudflare API token, FreeDNS update token)'), type='password', value='', attrs='autocomplete="off"', hint=(_('(set) — leave blank to keep it') if account_editing and account_editing.get('api_token_set') else _('Cloudflare: Zone Read + DNS Edit; FreeDNS: the part after /u/')), errors=aerr)
  % include('field.tpl', name='base_url', label=_('API address'), value=account_form.get('base_url', ''), attrs='autocomplete="off" spellcheck="false"', hint=_("leave empty for the provider's real address"), errors=aerr)
  <div class="field">
    <label class="inline" for="f-account-active"><input id="f-account-active" type="checkbox" name="active" value="on"{{!' checked' if account_form.get('active') else ''}}> {{_('Active')}}</label>
  </div>
  <div class="actions">
    <button type="submit" class="primary">{{_('Save account') if account_editing else _('Add account')}}</button>
    % if account_editing:
    <a href="/ddns">{{_('Cancel')}}</a>
    % end
  </div>
</form>
</section>
</div>
<h2 id="ddns-settings">{{_('Updater settings')}}</h2>
<form method="post" action="/ddns/settings#ddns-settings" class="card">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <div class="field">
    <label class="inline" for="f-ddns-enabled"><input id="f-ddns-enabled" type="checkbox" name="ddns.enabled" value="on"{{!' checked' if sf['ddns.enabled'] else ''}}> {{_('Keep the records up to date')}}</label>
  </div>
  % include('field.tpl', name='ddns.interval_seconds', label=_('Check every (seconds)'), type='number', value=sf['ddns.interval_seconds'], attrs='min="60" max="86400" inputmode="numeric"', hint=_('60 to 86400; failures back off up to an hour'), errors=serr)
  % include('field.tpl', name='ddns.ip_source', label=_('Public address from'), value=sf['ddns.ip_source'], attrs='spellcheck="false"', hint=_('web (the services below) or an interface such as ppp0 when mobile internet is the uplink'), errors=serr)
  <div class="field{{' invalid' if serr.get('ddns.ip_services') else ''}}">
    <label for="f-ddns.ip_services">{{_('"What is my IP" services, one per line')}}</label>
    <textarea id="f-ddns.ip_services" name="ddns.ip_services" rows="3" spellcheck="false">{{'\n'.join(sf['ddns.ip_services'] or [])}}</textarea>
    <small class="hint">{{_('asked in turn until one answers with an address')}}</small>
    % if serr.get('ddns.ip_services'):
    <small class="error" id="e-ddns.ip_services">{{serr['ddns.ip_services']}}</small>
    % end
  </div>
  % include('field.tpl', name='ddns.contact', label=_('Contact e-mail (User-Agent)'), type='email', value=sf['ddns.contact'], attrs='autocomplete="email"', hint=_('sent with each update as No-IP asks'), errors=serr)
  <button type="submit" class="primary">{{_('Save settings')}}</button>
</form>
