% rebase('layout.tpl')
% if notice:
<p class="flash" role="status">{{notice}}</p>
% end
% if get('detected') and not editing:
% include('modem_detected.tpl', detected=detected)
% end
<form method="post" action="{{'/modems/' + editing['id'] if editing else '/modems'}}" class="modem-form">
  <input type="hidden" name="csrf" value="{{csrf}}">
  % # Enter in a text field submits with the first submit button: make that "Save", not "Apply".
  <button type="submit" class="default-submit" tabindex="-1" aria-hidden="true">{{_('Save')}}</button>
  <div class="grid">
  % for group_key, legend, items in groups:
  <fieldset class="card" id="g-{{group_key}}">
    <legend>{{_(legend)}}</legend>
    % for item in items:
    % if item.kind in ('text', 'port'):
    % include('field.tpl', name=item.key, label=item.shown_label, value=form.get(item.key, ''), type=item.input_type, hint=item.shown_hint, attrs=item.attrs)
    % end
    % if item.kind == 'port':
    <datalist id="serial-ports">
      % for p in ports:
      <option value="{{p['path']}}">{{p['target']}}{{' — IMEI ' + p['live']['imei'] if p['live'] else ''}}</option>
      % end
    </datalist>
    <details class="port-list">
      <summary>{{_('Detected serial ports ({count})').format(count=len(ports))}}</summary>
      % if not ports:
      <p class="hint">{{_('None found in /dev/serial/by-id, /dev/ttyUSB* or /dev/ttyACM*.')}}</p>
      % end
      <ul>
        % for p in ports:
        <li><span class="dev-path">{{p['path']}}</span>
          % if p['kind'] == 'by-id':
          <small class="hint">→ {{p['target']}}</small>
          % end
          % if p['live']:
          <small>{{p['live']['model'] or _('modem')}}, IMEI {{p['live']['imei']}}{{', ' + p['live']['operator'] if p['live']['operator'] else ''}}</small>
          % end
          % if p['used_by']:
          <small class="hint">{{_('used by {names}').format(names=p['used_by'])}}</small>
          % end
        </li>
        % end
      </ul>
    </details>
    % elif item.kind == 'select':
    <div class="field{{' invalid' if errors.get(item.key) else ''}}">
      <label for="f-{{item.key}}">{{item.shown_label}}</label>
      <select id="f-{{item.key}}" name="{{item.key}}">
        % for value, text in item.shown_options:
        <option value="{{value}}" {{'selected' if value == str(form.get(item.key, '')) else ''}}>{{text}}</option>
        % end
      </select>
      % if item.hint:
      <small class="hint">{{item.shown_hint}}</small>
      % end
      % if errors.get(item.key):
      <small class="error" id="e-{{item.key}}">{{errors[item.key]}}</small>
      % end
    </div>
    % elif item.kind == 'flag':
    <div class="field check{{' invalid' if errors.get(item.key) else ''}}">
      <label class="inline"><input type="checkbox" id="f-{{item.key}}" name="{{item.key}}" value="1" {{'checked' if form.get(item.key) else ''}}> {{item.shown_label}}</label>
      % if item.hint:
      <small class="hint">{{item.shown_hint}}</small>
      % end
      % if errors.get(item.key):
      <small class="error" id="e-{{item.key}}">{{errors[item.key]}}</small>
      % end
    </div>
    % elif item.kind == 'secret':
    % stored = secrets_set.get(item.key)
    % hint = ' '.join(part for part in (_('A value is stored; leave blank to keep it.') if stored else _('Empty = none.'), item.shown_hint) if part)
    % include('field.tpl', name=item.key, label=item.shown_label, type='password', value=filled_password if item.key == 'apn_password' else '', hint=hint, attrs=item.attrs)
    % if stored:
    <div class="field">
      <label class="inline"><input type="checkbox" id="f-clear_{{item.key}}" name="clear_{{item.key}}" value="1" {{'checked' if item.key in clear else ''}}> {{_('Remove the stored {name}').format(name=item.shown_label)}}</label>
    </div>
    % end
    % elif item.kind == 'presets':
    <div class="field{{' invalid' if errors.get('preset') else ''}}">
      <label for="f-preset">{{item.shown_label}}</label>
      <div class="preset-row">
        <select id="f-preset" name="preset">
          <option value="">— {{_('choose an operator')}} —</option>
          % for p in presets:
          <option value="{{p.key}}" data-apn="{{p.apn}}" data-user="{{p.username}}" data-password="{{p.password}}" data-dial="{{p.dial_number}}" {{'selected' if form.get('preset') == p.key else ''}}>{{p.operator}}</option>
          % end
        </select>
        <button type="submit" name="apply_preset" value="1" formnovalidate>{{_('Apply')}}</button>
      </div>
      <small class="hint">{{_('Fills APN, user name, password and dial number below; nothing is saved until you save the modem.')}}</small>
      % if errors.get('preset'):
      <small class="error" id="e-preset">{{errors['preset']}}</small>
      % end
    </div>
    <div class="table-wrap">
    <table class="presets">
      <thead><tr><th>{{_('Operator')}}</th><th>APN</th><th>{{_('User')}}</th><th>{{_('Password')}}</th><th>{{_('Dial')}}</th></tr></thead>
      <tbody>
      % for p in presets:
      <tr><td>{{p.operator}}</td><td>{{p.apn}}</td><td>{{p.username or '—'}}</td><td>{{p.password or '—'}}</td><td>{{p.dial_number}}</td></tr>
      % end
      </tbody>
    </table>
    </div>
    % end
    % end
  </fieldset>
  % end
  </div>
  <p class="form-actions">
    <button type="submit" class="primary">{{_('Save') if editing else _('Add modem')}}</button>
    <a href="/modems">{{_('Cancel')}}</a>
  </p>
</form>
