% rebase('layout.tpl')
<section class="card settings-note">
  <h2>{{_('When changes apply')}}</h2>
  <p>{{_('Everything here applies at once. HTTP and HTTPS are independent: switching one on opens its listener, switching it off closes it, a new port moves it (at least one must stay on). The REST API and this admin share the listeners, so the admin moves with them.')}}
  % if listening_port:
  {{_('This page came through port {port}.').format(port=listening_port)}}
  % end
  {{!_('The certificate HTTPS presents is on the <a href="{url}">HTTPS</a> page.').format(url='/https')}}</p>
  <p>{{!_('Paths under <code>/api/</code> always reach the API (see <a href="{url}">{url}</a>).').format(url='/api/openapi.json')}}
  {{!_('The key applications seal messages to, and whether the API accepts only sealed ones, are on the <a href="{url}">Sealed messages</a> page.').format(url='/sealing')}}</p>
</section>
% include('settings_form.tpl')
