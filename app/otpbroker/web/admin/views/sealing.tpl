% rebase('layout.tpl')
<div class="grid">
<section class="card sealing-key">
  <h2>{{_('Public key')}}</h2>
  <p>{{!_('Applications seal the text of <code>send-sms</code> and <code>send-mail</code> to this key and send it in <code>data.sealed</code>: only this device can read it, so no message broker on the way ever holds a readable OTP. API users also get it from <code>GET /api/sealing-key</code>; see <em>Sealed messages</em> in the API documentation.')}}</p>
  <dl class="facts">
    <dt>{{_('Public key')}}</dt><dd><code data-sealing="public-key">{{key.public_key}}</code></dd>
    <dt>{{_('Construction')}}</dt><dd data-sealing="algorithm">{{key.algorithm}}</dd>
  </dl>
</section>
<section>
<form method="post" action="/sealing/rotate" class="card sealing-rotate" data-confirm="{{_('Make a new sealing key? Applications must fetch the new key; messages sealed to the current one still open until the next rotation.')}}">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <h2>{{_('Rotate')}}</h2>
  <p>{{_('Make a new key pair. The current private key is kept, so messages sealed just before still open; the one before it is deleted.')}}</p>
  <button type="submit">{{_('Make a new key')}}</button>
</form>
</section>
</div>
% include('settings_form.tpl')
