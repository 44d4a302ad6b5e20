<td data-label="Balance"><span>
  % if balance:
  <span class="badge {{balance['badge']}}">{{balance['state']}}</span>
  <small>{{balance['balance']}} · active until {{balance['until']}}{{'' if balance['days_left'] is None else ' (' + str(balance['days_left']) + ' days)'}}</small>
  <small class="hint">checked {{balance['checked']}}{{'; ' + balance['note'] if balance['note'] else ''}}</small>
  % elif has_code:
  <small class="hint">not checked yet</small>
  % else:
  —
  % end
  % if has_code:
  <form method="post" action="/modems/{{modem_id}}/check-balance">
    <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Check now</button>
  </form>
  % end
</span></td>
