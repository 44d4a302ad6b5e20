% rebase('layout.tpl')
<div class="grid">
<section class="card sealing-key">
  <h2>Public key</h2>
  <p>Applications seal the text of <code>send-sms</code> and <code>send-mail</code> to this key
  and send it in <code>data.sealed</code>: only this device can read it, so no message broker
  on the way ever holds a readable OTP. API users also get it from
  <code>GET /api/sealing-key</code>; see <em>Sealed messages</em> in the API documentation.</p>
  <dl class="facts">
    <dt>Public key</dt><dd><code data-sealing="public-key">{{key.public_key}}</code></dd>
    <dt>Construction</dt><dd data-sealing="algorithm">{{key.algorithm}}</dd>
  </dl>
</section>
<section>
<form method="post" action="/sealing/rotate" class="card sealing-rotate" data-confirm="Make a new sealing key? Applications must fetch the new key; messages sealed to the current one still open until the next rotation.">
  <input type="hidden" name="csrf" value="{{csrf}}">
  <h2>Rotate</h2>
  <p>Make a new key pair. The current private key is kept, so messages sealed just before
  still open; the one before it is deleted.</p>
  <button type="submit">Make a new key</button>
</form>
</section>
</div>
% include('settings_form.tpl')
