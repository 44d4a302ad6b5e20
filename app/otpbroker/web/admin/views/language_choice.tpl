% # The admin's languages, each in its own name, and "the browser's": choice_id, chosen.
<select id="{{choice_id}}" name="language">
  <option value=""{{!' selected' if not chosen else ''}}>{{_('Browser language')}}</option>
  % for code, name in language_names.items():
  <option value="{{code}}" lang="{{code}}"{{!' selected' if chosen == code else ''}}>{{name}}</option>
  % end
</select>
