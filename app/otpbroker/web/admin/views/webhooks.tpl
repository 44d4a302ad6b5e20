% rebase('layout.tpl')
<p class="hint">Each webhook receives, as signed JSON POSTs, the status events of its owner's messages (an API user's,
or a feeder's) and, with the <em>inbound</em> kind, every received SMS. A receiver that is down never delays sending:
events wait in the webhook's backlog (memory only) and are retried with a growing pause, then go to the dead letters
below. See <code>docs/webhooks.md</code> for the signature check.</p>
% if secret:
<div class="card webhook-secret" role="status">
  <p>{{secret['note']}}</p>
  <p>Webhook <strong><code>{{secret['url']}}</code></strong></p>
  <p><code class="secret">{{secret['value']}}</code></p>
  <p class="hint">It is shown on this page only; ask again with "Show secret".</p>
</div>
% end
<div class="table-wrap card">
<table class="webhooks stack">
  <thead><tr><th>Owner</th><th>URL</th><th>Events</th><th>Status</th><th>Backlog</th><th>Last error</th><th>Actions</th></tr></thead>
  <tbody>
  % if not hooks:
  <tr><td colspan="7">No webhook yet: add one below.</td></tr>
  % end
  % for h in hooks:
  <tr>
    <td data-label="Owner">{{h['owner']}}</td>
    <td data-label="URL"><code>{{h['url']}}</code>{{' (private addresses allowed)' if h['allow_private_address'] else ''}}</td>
    <td data-label="Events">{{', '.join(h['events'])}}</td>
    <td data-label="Status"><span class="badge {{'ok' if h['active'] else 'warn'}}">{{'active' if h['active'] else 'inactive'}}</span></td>
    <td data-label="Backlog">{{h['backlog']}}</td>
    <td data-label="Last error">{{h['last_error'] or '—'}}</td>
    <td class="actions">
      <a href="/webhooks/{{h['id']}}/edit">Edit</a>
      % for action, label, extra in (('test', 'Send test event', ''), ('secret', 'Show secret', ''), ('regenerate', 'Regenerate secret', 'Make a new secret? The old one stops working at once.'), ('deactivate' if h['active'] else 'activate', 'Deactivate' if h['active'] else 'Activate', ''), ('delete', 'Delete', 'Delete this webhook, its backlog and its dead letters?')):
      <form method="post" action="/webhooks/{{h['id']}}/{{action}}"{{!(' data-confirm="' + extra + '"') if extra else ''}}>
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit"{{!' class="danger"' if action == 'delete' else ''}}>{{label}}</button>
      </form>
      % end
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
<h2 id="webhook-form">{{'Edit webhook' if editing else 'Add a webhook'}}</h2>
<form method="post" action="{{'/webhooks/' + editing['id'] if editing else '/webhooks'}}" class="card">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <div class="field{{' invalid' if errors.get('owner') else ''}}">
    <label for="f-owner">Owner</label>
    <select id="f-owner" name="owner">
      % for owner in owners:
      <option value="{{owner}}"{{!' selected' if form.get('owner') == owner else ''}}>{{owner}}</option>
      % end
    </select>
    <small class="hint">an API user (its messages' statuses) or a feeder (the messages it brought)</small>
    % if errors.get('owner'):
    <small class="error" id="e-owner">{{errors['owner']}}</small>
    % end
  </div>
  % include('field.tpl', name='url', label='URL', type='url', value=form.get('url', ''), attrs='required maxlength="2048" autocomplete="off" spellcheck="false"', hint='https://… (or http://); no user name or password in it: the signature authenticates')
  <fieldset class="field{{' invalid' if errors.get('events') else ''}}">
    <legend>Events</legend>
    % for kind, text in (('status', 'status: the owner\'s messages (accepted, sent, failed, delivered…)'), ('inbound', 'inbound: every received SMS (sender and text)'), ('alert', 'alert: every device alert raised or cleared (SIM credit or period, dead modem, no SMS path…)')):
    <label class="inline"><input type="checkbox" name="event_{{kind}}" value="on"{{!' checked' if kind in form.get('events', []) else ''}}> {{text}}</label>
    % end
    % if errors.get('events'):
    <small class="error" id="e-events">{{errors['events']}}</small>
    % end
  </fieldset>
  <div class="field">
    <label class="inline" for="f-active"><input id="f-active" type="checkbox" name="active" value="on"{{!' checked' if form.get('active') else ''}}> Active (an inactive webhook keeps its backlog and posts nothing)</label>
  </div>
  <div class="field{{' invalid' if errors.get('allow_private_address') else ''}}">
    <label class="inline" for="f-allow_private_address"><input id="f-allow_private_address" type="checkbox" name="allow_private_address" value="on"{{!' checked' if form.get('allow_private_address') else ''}}> Allow a private address</label>
    <small class="hint">a LAN server (10.x, 172.16-31.x, 192.168.x), this device or loopback; off, such URLs are refused</small>
  </div>
  % if errors.get('_form'):
  <p class="flash error">{{errors['_form']}}</p>
  % end
  <div class="actions">
    <button type="submit" class="primary">{{'Save' if editing else 'Add webhook'}}</button>
    % if editing:
    <a href="/webhooks">Cancel</a>
    % end
  </div>
</form>
<h2 id="dead-letters">Dead letters</h2>
<p class="hint">Events a webhook did not take after <code>webhooks.max_attempts</code> attempts or within
<code>webhooks.max_age_seconds</code>, or pushed out of a full backlog. Kept in memory only (a received SMS's text
never reaches the disk): a restart empties the list.</p>
% if letters:
<form method="post" action="/webhook-dead-letters/retry">
  <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="primary">Retry all now ({{len(letters)}})</button>
</form>
% end
<div class="table-wrap card">
<table class="dead-letters stack">
  <thead><tr><th>URL</th><th>Event</th><th>Message</th><th>Why</th><th>Since</th><th></th></tr></thead>
  <tbody>
  % if not letters:
  <tr><td colspan="6">No dead letter.</td></tr>
  % end
  % for d in letters:
  <tr>
    <td data-label="URL"><code>{{d['url']}}</code></td>
    <td data-label="Event">{{d['kind']}} <code>{{d['event_id']}}</code></td>
    <td data-label="Message">{{d['message_id'] or '—'}}</td>
    <td data-label="Why">{{d['reason']}}{{'; last error: ' + d['last_error'] if d['last_error'] else ''}}</td>
    <td data-label="Since">{{when(d['dead_at'])}}</td>
    <td class="actions">
      <form method="post" action="/webhook-dead-letters/{{d['id']}}/retry">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Retry now</button>
      </form>
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
