% rebase('layout.tpl')
<p class="hint">{{_('Blocked numbers receive no SMS from any modem. Numbers are blocked and unblocked here, through the REST API and by the feeders (RabbitMQ, WebSocket, MQTT); unblocking removes the entry.')}}</p>
<div class="grid">
<form method="post" action="/blocklist" class="card">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='msisdn', label=_('Block a number'), type='tel', value=form.get('msisdn', ''), attrs='required autocomplete="off" inputmode="tel"', hint=_('any form: 0812…, +62 812…, 62812…; national numbers get country code {code} and are stored as digits only').format(code=country_code))
  <button type="submit" class="primary">{{_('Block')}}</button>
</form>
<form method="get" action="/blocklist" class="card" role="search">
  <div class="field{{'' if searchable else ' invalid'}}">
    <label for="f-q">{{_('Search')}}</label>
    <div class="inline-row">
      <input id="f-q" name="q" type="search" value="{{query}}" inputmode="tel" autocomplete="off" maxlength="40">
      <button type="submit">{{_('Search')}}</button>
    </div>
    <small class="hint">{{_('part of the number, in any form')}}</small>
    % if not searchable:
    <small class="error">{{_('type digits to search')}}</small>
    % end
  </div>
  % if query:
  <a href="/blocklist">{{_('Show all')}}</a>
  % end
</form>
</div>
<p>
% if query:
{{_('{matches} of {total} blocked numbers match “{query}”.').format(matches=shown['matches'], total=shown['total'], query=query)}}
% else:
{{ngettext('{total} blocked number.', '{total} blocked numbers.', total).format(total=shown['total'])}}
% end
% if pages > 1:
{{_('Page {page} of {pages}, newest first.').format(page=page, pages=pages)}}
% end
</p>
% if rows:
<div class="table-wrap card">
<table class="stack">
  <thead><tr><th>{{_('Number')}}</th><th>{{_('Blocked by')}}</th><th>{{_('Since')}}</th><th>{{_('Action')}}</th></tr></thead>
  <tbody>
  % for r in rows:
  <tr>
    <td class="msisdn">{{r['msisdn']}}</td><td data-label="{{_('Blocked by')}}">{{r['source']}}</td><td data-label="{{_('Since')}}">{{r['when']}}</td>
    <td class="actions">
      <form method="post" action="/blocklist/{{r['id']}}/unblock" data-confirm="{{_('Unblock {number}? It will receive SMS again.').format(number=r['msisdn'])}}">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="q" value="{{query}}"><input type="hidden" name="page" value="{{page}}">
        <button type="submit" class="danger">{{_('Unblock')}}</button>
      </form>
    </td>
  </tr>
  % end
  </tbody>
</table>
</div>
% end
% if pages > 1:
<nav class="pager" aria-label="{{_('Pages')}}">
  % if links['prev']:
  <a href="{{links['prev']}}" rel="prev">{{_('← Newer')}}</a>
  % end
  <span>{{_('Page {page} of {pages}').format(page=page, pages=pages)}}</span>
  % if links['next']:
  <a href="{{links['next']}}" rel="next">{{_('Older →')}}</a>
  % end
</nav>
% end
