% rebase('layout.tpl')
% include('network_pending.tpl')
<section class="card settings-note">
  <p>{{_('Saving applies the settings at once. Wi-Fi clients are disconnected for a moment, and if you change the address you are connected to, the page stops answering: reconnect to the new address and press Confirm there within the confirmation time, otherwise the previous settings come back by themselves.')}}</p>
</section>
% include('settings_form.tpl')
