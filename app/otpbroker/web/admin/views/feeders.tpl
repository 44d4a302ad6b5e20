% rebase('layout.tpl')
<p class="hint">{{_('Application servers that cannot reach this device publish their messages to a broker; each enabled feeder consumes them. Saving restarts the feeder with the new settings within a second.')}}
{{!_('{test} tries the values in the form once, without saving them.').format(test='<strong>' + _('Test connection') + '</strong>')}}
{{!_('To keep OTPs unreadable in the brokers, have applications seal them and require it on the {page} page.').format(page='<a href="/sealing">' + _('Sealed messages') + '</a>')}}</p>
% for f in feeders:
% s = f['status']
<section class="card feeder" id="feeder-{{f['name']}}" data-feeder="{{f['name']}}">
  <h2>{{f['label']}}
    <span class="badge {{'ok' if s.get('state') == 'connected' else ('bad' if s.get('state') == 'error' else ('warn' if s.get('state') == 'connecting' else ''))}}" data-stat="state">{{s.get('state_name') or s.get('state')}}</span>
  </h2>
  <dl class="facts feeder-stats">
    <dt>{{_('Last error')}}</dt><dd data-stat="last_error">{{s.get('last_error') or '—'}}</dd>
    <dt>{{_('Messages received')}}</dt><dd data-stat="received">{{s.get('received', 0)}}</dd>
    <dt>{{_('Processed')}}</dt><dd data-stat="processed">{{s.get('processed', 0)}}</dd>
    <dt>{{_('Rejected')}}</dt><dd data-stat="rejected">{{s.get('rejected', 0)}}</dd>
    <dt>{{_('Reconnects')}}</dt><dd data-stat="reconnects">{{s.get('reconnects', 0)}}</dd>
    <dt>{{_('Restarts')}}</dt><dd data-stat="restarts" title="{{_('restarts because its settings changed')}}">{{s.get('restarts', 0)}}</dd>
    <dt>{{_('Restarted at')}}</dt><dd data-stat="restarted">{{s.get('restarted') or '—'}}</dd>
  </dl>
  % if f['result']:
  <p class="flash {{'ok' if f['result'][0] else 'error'}} probe-result" role="status">
    {{_('Test connection: {result}').format(result=f['result'][1])}}
  </p>
  % end
  <form method="post" action="/feeders/{{f['name']}}" class="feeder-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    % for x in f['fields']:
    % if x['kind'] == 'bool':
    <div class="field check{{' invalid' if errors.get(x['key']) else ''}}">
      <label class="inline" for="f-{{x['key']}}"><input id="f-{{x['key']}}" type="checkbox" name="{{x['key']}}" value="on"{{!' checked' if x['value'] else ''}}> {{x['label']}}</label>
      % if x['hint']:
      <small class="hint">{{x['hint']}}</small>
      % end
      % if errors.get(x['key']):
      <small class="error" id="e-{{x['key']}}">{{errors[x['key']]}}</small>
      % end
    </div>
    % elif x['secret']:
    % include('field.tpl', name=x['key'], label=x['label'], type='password', value='', attrs='autocomplete="new-password"', hint=(_('a password is stored; leave blank to keep it') if x['is_set'] else _('no password stored')))
    % if x['is_set']:
    <div class="field check">
      <label class="inline" for="f-{{x['key']}}.clear"><input id="f-{{x['key']}}.clear" type="checkbox" name="{{x['key']}}.clear" value="on"> {{_('Remove the stored password')}}</label>
    </div>
    % end
    % elif x['choices']:
    <div class="field{{' invalid' if errors.get(x['key']) else ''}}">
      <label for="f-{{x['key']}}">{{x['label']}}</label>
      <select id="f-{{x['key']}}" name="{{x['key']}}">
        % for choice in x['choices']:
        <option value="{{choice}}"{{!' selected' if str(x['value']) == choice else ''}}>{{x['choice_names'].get(choice, choice)}}</option>
        % end
      </select>
      % if x['hint']:
      <small class="hint">{{x['hint']}}</small>
      % end
      % if errors.get(x['key']):
      <small class="error" id="e-{{x['key']}}">{{errors[x['key']]}}</small>
      % end
    </div>
    % elif x['kind'] == 'int':
    % include('field.tpl', name=x['key'], label=x['label'], type='number', value=x['value'], attrs='inputmode="numeric" required' + (' min="%s"' % x['minimum'] if x['minimum'] is not None else '') + (' max="%s"' % x['maximum'] if x['maximum'] is not None else ''), hint=x['hint'])
    % else:
    % include('field.tpl', name=x['key'], label=x['label'], value=x['value'], attrs='autocomplete="off" spellcheck="false"', hint=x['hint'])
    % end
    % end
    <div class="actions">
      <button type="submit" class="primary">{{_('Save {feeder}').format(feeder=f['label'])}}</button>
      <button type="submit" formaction="/feeders/{{f['name']}}/test">{{_('Test connection')}}</button>
    </div>
  </form>
</section>
% end
