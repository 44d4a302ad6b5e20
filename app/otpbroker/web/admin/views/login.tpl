% rebase('layout.tpl')
<form method="post" action="/login" class="card narrow">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='username', label='User name', value=form.get('username', ''), attrs='autocomplete="username" required autofocus')
  % include('field.tpl', name='password', label='Password', type='password', value='', attrs='autocomplete="current-password" required')
  <button type="submit" class="primary">Log in</button>
  <p><a href="/forgot">Forgotten password?</a></p>
</form>
