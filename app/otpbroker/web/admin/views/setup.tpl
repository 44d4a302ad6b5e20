% rebase('layout.tpl')
<p>This device has no administrator yet. Create the first one with the <strong>setup code</strong>
printed on the device's brochure, so nobody else on the network can claim it first.</p>
<form method="post" action="/setup" class="card narrow">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='setup_code', label='Setup code', value='', attrs='autocomplete="off" required autofocus', hint='16 characters, e.g. ABCD-EFGH-JKLM-NPQR')
  % include('field.tpl', name='username', label='User name', value=form.get('username', ''), attrs='autocomplete="username" required')
  % include('field.tpl', name='password', label='Password', type='password', value='', attrs='autocomplete="new-password" required minlength="8"', hint='at least 8 characters')
  % include('field.tpl', name='password2', label='Password again', type='password', value='', attrs='autocomplete="new-password" required')
  % include('field.tpl', name='phone', label='Phone (forgotten password by SMS)', type='tel', value=form.get('phone', ''), attrs='autocomplete="tel"')
  % include('field.tpl', name='email', label='E-mail (forgotten password by e-mail)', type='email', value=form.get('email', ''), attrs='autocomplete="email"')
  <button type="submit" class="primary">Create administrator</button>
</form>
