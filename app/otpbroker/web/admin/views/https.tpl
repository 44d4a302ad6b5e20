% rebase('layout.tpl')
% if errors.get('_form'):
<p class="error card" role="alert">{{errors['_form']}}</p>
% end
<div class="grid">
<section class="card https-listeners">
  <h2>Listeners</h2>
  <dl class="facts">
    % for s in listeners:
    <dt>{{s.scheme.upper()}}</dt>
    <dd>
      % if s.state == 'listening':
      <span class="badge ok">listening</span> port {{s.bound_port}}
      % elif s.state == 'error':
      <span class="badge bad">error</span> port {{s.port}}: <span class="error">{{s.error}}</span>
      % if s.retry_in:
      <br><span class="hint retry">Tried again by itself, next within {{'%.0f' % s.retry_in}} s.</span>
      % end
      % else:
      <span class="badge">off</span>
      % end
    </dd>
    % end
  </dl>
  <p class="hint">Switch HTTP and HTTPS on or off and choose their ports on the
  <a href="/api-settings">API setting</a> page; changes apply at once.</p>
</section>
<section class="card https-certificate">
  <h2>Certificate</h2>
  % if problem:
  <p class="error">{{problem}}</p>
  % elif info is None:
  <p>No certificate yet: a self-signed one is made when HTTPS is first switched on.</p>
  % else:
  <dl class="facts">
    <dt>Subject</dt><dd data-cert="subject">{{info.subject}}</dd>
    <dt>Issuer</dt><dd data-cert="issuer">{{info.issuer}}{{' (self-signed)' if info.self_signed else ''}}</dd>
    <dt>Names</dt><dd data-cert="sans">{{', '.join(info.sans) or 'none'}}</dd>
    <dt>Valid from</dt><dd>{{info.not_before.strftime('%Y-%m-%d %H:%M')}} UTC</dd>
    <dt>Valid until</dt><dd>{{info.not_after.strftime('%Y-%m-%d %H:%M')}} UTC
      % if info.expired():
      <span class="badge bad">expired</span>
      % end
    </dd>
    <dt>SHA-256</dt><dd class="fingerprint" data-cert="fingerprint"><code>{{info.fingerprint_sha256}}</code></dd>
  </dl>
  % end
  % if info is not None and info.self_signed:
  <p class="hint">Browsers warn about a self-signed certificate. Compare the SHA-256 fingerprint
  above with the one the browser shows, or upload a certificate from your own authority.</p>
  % end
</section>
</div>
<div class="grid">
<section>
<h2 id="upload">Upload a certificate</h2>
<form method="post" action="/https/upload" enctype="multipart/form-data" class="card https-upload" novalidate>
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='cert', label='Certificate (PEM)', type='file', attrs='accept=".pem,.crt,.cer,application/x-pem-file" required', hint='the server certificate, optionally followed by its intermediate certificates; up to ' + str(max_kib) + ' KiB')
  % include('field.tpl', name='key', label='Private key (PEM)', type='file', attrs='accept=".pem,.key,application/x-pem-file" required', hint='unencrypted, the key of this certificate; up to ' + str(max_kib) + ' KiB')
  <p class="hint">Nothing changes unless both files are valid; the previous pair is kept as a backup.</p>
  <button type="submit" class="primary">Upload and use</button>
</form>
</section>
<section>
<h2>Self-signed certificate</h2>
<form method="post" action="/https/regenerate" class="card https-regenerate" data-confirm="Replace the certificate by a new self-signed one?">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <p>Make a new self-signed certificate (valid for ten years) for the device's names and
  addresses:
  <span class="cert-names" data-cert="new-names">{{', '.join(names) or 'none known'}}</span>.
  It replaces the current one.</p>
  <button type="submit">Make a new self-signed certificate</button>
</form>
</section>
</div>
