% # The safety-net banner of the Network and Firewall pages: pending, notices, applies, wired.
% if pending.get('error'):
<p class="flash error" role="alert">{{_('The privileged helper did not answer: {error}').format(error=pending['error'])}}</p>
% end
% for notice in notices:
<p class="note-warn reverted" role="status">{{notice}}</p>
% end
% if not wired:
<p class="note-warn">{{_('Network control is not available in this process: settings are saved, not applied.')}}</p>
% elif not applies:
<p class="note-warn not-applied">{{_('Not on a device: this machine has no privileged helper, so settings are saved but not applied to the system.')}}</p>
% end
% if pending.get('token'):
<section class="card safety-net" role="alert" data-remaining="{{pending['remaining']}}">
  <h2>{{_('Confirm the change')}}</h2>
  <p>{{!_escape(_('Applied: {names}. Unless you confirm within {seconds} seconds, the device puts the previous settings back by itself.')).format(names=_escape(', '.join(pending['targets'])), seconds='<strong><span class="countdown">%d</span></strong>' % int(pending['remaining']))}}</p>
  <p class="hint">{{_('If an address changed, connect to the new address, log in there and press Confirm on its Network or Firewall page. If you cannot reach it, just wait: it reverts.')}}</p>
  <form method="post" action="/network/confirm">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <input type="hidden" name="token" value="{{pending['token']}}">
    <input type="hidden" name="back" value="{{path}}">
    <button type="submit" class="primary">{{_('Confirm')}}</button>
  </form>
</section>
% end
