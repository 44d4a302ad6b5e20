% rebase('layout.tpl')
% port = settings.get('api.http_port')
<section class="card settings-note">
  <h2>When changes apply</h2>
  % if listening_port and port != listening_port:
  <p><strong>The service is listening on port {{listening_port}}; the HTTP port setting is {{port}}.</strong>
  After the next restart, open this admin on port {{port}}.</p>
  % end
  <p>The HTTP port is read once, when the service starts: a new port applies after the
  otp-broker service is restarted (or the device rebooted). The REST API and this admin share
  that listener, so the admin moves with it.</p>
  <p>This version serves plain HTTP only: the HTTPS settings and both enable switches are
  stored, but no HTTPS listener is opened and HTTP stays on.</p>
  <p>Paths, the body limit, the login cache and the country code apply at once. Paths under
  <code>/api/</code> always reach the API (see <a href="/api/openapi.json">/api/openapi.json</a>).</p>
</section>
% include('settings_form.tpl')
