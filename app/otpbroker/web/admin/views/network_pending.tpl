% # The safety-net banner of the Network and Firewall pages: pending, notices, applies, wired.
% if pending.get('error'):
<p class="flash error" role="alert">The privileged helper did not answer: {{pending['error']}}</p>
% end
% for notice in notices:
<p class="note-warn reverted" role="status">{{notice}}</p>
% end
% if not wired:
<p class="note-warn">Network control is not available in this process: settings are saved, not applied.</p>
% elif not applies:
<p class="note-warn not-applied"><strong>Not on a device:</strong> this machine has no privileged
helper, so settings are saved but not applied to the system.</p>
% end
% if pending.get('token'):
<section class="card safety-net" role="alert" data-remaining="{{pending['remaining']}}">
  <h2>Confirm the change</h2>
  <p>Applied: {{', '.join(pending['targets'])}}. Unless you confirm within
  <strong><span class="countdown">{{pending['remaining']}}</span> seconds</strong>, the device
  puts the previous settings back by itself.</p>
  <p class="hint">If an address changed, connect to the new address, log in there and press
  Confirm on its Network or Firewall page. If you cannot reach it, just wait: it reverts.</p>
  <form method="post" action="/network/confirm">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <input type="hidden" name="token" value="{{pending['token']}}">
    <input type="hidden" name="back" value="{{path}}">
    <button type="submit" class="primary">Confirm</button>
  </form>
</section>
% end
