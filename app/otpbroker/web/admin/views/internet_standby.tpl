% rebase('layout.tpl')
<section class="card settings-note">
  <p>{{_("In standby mode mobile internet (the first modem with internet access) comes up when Ethernet has had no default route for the first wait, and goes down when Ethernet's route has been back for the second. Changes apply at the next check.")}}
  <a href="/internet">{{_('Back to Internet')}}</a>.</p>
</section>
% include('settings_form.tpl')
