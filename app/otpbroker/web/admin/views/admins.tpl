% rebase('layout.tpl')
<div class="table-wrap card">
<table class="stack">
  <thead><tr><th>User name</th><th>Phone</th><th>E-mail</th><th>Status</th><th>Actions</th></tr></thead>
  <tbody>
  % for a in admins:
  <tr>
    <td data-label="User name"><strong>{{a['username']}}</strong></td>
    <td data-label="Phone">{{a.get('phone') or '—'}}</td><td data-label="E-mail">{{a.get('email') or '—'}}</td>
    <td data-label="Status">
      <span class="badge {{'ok' if a['active'] else 'warn'}}">{{'active' if a['active'] else 'inactive'}}</span>
      % if a['blocked']:
      <span class="badge bad">blocked</span>
      % end
    </td>
    <td class="actions">
      <a href="/admins/{{a['id']}}/edit">Edit</a>
      % for action in (('deactivate' if a['active'] else 'activate'), ('unblock' if a['blocked'] else 'block')):
      <form method="post" action="/admins/{{a['id']}}/{{action}}">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{action.capitalize()}}</button>
      </form>
      % end
      <form method="post" action="/admins/{{a['id']}}/delete" data-confirm="Delete administrator {{a['username']}}?">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">Delete</button>
      </form>
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
<h2>{{'Edit ' + editing['username'] if editing else 'Add an administrator'}}</h2>
<form method="post" action="{{'/admins/' + editing['id'] if editing else '/admins'}}" class="card narrow">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='username', label='User name', value=form.get('username', ''), attrs='required autocomplete="off"')
  % include('field.tpl', name='password', label='Password', type='password', value='', attrs='autocomplete="new-password"' + ('' if editing else ' required minlength="8"'), hint='leave blank to keep the current password' if editing else 'at least 8 characters')
  % include('field.tpl', name='password2', label='Password again', type='password', value='', attrs='autocomplete="new-password"' + ('' if editing else ' required'))
  % include('field.tpl', name='phone', label='Phone (forgotten password by SMS)', type='tel', value=form.get('phone', ''))
  % include('field.tpl', name='email', label='E-mail (forgotten password by e-mail)', type='email', value=form.get('email', ''))
  <button type="submit" class="primary">{{'Save' if editing else 'Add administrator'}}</button>
  % if editing:
  <a href="/admins">Cancel</a>
  % end
</form>
