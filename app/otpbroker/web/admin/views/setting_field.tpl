% # One setting of a settings form: f = {key, label, kind, hint, value, choices, choice_names,
% # minimum, maximum} (label, hint and choice names already in the page's language).
% key = f['key']
% error = errors.get(key)
<div class="field{{' check' if f['kind'] == 'bool' else ''}}{{' invalid' if error else ''}}">
  % if f['kind'] == 'bool':
  <input type="hidden" name="{{key}}" value="false">
  <label class="inline" for="f-{{key}}"><input id="f-{{key}}" name="{{key}}" type="checkbox" value="true"
    aria-describedby="h-{{key}}{{' e-' + key if error else ''}}"
    % if f['value']:
    checked
    % end
    % if error:
    aria-invalid="true"
    % end
  > {{f['label']}}</label>
  % elif f['choices']:
  <label for="f-{{key}}">{{f['label']}}</label>
  <select id="f-{{key}}" name="{{key}}" aria-describedby="h-{{key}}{{' e-' + key if error else ''}}"
    % if error:
    aria-invalid="true"
    % end
  >
    % for choice in f['choices']:
    % if choice == f['value']:
    <option value="{{choice}}" selected>{{(f.get('choice_names') or dict()).get(choice, choice)}}</option>
    % else:
    <option value="{{choice}}">{{(f.get('choice_names') or dict()).get(choice, choice)}}</option>
    % end
    % end
  </select>
  % else:
  <label for="f-{{key}}">{{f['label']}}</label>
  % if f['kind'] == 'int':
  <input id="f-{{key}}" name="{{key}}" type="number" inputmode="numeric" step="1" required
    value="{{f['value']}}" min="{{f['minimum'] if f['minimum'] is not None else ''}}"
    max="{{f['maximum'] if f['maximum'] is not None else ''}}"
  % else:
  <input id="f-{{key}}" name="{{key}}" type="text" value="{{f['value']}}" autocomplete="off"
    autocapitalize="off" spellcheck="false"
  % end
    aria-describedby="h-{{key}}{{' e-' + key if error else ''}}"
    % if error:
    aria-invalid="true"
    % end
  >
  % end
  <small class="hint" id="h-{{key}}">{{f['hint']}}</small>
  % if error:
  <small class="error" id="e-{{key}}">{{error}}</small>
  % end
</div>
