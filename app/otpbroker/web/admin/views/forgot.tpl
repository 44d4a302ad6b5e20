% rebase('layout.tpl')
<p>A new password is sent to the phone or e-mail address stored for the administrator.</p>
<form method="post" action="/forgot" class="card narrow">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='login', label='User name or e-mail', value='', attrs='required autofocus')
  <fieldset>
    <legend>Send it by</legend>
    <label class="inline"><input type="radio" name="via" value="sms" checked> SMS</label>
    <label class="inline"><input type="radio" name="via" value="mail"> E-mail</label>
  </fieldset>
  <button type="submit" class="primary">Send a new password</button>
  <p><a href="/login">Back to log in</a></p>
</form>
