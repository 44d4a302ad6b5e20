% from otpbroker.web.admin.modem_words import word
<td data-label="{{_('Balance')}}"><span>
  % if balance:
  <span class="badge {{balance['badge']}}">{{word(balance['state'])}}</span>
  <small>{{balance['balance']}} · {{_('active until {date}').format(date=balance['until'])}}{{'' if balance['days_left'] is None else ' (' + ngettext('{count} day', '{count} days', balance['days_left']).format(count=balance['days_left']) + ')'}}</small>
  <small class="hint">{{_('checked {time}').format(time=balance['checked'])}}{{'; ' + balance['note'] if balance['note'] else ''}}</small>
  % elif has_code:
  <small class="hint">{{_('not checked yet')}}</small>
  % else:
  —
  % end
  % if has_code:
  <form method="post" action="/modems/{{modem_id}}/check-balance">
    <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{_('Check now')}}</button>
  </form>
  % end
</span></td>
