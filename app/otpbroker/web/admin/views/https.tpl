% rebase('layout.tpl')
% if errors.get('_form'):
<p class="error card" role="alert">{{errors['_form']}}</p>
% end
<div class="grid">
<section class="card https-listeners">
  <h2>{{_('Listeners')}}</h2>
  <dl class="facts">
    % for s in listeners:
    <dt>{{s.scheme.upper()}}</dt>
    <dd>
      % if s.state == 'listening':
      <span class="badge ok">{{_('listening')}}</span> {{_('port {port}').format(port=s.bound_port)}}
      % elif s.state == 'error':
      <span class="badge bad">{{_('error')}}</span> {{_('port {port}').format(port=s.port)}}: <span class="error">{{s.error}}</span>
      % if s.retry_in:
      <br><span class="hint retry">{{_('Tried again by itself, next within {seconds} s.').format(seconds='%.0f' % s.retry_in)}}</span>
      % end
      % else:
      <span class="badge">{{_('off')}}</span>
      % end
    </dd>
    % end
  </dl>
  <p class="hint">{{!_('Switch HTTP and HTTPS on or off and choose their ports on the <a href="{url}">API setting</a> page; changes apply at once.').format(url='/api-settings')}}</p>
</section>
<section class="card https-certificate">
  <h2>{{_('Certificate')}}</h2>
  % if problem:
  <p class="error">{{problem}}</p>
  % elif info is None:
  <p>{{_('No certificate yet: a self-signed one is made when HTTPS is first switched on.')}}</p>
  % else:
  <dl class="facts">
    <dt>{{_('Subject')}}</dt><dd data-cert="subject">{{info.subject}}</dd>
    <dt>{{_('Issuer')}}</dt><dd data-cert="issuer">{{info.issuer}}{{' ' + _('(self-signed)') if info.self_signed else ''}}</dd>
    <dt>{{_('Names')}}</dt><dd data-cert="sans">{{', '.join(info.sans) or _('none')}}</dd>
    <dt>{{_('Valid from')}}</dt><dd>{{utc(info.not_before)}}</dd>
    <dt>{{_('Valid until')}}</dt><dd>{{utc(info.not_after)}}
      % if info.expired():
      <span class="badge bad">{{_('expired')}}</span>
      % end
    </dd>
    <dt>SHA-256</dt><dd class="fingerprint" data-cert="fingerprint"><code>{{info.fingerprint_sha256}}</code></dd>
  </dl>
  % end
  % if info is not None and info.self_signed:
  <p class="hint">{{_('Browsers warn about a self-signed certificate. Compare the SHA-256 fingerprint above with the one the browser shows, or upload a certificate from your own authority.')}}</p>
  % end
</section>
</div>
<div class="grid">
<section>
<h2 id="upload">{{_('Upload a certificate')}}</h2>
<form method="post" action="/https/upload" enctype="multipart/form-data" class="card https-upload" novalidate>
  <input type="hidden" name="csrf" value="{{csrf}}">
  % include('field.tpl', name='cert', label=_('Certificate (PEM)'), type='file', attrs='accept=".pem,.crt,.cer,application/x-pem-file" required', hint=_('the server certificate, optionally followed by its intermediate certificates; up to {size} KiB').format(size=max_kib))
  % include('field.tpl', name='key', label=_('Private key (PEM)'), type='file', attrs='accept=".pem,.key,application/x-pem-file" required', hint=_('unencrypted, the key of this certificate; up to {size} KiB').format(size=max_kib))
  <p class="hint">{{_('Nothing changes unless both files are valid; the previous pair is kept as a backup.')}}</p>
  <button type="submit" class="primary">{{_('Upload and use')}}</button>
</form>
</section>
<section>
<h2>{{_('Self-signed certificate')}}</h2>
<form method="post" action="/https/regenerate" class="card https-regenerate" data-confirm="{{_('Replace the certificate by a new self-signed one?')}}">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <p>{{_("Make a new self-signed certificate (valid for ten years) for the device's names and addresses:")}}
  <span class="cert-names" data-cert="new-names">{{', '.join(names) or _('none known')}}</span>.
  {{_('It replaces the current one.')}}</p>
  <button type="submit">{{_('Make a new self-signed certificate')}}</button>
</form>
</section>
</div>
