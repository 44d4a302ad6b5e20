<td data-label="Checks"><span>
  % test = m['checks']['self_test']
  % if test:
  <span class="badge {{'ok' if test['state'] == 'back' else ('warn' if test['state'] == 'waiting' else 'bad')}}" data-self-test="{{m['id']}}" data-state="{{test['state']}}">self-test: {{test['state']}}</span>
  <small class="hint">{{test['summary']}}{{'; sent ' + test['sent_at'] if test['sent_at'] else ''}}{{'; back ' + test['arrived_at'] if test['arrived_at'] else ''}}</small>
  % end
  % keep = m['checks']['keepalive']
  % if keep:
  <small class="hint">keep-alive {{keep['at']}} to {{keep['number']}}: {{keep['outcome']}}</small>
  % end
  % if not test and not keep:
  —
  % end
</span></td>
