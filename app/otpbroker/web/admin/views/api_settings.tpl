% rebase('layout.tpl')
<section class="card settings-note">
  <h2>When changes apply</h2>
  <p>Everything here applies at once. HTTP and HTTPS are independent: switching one on opens
  its listener, switching it off closes it, a new port moves it (at least one must stay on).
  The REST API and this admin share the listeners, so the admin moves with them.
  % if listening_port:
  This page came through port {{listening_port}}.
  % end
  The certificate HTTPS presents is on the <a href="/https">HTTPS</a> page.</p>
  <p>Paths under <code>/api/</code> always reach the API (see
  <a href="/api/openapi.json">/api/openapi.json</a>). The key applications seal messages to,
  and whether the API accepts only sealed ones, are on the
  <a href="/sealing">Sealed messages</a> page.</p>
</section>
% include('settings_form.tpl')
