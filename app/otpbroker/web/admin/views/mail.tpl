% rebase('layout.tpl')
<p class="hint">{{!_('E-mail OTPs ({path}) and password resets go out through the active accounts in turn, so their daily limits add up (20 accounts × 500 a day = 10,000 a day).').format(path='<code>/api/mail</code>')}}
{{_("Today's counts start again at midnight and when the service restarts.")}}</p>
<div class="table-wrap card">
<table class="mail-accounts stack">
  <thead><tr><th>{{_('Name')}}</th><th>{{_('Kind')}}</th><th>{{_('Server')}}</th><th>{{_('Security')}}</th><th>{{_('Sender')}}</th><th>{{_('Daily limit')}}</th><th>{{_('Sent today')}}</th><th>{{_('Status')}}</th><th>{{_('Actions')}}</th></tr></thead>
  <tbody>
  % if not accounts:
  <tr><td colspan="9">{{_('No e-mail account yet: add one below.')}}</td></tr>
  % end
  % for a in accounts:
  % u = usage.get(a['name'], {})
  <tr>
    <td data-label="{{_('Name')}}">{{a['name']}}</td>
    <td data-label="{{_('Kind')}}">{{a['kind']}}</td>
    <td data-label="{{_('Server')}}">{{(a['host'] or '—') + ':' + str(a['port']) if a['kind'] == 'smtp' else _("recipient's MX, port 25")}}</td>
    <td data-label="{{_('Security')}}">{{(_('none') if a['security'] == 'none' else a['security']) if a['kind'] == 'smtp' else '—'}}{{(' + ' + _('login')) if a['kind'] == 'smtp' and a['auth'] else ''}}</td>
    <td data-label="{{_('Sender')}}">{{a['sender']}}</td>
    <td data-label="{{_('Daily limit')}}">{{a['daily_limit'] or _('none')}}</td>
    <td data-label="{{_('Sent today')}}">{{u.get('sent_today', '—')}}</td>
    <td data-label="{{_('Status')}}">
      <span class="badge {{'ok' if a['active'] else 'warn'}}">{{_('active') if a['active'] else _('inactive')}}</span>
      % if u.get('problem'):
      <br><small class="error">{{u['problem']}}</small>
      % end
    </td>
    <td class="actions">
      <a href="/mail/{{a['id']}}/edit">{{_('Edit')}}</a>
      % action = 'deactivate' if a['active'] else 'activate'
      <form method="post" action="/mail/{{a['id']}}/{{action}}">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{_('Deactivate') if a['active'] else _('Activate')}}</button>
      </form>
      <form method="post" action="/mail/{{a['id']}}/delete" data-confirm="{{_('Delete e-mail account {name}?').format(name=a['name'])}}">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">{{_('Delete')}}</button>
      </form>
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
<div class="grid">
<section>
<h2 id="account-form">{{_('Edit {name}').format(name=editing['name']) if editing else _('Add an e-mail account')}}</h2>
<form method="post" action="{{'/mail/' + editing['id'] if editing else '/mail'}}" class="card">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='name', label=_('Name'), value=form.get('name', ''), attrs='required maxlength="64" autocomplete="off"', hint=_('shown here and in the logs, e.g. gmail-1'))
  <div class="field{{' invalid' if errors.get('kind') else ''}}">
    <label for="f-kind">{{_('Kind')}}</label>
    <select id="f-kind" name="kind">
      <option value="smtp"{{!' selected' if form.get('kind') == 'smtp' else ''}}>{{_('smtp: an SMTP account (Gmail…)')}}</option>
      <option value="local"{{!' selected' if form.get('kind') == 'local' else ''}}>{{_("local: the device's own relay")}}</option>
    </select>
    % if errors.get('kind'):
    <small class="error" id="e-kind">{{errors['kind']}}</small>
    % end
  </div>
  % include('field.tpl', name='host', label=_('SMTP server'), value=form.get('host', ''), attrs='autocomplete="off" spellcheck="false"', hint=_('e.g. smtp.gmail.com (smtp accounts only)'))
  % include('field.tpl', name='port', label=_('Port'), type='number', value=form.get('port', ''), attrs='required min="1" max="65535" inputmode="numeric"', hint=_('587 with STARTTLS, 465 with SSL, 25 plain'))
  <div class="field{{' invalid' if errors.get('security') else ''}}">
    <label for="f-security">{{_('Security')}}</label>
    <select id="f-security" name="security">
      % for value, text in (('starttls', _('STARTTLS (port 587)')), ('ssl', _('SSL / implicit TLS (port 465)')), ('none', _('none (plain, port 25)'))):
      <option value="{{value}}"{{!' selected' if form.get('security') == value else ''}}>{{text}}</option>
      % end
    </select>
    % if errors.get('security'):
    <small class="error" id="e-security">{{errors['security']}}</small>
    % end
  </div>
  <div class="field{{' invalid' if errors.get('auth') else ''}}">
    <label class="inline" for="f-auth"><input id="f-auth" type="checkbox" name="auth" value="on"{{!' checked' if form.get('auth') else ''}}> {{_('Log in with user name and password')}}</label>
  </div>
  % include('field.tpl', name='username', label=_('User name'), value=form.get('username', ''), attrs='autocomplete="off" spellcheck="false"', hint=_('often the sender address'))
  % include('field.tpl', name='password', label=_('Password'), type='password', value='', attrs='autocomplete="new-password"', hint=(_('a password is stored; leave blank to keep it') if editing and editing.get('password_set') else _('for Gmail an app password')))
  % include('field.tpl', name='sender', label=_('Sender (From address)'), type='email', value=form.get('sender', ''), attrs='required', hint=_("Gmail sends only as the account's own address or its verified aliases"))
  % include('field.tpl', name='daily_limit', label=_('Daily limit'), type='number', value=form.get('daily_limit', ''), attrs='required min="0" inputmode="numeric"', hint=_('mails a day before the next account is used (0 = none; Gmail: about 500)'))
  <div class="field">
    <label class="inline" for="f-active"><input id="f-active" type="checkbox" name="active" value="on"{{!' checked' if form.get('active') else ''}}> {{_('Active (an inactive account is never used)')}}</label>
  </div>
  <div class="actions">
    <button type="submit" class="primary">{{_('Save') if editing else _('Add account')}}</button>
    % if editing:
    <a href="/mail">{{_('Cancel')}}</a>
    % end
  </div>
</form>
</section>
<section>
<h2>{{_('Settings that work')}}</h2>
<div class="card mail-help">
  <p><strong>Gmail, STARTTLS:</strong> {{!_('server {host}, port {port}, security STARTTLS, log in on.').format(host='<code>smtp.gmail.com</code>', port='<code>587</code>')}}</p>
  <p><strong>Gmail, SSL:</strong> {{!_('server {host}, port {port}, security SSL, log in on.').format(host='<code>smtp.gmail.com</code>', port='<code>465</code>')}}</p>
  <p>{{_('For Gmail the user name is the full address and the password an app password (Google account → Security → 2-Step Verification → App passwords); the normal password is refused.')}}</p>
  <p class="note-warn" role="note"><strong>{{_('Local relay (kind local):')}}</strong> {{_("the device hands the mail straight to the recipient's mail server on port 25, without any account. Receivers may reject it or file it as spam (no SPF/DKIM for the sender's domain, a home or mobile IP address without reverse DNS), and many internet providers block outgoing port 25. Use it as a last resort, after real accounts.")}}</p>
</div>
<h2 id="test-mail">{{_('Send a test mail')}}</h2>
<form method="post" action="/mail/test#test-mail" class="card">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='recipient', label=_('Recipient'), type='email', value=test.get('recipient', ''), attrs='required autocomplete="email"', hint=_('sent through the active accounts in turn, like an OTP mail'))
  % if 'ok' in test:
  <p class="flash {{'ok' if test['ok'] else 'error'}} mail-result" role="status">{{test['text']}}</p>
  % end
  <button type="submit" class="primary">{{_('Send test mail')}}</button>
</form>
</section>
</div>
