% rebase('layout.tpl')
<p class="hint">Application servers log in to the REST API with these accounts (HTTP Basic
authentication). An inactive or blocked user is refused at once.</p>
% if users:
<div class="table-wrap card">
<table class="stack">
  <thead><tr><th>User name</th><th>Phone</th><th>E-mail</th><th>Defaults</th><th>Status</th><th>Actions</th></tr></thead>
  <tbody>
  % for u in users:
  <tr>
    <td data-label="User name"><strong>{{u['username']}}</strong></td>
    <td data-label="Phone">{{u.get('phone') or '—'}}</td><td data-label="E-mail">{{u.get('email') or '—'}}</td>
    <td data-label="Defaults">{{u.get('default_priority') or 'otp'}}, {{('expiry ' + str(u['default_ttl_seconds']) + ' s') if u.get('default_ttl_seconds') else 'device expiry'}}</td>
    <td data-label="Status">
      <span class="badge {{'ok' if u['active'] else 'warn'}}">{{'active' if u['active'] else 'inactive'}}</span>
      % if u['blocked']:
      <span class="badge bad">blocked</span>
      % end
      % if not u['password_set']:
      <span class="badge warn">no password</span>
      % end
    </td>
    <td class="actions">
      <a href="/api-users/{{u['id']}}/edit">Edit</a>
      % for action in (('deactivate' if u['active'] else 'activate'), ('unblock' if u['blocked'] else 'block')):
      <form method="post" action="/api-users/{{u['id']}}/{{action}}">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{action.capitalize()}}</button>
      </form>
      % end
      <form method="post" action="/api-users/{{u['id']}}/delete" data-confirm="Delete API user {{u['username']}}? Servers using it will be refused.">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">Delete</button>
      </form>
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
% else:
<p class="card">No API user yet: the REST API refuses every request until you add one.</p>
% end
<h2>{{'Edit ' + editing['username'] if editing else 'Add an API user'}}</h2>
<form method="post" action="{{'/api-users/' + editing['id'] if editing else '/api-users'}}" class="card narrow">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='username', label='User name', value=form.get('username', ''), attrs='required autocomplete="off" autocapitalize="off" spellcheck="false"', hint='1-64 of A-Z a-z 0-9 . _ @ -; unique')
  % include('field.tpl', name='password', label='Password', type='password', value='', attrs='autocomplete="new-password"' + ('' if editing else ' required minlength="8"'), hint='leave blank to keep the current password' if editing else 'at least 8 characters')
  % include('field.tpl', name='password2', label='Password again', type='password', value='', attrs='autocomplete="new-password"' + ('' if editing else ' required minlength="8"'))
  % include('field.tpl', name='phone', label='Phone', type='tel', value=form.get('phone', ''), hint='contact of the API user (optional)')
  % include('field.tpl', name='email', label='E-mail', type='email', value=form.get('email', ''), hint='contact of the API user (optional)')
  % include('field.tpl', name='default_ttl_seconds', label='Default expiry (seconds)', type='number', value=form.get('default_ttl_seconds', '0'), attrs='min="0" max="604800" step="1"', hint='how long a message of this user is worth when it does not say (ttl or valid_until); 0 = the device default (SMS settings); an expired message is never sent')
  <div class="field{{' invalid' if errors.get('default_priority') else ''}}">
    <label for="f-default_priority">Default priority</label>
    <select id="f-default_priority" name="default_priority">
      % for value, text in (('otp', 'otp: overtakes bulk messages'), ('bulk', 'bulk: waits behind every OTP')):
      <option value="{{value}}"{{!' selected' if form.get('default_priority', 'otp') == value else ''}}>{{text}}</option>
      % end
    </select>
    <small class="hint">the lane of this user's send-sms messages that name no priority; request-otp is always otp</small>
    % if errors.get('default_priority'):
    <small class="error" id="e-default_priority">{{errors['default_priority']}}</small>
    % end
  </div>
  <button type="submit" class="primary">{{'Save' if editing else 'Add API user'}}</button>
  % if editing:
  <a href="/api-users">Cancel</a>
  % end
</form>
