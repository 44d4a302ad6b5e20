% rebase('layout.tpl')
<link rel="stylesheet" href="/brochure/card.css">
% if problem:
<p class="card" role="alert">{{problem}}</p>
% else:
<div class="card brochure-actions">
  <p>The card printed for this device: the Wi-Fi network and password, the admin address,
  the setup code and the reset code. Print it again whenever you need to; keep it safe, since
  whoever holds it can join the Wi-Fi and reset the device.</p>
  <div class="actions">
    <button type="button" class="primary" data-print hidden>Print</button>
    <a class="download" href="/brochure.png" download>Download PNG (A6, 300 dpi)</a>
  </div>
</div>
<div class="brochure-view">
{{!fragment}}
</div>
% end
