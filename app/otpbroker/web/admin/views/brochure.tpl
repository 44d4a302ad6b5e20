% rebase('layout.tpl')
<link rel="stylesheet" href="/brochure/card.css">
% if problem:
<p class="card" role="alert">{{problem}}</p>
% else:
<div class="card brochure-actions">
  <p>{{_('The card printed for this device: the Wi-Fi network and password, the admin address, the setup code and the reset code. Print it again whenever you need to; keep it safe, since whoever holds it can join the Wi-Fi and reset the device.')}}</p>
  <p>{{_('Card language: {language}.').format(language=card_language)}}
  % for code, name in others:
  <a href="/brochure?language={{code}}" hreflang="{{code}}">{{_('Show the card in {language}').format(language=name)}}</a>
  % end
  </p>
  <form method="post" action="/brochure/language" class="field">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label for="f-device-language">{{_('Language of the card and of the e-mails the device sends')}}</label>
    <div class="inline-row">
      <select id="f-device-language" name="language">
        % for code, name in language_names.items():
        <option value="{{code}}" lang="{{code}}"{{!' selected' if device_language == code else ''}}>{{name}}</option>
        % end
      </select>
      <button type="submit">{{_('Save')}}</button>
    </div>
  </form>
  <div class="actions">
    <button type="button" class="primary" data-print hidden>{{_('Print')}}</button>
    <a class="download" href="{{png_href}}" download>{{_('Download PNG (A6, 300 dpi)')}}</a>
  </div>
</div>
<div class="brochure-view">
{{!fragment}}
</div>
% end
