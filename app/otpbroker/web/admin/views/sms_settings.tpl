% rebase('layout.tpl')
<section class="card settings-note">
  <p>{{_('Changes apply without a restart: the next message uses them, and running modems are reconfigured with new modem options (time-outs, parts, validity, delivery reports, relay link).')}}</p>
</section>
% include('settings_form.tpl')
