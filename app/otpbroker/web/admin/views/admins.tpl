% rebase('layout.tpl')
<div class="table-wrap card">
<table class="stack">
  <thead><tr><th>{{_('User name')}}</th><th>{{_('Phone')}}</th><th>{{_('E-mail')}}</th><th>{{_('Status')}}</th><th>{{_('Actions')}}</th></tr></thead>
  <tbody>
  % labels = {'activate': _('Activate'), 'deactivate': _('Deactivate'), 'block': _('Block'), 'unblock': _('Unblock')}
  % for a in admins:
  <tr>
    <td data-label="{{_('User name')}}"><strong>{{a['username']}}</strong></td>
    <td data-label="{{_('Phone')}}">{{a.get('phone') or '—'}}</td><td data-label="{{_('E-mail')}}">{{a.get('email') or '—'}}</td>
    <td data-label="{{_('Status')}}">
      <span class="badge {{'ok' if a['active'] else 'warn'}}">{{_('active') if a['active'] else _('inactive')}}</span>
      % if a['blocked']:
      <span class="badge bad">{{_('blocked')}}</span>
      % end
    </td>
    <td class="actions">
      <a href="/admins/{{a['id']}}/edit">{{_('Edit')}}</a>
      % for action in (('deactivate' if a['active'] else 'activate'), ('unblock' if a['blocked'] else 'block')):
      <form method="post" action="/admins/{{a['id']}}/{{action}}">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{labels[action]}}</button>
      </form>
      % end
      <form method="post" action="/admins/{{a['id']}}/delete" data-confirm="{{_('Delete administrator {name}?').format(name=a['username'])}}">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">{{_('Delete')}}</button>
      </form>
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
<h2>{{_('Edit {name}').format(name=editing['username']) if editing else _('Add an administrator')}}</h2>
<form method="post" action="{{'/admins/' + editing['id'] if editing else '/admins'}}" class="card narrow">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='username', label=_('User name'), value=form.get('username', ''), attrs='required autocomplete="off"')
  % include('field.tpl', name='password', label=_('Password'), type='password', value='', attrs='autocomplete="new-password"' + ('' if editing else ' required minlength="8"'), hint=_('leave blank to keep the current password') if editing else _('at least 8 characters'))
  % include('field.tpl', name='password2', label=_('Password again'), type='password', value='', attrs='autocomplete="new-password"' + ('' if editing else ' required'))
  % include('field.tpl', name='phone', label=_('Phone (forgotten password by SMS)'), type='tel', value=form.get('phone', ''))
  % include('field.tpl', name='email', label=_('E-mail (forgotten password by e-mail)'), type='email', value=form.get('email', ''))
  <button type="submit" class="primary">{{_('Save') if editing else _('Add administrator')}}</button>
  % if editing:
  <a href="/admins">{{_('Cancel')}}</a>
  % end
</form>
% if me:
<h2>{{_('Your language')}}</h2>
<form method="post" action="/language" class="card narrow">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <input type="hidden" name="back" value="/admins">
  <div class="field">
    <label for="f-language">{{_('Language of the admin for {name}').format(name=me['username'])}}</label>
    % include('language_choice.tpl', choice_id='f-language', chosen=me.get('language', ''))
    <small class="hint">{{_('"Browser language" follows the language your browser asks for.')}}</small>
  </div>
  <button type="submit">{{_('Save language')}}</button>
</form>
% end
