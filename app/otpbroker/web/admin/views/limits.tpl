% rebase('layout.tpl')
<section class="card settings-note">
  <p>{{_('Limits against SMS pumping (toll fraud), checked for every message from the API and the feeders before it reaches a modem. A message over a rate limit is refused with code 1106 and the seconds to wait; a number outside the lists with code 1107. A message counts once the limits let it through, whatever happens to it next; a refused one does not count.')}}</p>
  <p>{{_('Counts are kept in memory: a restart starts them afresh. A denied prefix wins over an allowed one; every allow list that is not empty must match. Manual SMS from this admin is not limited.')}}
  {{!_('Refusals appear in the Monitor and on {metrics}.').format(metrics='<code>/metrics</code>')}}</p>
</section>
% include('settings_form.tpl')
