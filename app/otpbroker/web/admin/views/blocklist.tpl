% rebase('layout.tpl')
<p class="hint">Blocked numbers receive no SMS from any modem. Numbers are blocked and unblocked
here, through the REST API and by the feeders (RabbitMQ, WebSocket, MQTT); unblocking removes
the entry.</p>
<div class="grid">
<form method="post" action="/blocklist" class="card">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='msisdn', label='Block a number', type='tel', value=form.get('msisdn', ''), attrs='required autocomplete="off" inputmode="tel"', hint='any form: 0812…, +62 812…, 62812…; national numbers get country code ' + str(country_code) + ' and are stored as digits only')
  <button type="submit" class="primary">Block</button>
</form>
<form method="get" action="/blocklist" class="card" role="search">
  <div class="field{{'' if searchable else ' invalid'}}">
    <label for="f-q">Search</label>
    <div class="inline-row">
      <input id="f-q" name="q" type="search" value="{{query}}" inputmode="tel" autocomplete="off" maxlength="40">
      <button type="submit">Search</button>
    </div>
    <small class="hint">part of the number, in any form</small>
    % if not searchable:
    <small class="error">type digits to search</small>
    % end
  </div>
  % if query:
  <a href="/blocklist">Show all</a>
  % end
</form>
</div>
<p>
% if query:
{{matches}} of {{total}} blocked numbers match “{{query}}”.
% else:
{{total}} blocked {{'number' if total == 1 else 'numbers'}}.
% end
% if pages > 1:
Page {{page}} of {{pages}}, newest first.
% end
</p>
% if rows:
<div class="table-wrap card">
<table class="stack">
  <thead><tr><th>Number</th><th>Blocked by</th><th>Since</th><th>Action</th></tr></thead>
  <tbody>
  % for r in rows:
  <tr>
    <td class="msisdn">{{r['msisdn']}}</td><td data-label="Blocked by">{{r['source']}}</td><td data-label="Since">{{r['when']}}</td>
    <td class="actions">
      <form method="post" action="/blocklist/{{r['id']}}/unblock" data-confirm="Unblock {{r['msisdn']}}? It will receive SMS again.">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="q" value="{{query}}"><input type="hidden" name="page" value="{{page}}">
        <button type="submit" class="danger">Unblock</button>
      </form>
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
% end
% if pages > 1:
<nav class="pager" aria-label="Pages">
  % if links['prev']:
  <a href="{{links['prev']}}" rel="prev">← Newer</a>
  % end
  <span>Page {{page}} of {{pages}}</span>
  % if links['next']:
  <a href="{{links['next']}}" rel="next">Older →</a>
  % end
</nav>
% end
