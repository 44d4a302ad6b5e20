% rebase('layout.tpl')
% if result:
<section class="card outcome-card {{result['kind']}}" role="status" aria-live="polite">
  <h2>{{result['title']}}</h2>
  <p>{{result['detail']}}</p>
  % if result.get('code'):
  <p class="hint">Code: {{result['code']}}</p>
  % end
</section>
% end
% if not modems:
<p class="card">No active modem. <a href="/modems">Add or activate one</a> first.</p>
% else:
<form method="post" action="/manual-sms" class="card narrow">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <div class="field{{' invalid' if errors.get('modem') else ''}}">
    <label for="f-modem">Modem</label>
    <select id="f-modem" name="modem" required>
      % for m in modems:
      <option value="{{m['id']}}" {{'selected' if m['id'] == form.get('modem') else ''}}>{{m['name']}} ({{m['state']}}{{'' if m['api'] else ', manual only'}})</option>
      % end
    </select>
    <small class="hint">The message goes through this modem only, whatever its prefixes.</small>
    % if errors.get('modem'):
    <small class="error" id="e-modem">{{errors['modem']}}</small>
    % end
  </div>
  % include('field.tpl', name='msisdn', label='Recipient number', type='tel', value=form.get('msisdn', ''), hint='National (08126666666) or international (628126666666) form.', attrs='required autocomplete="off" inputmode="tel"')
  <div class="field{{' invalid' if errors.get('text') else ''}}">
    <label for="f-text">Text</label>
    <textarea id="f-text" name="text" rows="4" maxlength="{{max_chars}}" required autocomplete="off" spellcheck="false"
      % if errors.get('text'):
      aria-invalid="true" aria-describedby="e-text"
      % end
    ></textarea>
    <small class="hint">160 GSM characters per part (70 with other characters); longer texts go in several parts. The text is not kept anywhere, so type it again for each message.</small>
    % if errors.get('text'):
    <small class="error" id="e-text">{{errors['text']}}</small>
    % end
  </div>
  <button type="submit" class="primary">Send SMS</button>
</form>
% end
