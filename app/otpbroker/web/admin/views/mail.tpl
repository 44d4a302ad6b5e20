% rebase('layout.tpl')
<p class="hint">E-mail OTPs (<code>/api/mail</code>) and password resets go out through the active accounts in
turn, so their daily limits add up (20 accounts × 500 a day = 10,000 a day). Today's counts start again at
midnight and when the service restarts.</p>
<div class="table-wrap card">
<table class="mail-accounts stack">
  <thead><tr><th>Name</th><th>Kind</th><th>Server</th><th>Security</th><th>Sender</th><th>Daily limit</th><th>Sent today</th><th>Status</th><th>Actions</th></tr></thead>
  <tbody>
  % if not accounts:
  <tr><td colspan="9">No e-mail account yet: add one below.</td></tr>
  % end
  % for a in accounts:
  % u = usage.get(a['name'], {})
  <tr>
    <td data-label="Name">{{a['name']}}</td>
    <td data-label="Kind">{{a['kind']}}</td>
    <td data-label="Server">{{(a['host'] or '—') + ':' + str(a['port']) if a['kind'] == 'smtp' else 'recipient\'s MX, port 25'}}</td>
    <td data-label="Security">{{a['security'] if a['kind'] == 'smtp' else '—'}}{{' + login' if a['kind'] == 'smtp' and a['auth'] else ''}}</td>
    <td data-label="Sender">{{a['sender']}}</td>
    <td data-label="Daily limit">{{a['daily_limit'] or 'none'}}</td>
    <td data-label="Sent today">{{u.get('sent_today', '—')}}</td>
    <td data-label="Status">
      <span class="badge {{'ok' if a['active'] else 'warn'}}">{{'active' if a['active'] else 'inactive'}}</span>
      % if u.get('problem'):
      <br><small class="error">{{u['problem']}}</small>
      % end
    </td>
    <td class="actions">
      <a href="/mail/{{a['id']}}/edit">Edit</a>
      % action = 'deactivate' if a['active'] else 'activate'
      <form method="post" action="/mail/{{a['id']}}/{{action}}">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{action.capitalize()}}</button>
      </form>
      <form method="post" action="/mail/{{a['id']}}/delete" data-confirm="Delete e-mail account {{a['name']}}?">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">Delete</button>
      </form>
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
<div class="grid">
<section>
<h2 id="account-form">{{'Edit ' + editing['name'] if editing else 'Add an e-mail account'}}</h2>
<form method="post" action="{{'/mail/' + editing['id'] if editing else '/mail'}}" class="card">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='name', label='Name', value=form.get('name', ''), attrs='required maxlength="64" autocomplete="off"', hint='shown here and in the logs, e.g. gmail-1')
  <div class="field{{' invalid' if errors.get('kind') else ''}}">
    <label for="f-kind">Kind</label>
    <select id="f-kind" name="kind">
      <option value="smtp"{{!' selected' if form.get('kind') == 'smtp' else ''}}>smtp: an SMTP account (Gmail…)</option>
      <option value="local"{{!' selected' if form.get('kind') == 'local' else ''}}>local: the device's own relay</option>
    </select>
    % if errors.get('kind'):
    <small class="error" id="e-kind">{{errors['kind']}}</small>
    % end
  </div>
  % include('field.tpl', name='host', label='SMTP server', value=form.get('host', ''), attrs='autocomplete="off" spellcheck="false"', hint='e.g. smtp.gmail.com (smtp accounts only)')
  % include('field.tpl', name='port', label='Port', type='number', value=form.get('port', ''), attrs='required min="1" max="65535" inputmode="numeric"', hint='587 with STARTTLS, 465 with SSL, 25 plain')
  <div class="field{{' invalid' if errors.get('security') else ''}}">
    <label for="f-security">Security</label>
    <select id="f-security" name="security">
      % for value, text in (('starttls', 'STARTTLS (port 587)'), ('ssl', 'SSL / implicit TLS (port 465)'), ('none', 'none (plain, port 25)')):
      <option value="{{value}}"{{!' selected' if form.get('security') == value else ''}}>{{text}}</option>
      % end
    </select>
    % if errors.get('security'):
    <small class="error" id="e-security">{{errors['security']}}</small>
    % end
  </div>
  <div class="field{{' invalid' if errors.get('auth') else ''}}">
    <label class="inline" for="f-auth"><input id="f-auth" type="checkbox" name="auth" value="on"{{!' checked' if form.get('auth') else ''}}> Log in with user name and password</label>
  </div>
  % include('field.tpl', name='username', label='User name', value=form.get('username', ''), attrs='autocomplete="off" spellcheck="false"', hint='often the sender address')
  % include('field.tpl', name='password', label='Password', type='password', value='', attrs='autocomplete="new-password"', hint=('a password is stored; leave blank to keep it' if editing and editing.get('password_set') else 'for Gmail an app password') )
  % include('field.tpl', name='sender', label='Sender (From address)', type='email', value=form.get('sender', ''), attrs='required', hint='Gmail sends only as the account\'s own address or its verified aliases')
  % include('field.tpl', name='daily_limit', label='Daily limit', type='number', value=form.get('daily_limit', ''), attrs='required min="0" inputmode="numeric"', hint='mails a day before the next account is used (0 = none; Gmail: about 500)')
  <div class="field">
    <label class="inline" for="f-active"><input id="f-active" type="checkbox" name="active" value="on"{{!' checked' if form.get('active') else ''}}> Active (an inactive account is never used)</label>
  </div>
  <div class="actions">
    <button type="submit" class="primary">{{'Save' if editing else 'Add account'}}</button>
    % if editing:
    <a href="/mail">Cancel</a>
    % end
  </div>
</form>
</section>
<section>
<h2>Settings that work</h2>
<div class="card mail-help">
  <p><strong>Gmail, STARTTLS:</strong> server <code>smtp.gmail.com</code>, port <code>587</code>, security STARTTLS, log in on.</p>
  <p><strong>Gmail, SSL:</strong> server <code>smtp.gmail.com</code>, port <code>465</code>, security SSL, log in on.</p>
  <p>For Gmail the user name is the full address and the password an <em>app password</em>
  (Google account → Security → 2-Step Verification → App passwords); the normal password is refused.</p>
  <p class="note-warn" role="note"><strong>Local relay (kind local):</strong> the device hands the mail straight to the
  recipient's mail server on port 25, without any account. Receivers may reject it or file it as spam
  (no SPF/DKIM for the sender's domain, a home or mobile IP address without reverse DNS), and many
  internet providers block outgoing port 25. Use it as a last resort, after real accounts.</p>
</div>
<h2 id="test-mail">Send a test mail</h2>
<form method="post" action="/mail/test#test-mail" class="card">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='recipient', label='Recipient', type='email', value=test.get('recipient', ''), attrs='required autocomplete="email"', hint='sent through the active accounts in turn, like an OTP mail')
  % if 'ok' in test:
  <p class="flash {{'ok' if test['ok'] else 'error'}} mail-result" role="status">Test mail {{test['text']}}</p>
  % end
  <button type="submit" class="primary">Send test mail</button>
</form>
</section>
</div>
