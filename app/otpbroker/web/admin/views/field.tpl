% # One labelled input with its error: name, label, value, type, hint, extra attributes.
<div class="field{{' invalid' if errors.get(name) else ''}}">
  <label for="f-{{name}}">{{label}}</label>
  <input id="f-{{name}}" name="{{name}}" type="{{get('type', 'text')}}" value="{{get('value', '')}}"
    {{!get('attrs', '')}}
    % if errors.get(name):
    aria-invalid="true" aria-describedby="e-{{name}}"
    % end
  >
  % if get('hint'):
  <small class="hint">{{hint}}</small>
  % end
  % if errors.get(name):
  <small class="error" id="e-{{name}}">{{errors[name]}}</small>
  % end
</div>
