% from otpbroker.web.admin.modem_words import word
<td data-label="{{_('Checks')}}"><span>
  % test = m['checks']['self_test']
  % if test:
  <span class="badge {{'ok' if test['state'] == 'back' else ('warn' if test['state'] == 'waiting' else 'bad')}}" data-self-test="{{m['id']}}" data-state="{{test['state']}}">{{_('self-test: {state}').format(state=word(test['state']))}}</span>
  <small class="hint">{{test['summary']}}{{'; ' + _('sent {time}').format(time=test['sent_at']) if test['sent_at'] else ''}}{{'; ' + _('back {time}').format(time=test['arrived_at']) if test['arrived_at'] else ''}}</small>
  % end
  % keep = m['checks']['keepalive']
  % if keep:
  <small class="hint">{{_('keep-alive {time} to {number}: {outcome}').format(time=keep['at'], number=keep['number'], outcome=word(keep['outcome']))}}</small>
  % end
  % if not test and not keep:
  —
  % end
</span></td>
