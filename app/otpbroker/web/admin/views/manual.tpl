% rebase('layout.tpl')
% if result:
<section class="card outcome-card {{result['kind']}}" role="status" aria-live="polite">
  <h2>{{result['title']}}</h2>
  <p>{{result['detail']}}</p>
  % if result.get('code'):
  <p class="hint">{{_('Code: {code}').format(code=result['code'])}}</p>
  % end
</section>
% end
% if not modems:
<p class="card">{{!_('No active modem. <a href="{url}">Add or activate one</a> first.').format(url='/modems')}}</p>
% else:
<form method="post" action="/manual-sms" class="card narrow">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <div class="field{{' invalid' if errors.get('modem') else ''}}">
    <label for="f-modem">{{_('Modem')}}</label>
    <select id="f-modem" name="modem" required>
      % for m in modems:
      <option value="{{m['id']}}" {{'selected' if m['id'] == form.get('modem') else ''}}>{{m['name']}} ({{m['state']}}{{'' if m['api'] else ', ' + _('manual only')}})</option>
      % end
    </select>
    <small class="hint">{{_('The message goes through this modem only, whatever its prefixes.')}}</small>
    % if errors.get('modem'):
    <small class="error" id="e-modem">{{errors['modem']}}</small>
    % end
  </div>
  % include('field.tpl', name='msisdn', label=_('Recipient number'), type='tel', value=form.get('msisdn', ''), hint=_('National (08126666666) or international (628126666666) form.'), attrs='required autocomplete="off" inputmode="tel"')
  <div class="field{{' invalid' if errors.get('text') else ''}}">
    <label for="f-text">{{_('Text')}}</label>
    <textarea id="f-text" name="text" rows="4" maxlength="{{max_chars}}" required autocomplete="off" spellcheck="false"
      % if errors.get('text'):
      aria-invalid="true" aria-describedby="e-text"
      % end
    ></textarea>
    <small class="hint">{{_('160 GSM characters per part (70 with other characters); longer texts go in several parts. The text is not kept anywhere, so type it again for each message.')}}</small>
    % if errors.get('text'):
    <small class="error" id="e-text">{{errors['text']}}</small>
    % end
  </div>
  <button type="submit" class="primary">{{_('Send SMS')}}</button>
</form>
% end
