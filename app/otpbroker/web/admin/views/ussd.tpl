% rebase('layout.tpl')
% if result:
<section class="card outcome-card {{'ok' if result['ok'] else 'error'}}" role="status" aria-live="polite">
  <h2>{{_('{code} on {modem}').format(code=result['code'], modem=result['modem'])}}</h2>
  % if result['ok']:
  <p class="ussd-reply">{{result['reply']}}</p>
  % else:
  <p class="error">{{result['error']}}</p>
  % end
</section>
% end
% if not modems:
<p class="card">{{_('No modem is running.')}} {{!_('<a href="{url}">Add or activate one</a> first.').format(url='/modems')}}</p>
% else:
<form method="post" action="/ussd" class="card narrow">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <div class="field{{' invalid' if errors.get('modem') else ''}}">
    <label for="f-modem">{{_('Modem')}}</label>
    <select id="f-modem" name="modem" required>
      % for m in modems:
      <option value="{{m['id']}}" {{'selected' if m['id'] == form.get('modem') else ''}}>{{m['name']}} ({{m['state']}}{{', ' + m['operator'] if m['operator'] else ''}})</option>
      % end
    </select>
    % if errors.get('modem'):
    <small class="error" id="e-modem">{{errors['modem']}}</small>
    % end
  </div>
  % include('field.tpl', name='code', label=_('USSD code'), value=form.get('code', ''), hint=_('e.g. *888# for the balance; menus are closed after their first answer. A reply can take up to 30 s.'), attrs='required autocomplete="off" inputmode="tel" pattern="[0-9*#+]{1,64}" placeholder="*888#"')
  <button type="submit" class="primary">{{_('Run')}}</button>
</form>
% end
