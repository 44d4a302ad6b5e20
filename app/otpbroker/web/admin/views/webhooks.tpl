% rebase('layout.tpl')
<p class="hint">{{_("Each webhook receives, as signed JSON POSTs, the status events of its owner's messages (an API user's, or a feeder's) and, with the inbound kind, every received SMS. A receiver that is down never delays sending: events wait in the webhook's backlog (memory only) and are retried with a growing pause, then go to the dead letters below.")}}
{{!_('See {doc} for the signature check.').format(doc='<code>docs/webhooks.md</code>')}}</p>
% if secret:
<div class="card webhook-secret" role="status">
  <p>{{secret['note']}}</p>
  <p>{{_('Webhook')}} <strong><code>{{secret['url']}}</code></strong></p>
  <p><code class="secret">{{secret['value']}}</code></p>
  <p class="hint">{{_('It is shown on this page only; ask again with "Show secret".')}}</p>
</div>
% end
<div class="table-wrap card">
<table class="webhooks stack">
  <thead><tr><th>{{_('Owner')}}</th><th>URL</th><th>{{_('Events')}}</th><th>{{_('Status')}}</th><th>{{_('Backlog')}}</th><th>{{_('Last error')}}</th><th>{{_('Actions')}}</th></tr></thead>
  <tbody>
  % if not hooks:
  <tr><td colspan="7">{{_('No webhook yet: add one below.')}}</td></tr>
  % end
  % for h in hooks:
  <tr>
    <td data-label="{{_('Owner')}}">{{h['owner']}}</td>
    <td data-label="URL"><code>{{h['url']}}</code>{{(' ' + _('(private addresses allowed)')) if h['allow_private_address'] else ''}}</td>
    <td data-label="{{_('Events')}}">{{', '.join(h['events'])}}</td>
    <td data-label="{{_('Status')}}"><span class="badge {{'ok' if h['active'] else 'warn'}}">{{_('active') if h['active'] else _('inactive')}}</span></td>
    <td data-label="{{_('Backlog')}}">{{h['backlog']}}</td>
    <td data-label="{{_('Last error')}}">{{failure_words(h['last_error']) or '—'}}</td>
    <td class="actions">
      <a href="/webhooks/{{h['id']}}/edit">{{_('Edit')}}</a>
      % for action, label, extra in (('test', _('Send test event'), ''), ('secret', _('Show secret'), ''), ('regenerate', _('Regenerate secret'), _('Make a new secret? The old one stops working at once.')), ('deactivate' if h['active'] else 'activate', _('Deactivate') if h['active'] else _('Activate'), ''), ('delete', _('Delete'), _('Delete this webhook, its backlog and its dead letters?'))):
      % if extra:
      <form method="post" action="/webhooks/{{h['id']}}/{{action}}" data-confirm="{{extra}}">
      % else:
      <form method="post" action="/webhooks/{{h['id']}}/{{action}}">
      % end
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit"{{!' class="danger"' if action == 'delete' else ''}}>{{label}}</button>
      </form>
      % end
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
<h2 id="webhook-form">{{_('Edit webhook') if editing else _('Add a webhook')}}</h2>
<form method="post" action="{{'/webhooks/' + editing['id'] if editing else '/webhooks'}}" class="card">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <div class="field{{' invalid' if errors.get('owner') else ''}}">
    <label for="f-owner">{{_('Owner')}}</label>
    <select id="f-owner" name="owner">
      % for owner in owners:
      <option value="{{owner}}"{{!' selected' if form.get('owner') == owner else ''}}>{{owner}}</option>
      % end
    </select>
    <small class="hint">{{_("an API user (its messages' statuses) or a feeder (the messages it brought)")}}</small>
    % if errors.get('owner'):
    <small class="error" id="e-owner">{{errors['owner']}}</small>
    % end
  </div>
  % include('field.tpl', name='url', label='URL', type='url', value=form.get('url', ''), attrs='required maxlength="2048" autocomplete="off" spellcheck="false"', hint=_('https://… (or http://); no user name or password in it: the signature authenticates'))
  <fieldset class="field{{' invalid' if errors.get('events') else ''}}">
    <legend>{{_('Events')}}</legend>
    % for kind, text in (('status', _("status: the owner's messages (accepted, sent, failed, delivered…)")), ('inbound', _('inbound: every received SMS (sender and text)')), ('alert', _('alert: every device alert raised or cleared (SIM credit or period, dead modem, no SMS path…)'))):
    <label class="inline"><input type="checkbox" name="event_{{kind}}" value="on"{{!' checked' if kind in form.get('events', []) else ''}}> {{text}}</label>
    % end
    % if errors.get('events'):
    <small class="error" id="e-events">{{errors['events']}}</small>
    % end
  </fieldset>
  <div class="field">
    <label class="inline" for="f-active"><input id="f-active" type="checkbox" name="active" value="on"{{!' checked' if form.get('active') else ''}}> {{_('Active (an inactive webhook keeps its backlog and posts nothing)')}}</label>
  </div>
  <div class="field{{' invalid' if errors.get('allow_private_address') else ''}}">
    <label class="inline" for="f-allow_private_address"><input id="f-allow_private_address" type="checkbox" name="allow_private_address" value="on"{{!' checked' if form.get('allow_private_address') else ''}}> {{_('Allow a private address')}}</label>
    <small class="hint">{{_('a LAN server (10.x, 172.16-31.x, 192.168.x), this device or loopback; off, such URLs are refused')}}</small>
  </div>
  % if errors.get('_form'):
  <p class="flash error">{{errors['_form']}}</p>
  % end
  <div class="actions">
    <button type="submit" class="primary">{{_('Save') if editing else _('Add webhook')}}</button>
    % if editing:
    <a href="/webhooks">{{_('Cancel')}}</a>
    % end
  </div>
</form>
<h2 id="dead-letters">{{_('Dead letters')}}</h2>
<p class="hint">{{!_('Events a webhook did not take after {attempts} attempts or within {age}, or pushed out of a full backlog.').format(attempts='<code>webhooks.max_attempts</code>', age='<code>webhooks.max_age_seconds</code>')}}
{{_("Kept in memory only (a received SMS's text never reaches the disk): a restart empties the list.")}}</p>
% if letters:
<form method="post" action="/webhook-dead-letters/retry">
  <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="primary">{{_('Retry all now ({count})').format(count=len(letters))}}</button>
</form>
% end
<div class="table-wrap card">
<table class="dead-letters stack">
  <thead><tr><th>URL</th><th>{{_('Event')}}</th><th>{{_('Message')}}</th><th>{{_('Why')}}</th><th>{{_('Since')}}</th><th></th></tr></thead>
  <tbody>
  % if not letters:
  <tr><td colspan="6">{{_('No dead letter.')}}</td></tr>
  % end
  % for d in letters:
  <tr>
    <td data-label="URL"><code>{{d['url']}}</code></td>
    <td data-label="{{_('Event')}}">{{d['kind']}} <code>{{d['event_id']}}</code></td>
    <td data-label="{{_('Message')}}">{{d['message_id'] or '—'}}</td>
    <td data-label="{{_('Why')}}">{{failure_words(d['reason'])}}{{('; ' + _('last error: {error}').format(error=failure_words(d['last_error']))) if d['last_error'] else ''}}</td>
    <td data-label="{{_('Since')}}">{{when(d['dead_at'])}}</td>
    <td class="actions">
      <form method="post" action="/webhook-dead-letters/{{d['id']}}/retry">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{_('Retry now')}}</button>
      </form>
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
