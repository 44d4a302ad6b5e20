% rebase('layout.tpl')
<form method="post" action="/login" class="card narrow">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='username', label=_('User name'), value=form.get('username', ''), attrs='autocomplete="username" required autofocus')
  % include('field.tpl', name='password', label=_('Password'), type='password', value='', attrs='autocomplete="current-password" required')
  <button type="submit" class="primary">{{_('Log in')}}</button>
  <p><a href="/forgot">{{_('Forgotten password?')}}</a></p>
</form>
