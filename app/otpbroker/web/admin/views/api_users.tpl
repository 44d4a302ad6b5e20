% rebase('layout.tpl')
<p class="hint">{{_('Application servers log in to the REST API with these accounts (HTTP Basic authentication). An inactive or blocked user is refused at once.')}}</p>
% buttons = {'activate': _('Activate'), 'deactivate': _('Deactivate'), 'block': _('Block'), 'unblock': _('Unblock')}
% if users:
<div class="table-wrap card">
<table class="stack">
  <thead><tr><th>{{_('User name')}}</th><th>{{_('Phone')}}</th><th>{{_('E-mail')}}</th><th>{{_('Defaults')}}</th><th>{{_('Status')}}</th><th>{{_('Actions')}}</th></tr></thead>
  <tbody>
  % for u in users:
  <tr>
    <td data-label="{{_('User name')}}"><strong>{{u['username']}}</strong></td>
    <td data-label="{{_('Phone')}}">{{u.get('phone') or '—'}}</td><td data-label="{{_('E-mail')}}">{{u.get('email') or '—'}}</td>
    <td data-label="{{_('Defaults')}}">{{u.get('default_priority') or 'otp'}}, {{_('expiry {seconds} s').format(seconds=u['default_ttl_seconds']) if u.get('default_ttl_seconds') else _('device expiry')}}</td>
    <td data-label="{{_('Status')}}">
      <span class="badge {{'ok' if u['active'] else 'warn'}}">{{_('active') if u['active'] else _('inactive')}}</span>
      % if u['blocked']:
      <span class="badge bad">{{_('blocked')}}</span>
      % end
      % if not u['password_set']:
      <span class="badge warn">{{_('no password')}}</span>
      % end
    </td>
    <td class="actions">
      <a href="/api-users/{{u['id']}}/edit">{{_('Edit')}}</a>
      % for action in (('deactivate' if u['active'] else 'activate'), ('unblock' if u['blocked'] else 'block')):
      <form method="post" action="/api-users/{{u['id']}}/{{action}}">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{buttons[action]}}</button>
      </form>
      % end
      <form method="post" action="/api-users/{{u['id']}}/delete" data-confirm="{{_('Delete API user {name}? Servers using it will be refused.').format(name=u['username'])}}">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">{{_('Delete')}}</button>
      </form>
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
% else:
<p class="card">{{_('No API user yet: the REST API refuses every request until you add one.')}}</p>
% end
<h2>{{_('Edit {name}').format(name=editing['username']) if editing else _('Add an API user')}}</h2>
<form method="post" action="{{'/api-users/' + editing['id'] if editing else '/api-users'}}" class="card narrow">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='username', label=_('User name'), value=form.get('username', ''), attrs='required autocomplete="off" autocapitalize="off" spellcheck="false"', hint=_('1-64 of A-Z a-z 0-9 . _ @ -; unique'))
  % include('field.tpl', name='password', label=_('Password'), type='password', value='', attrs='autocomplete="new-password"' + ('' if editing else ' required minlength="8"'), hint=_('leave blank to keep the current password') if editing else _('at least 8 characters'))
  % include('field.tpl', name='password2', label=_('Password again'), type='password', value='', attrs='autocomplete="new-password"' + ('' if editing else ' required minlength="8"'))
  % include('field.tpl', name='phone', label=_('Phone'), type='tel', value=form.get('phone', ''), hint=_('contact of the API user (optional)'))
  % include('field.tpl', name='email', label=_('E-mail'), type='email', value=form.get('email', ''), hint=_('contact of the API user (optional)'))
  % include('field.tpl', name='default_ttl_seconds', label=_('Default expiry (seconds)'), type='number', value=form.get('default_ttl_seconds', '0'), attrs='min="0" max="604800" step="1"', hint=_('how long a message of this user is worth when it does not say (ttl or valid_until); 0 = the device default (SMS settings); an expired message is never sent'))
  <div class="field{{' invalid' if errors.get('default_priority') else ''}}">
    <label for="f-default_priority">{{_('Default priority')}}</label>
    <select id="f-default_priority" name="default_priority">
      % for value, text in (('otp', _('otp: overtakes bulk messages')), ('bulk', _('bulk: waits behind every OTP'))):
      <option value="{{value}}"{{!' selected' if form.get('default_priority', 'otp') == value else ''}}>{{text}}</option>
      % end
    </select>
    <small class="hint">{{_("the lane of this user's send-sms messages that name no priority; request-otp is always otp")}}</small>
    % if errors.get('default_priority'):
    <small class="error" id="e-default_priority">{{errors['default_priority']}}</small>
    % end
  </div>
  <button type="submit" class="primary">{{_('Save') if editing else _('Add API user')}}</button>
  % if editing:
  <a href="/api-users">{{_('Cancel')}}</a>
  % end
</form>
