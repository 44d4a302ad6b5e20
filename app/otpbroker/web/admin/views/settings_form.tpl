% # The form of a settings page: groups = [(legend, [field, ...]), ...]; saved all or nothing.
<form method="post" action="{{path}}" class="card settings-form" novalidate>
  <input type="hidden" name="csrf" value="{{csrf}}">
  % for legend, fields in groups:
  <fieldset>
    <legend>{{legend}}</legend>
    % for f in fields:
    % include('setting_field.tpl', f=f)
    % end
  </fieldset>
  % end
  <p class="hint">{{_('All fields are saved together: if one value is refused, nothing is changed.')}}</p>
  <button type="submit" class="primary">{{_('Save')}}</button>
</form>
