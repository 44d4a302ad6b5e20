% rebase('layout.tpl')
<p>{{!_("This device has no administrator yet. Create the first one with the <strong>setup code</strong> printed on the device's brochure, so nobody else on the network can claim it first.")}}</p>
<form method="post" action="/setup" class="card narrow">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='setup_code', label=_('Setup code'), value='', attrs='autocomplete="off" required autofocus', hint=_('16 characters, e.g. ABCD-EFGH-JKLM-NPQR'))
  % include('field.tpl', name='username', label=_('User name'), value=form.get('username', ''), attrs='autocomplete="username" required')
  % include('field.tpl', name='password', label=_('Password'), type='password', value='', attrs='autocomplete="new-password" required minlength="8"', hint=_('at least 8 characters'))
  % include('field.tpl', name='password2', label=_('Password again'), type='password', value='', attrs='autocomplete="new-password" required')
  % include('field.tpl', name='phone', label=_('Phone (forgotten password by SMS)'), type='tel', value=form.get('phone', ''), attrs='autocomplete="tel"')
  % include('field.tpl', name='email', label=_('E-mail (forgotten password by e-mail)'), type='email', value=form.get('email', ''), attrs='autocomplete="email"')
  <div class="field">
    <label for="f-device_language">{{_('Language of the device')}}</label>
    <select id="f-device_language" name="device_language">
      % for code, name in language_names.items():
      <option value="{{code}}" lang="{{code}}"{{!' selected' if device_language == code else ''}}>{{name}}</option>
      % end
    </select>
    <small class="hint">{{_('The brochure and the e-mails the device sends are written in this language.')}}</small>
  </div>
  <button type="submit" class="primary">{{_('Create administrator')}}</button>
</form>
