% rebase('layout.tpl')
<p>{{_('A new password is sent to the phone or e-mail address stored for the administrator.')}}</p>
<form method="post" action="/forgot" class="card narrow">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='login', label=_('User name or e-mail'), value='', attrs='required autofocus')
  <fieldset>
    <legend>{{_('Send it by')}}</legend>
    <label class="inline"><input type="radio" name="via" value="sms" checked> SMS</label>
    <label class="inline"><input type="radio" name="via" value="mail"> {{_('E-mail')}}</label>
  </fieldset>
  <button type="submit" class="primary">{{_('Send a new password')}}</button>
  <p><a href="/login">{{_('Back to log in')}}</a></p>
</form>
