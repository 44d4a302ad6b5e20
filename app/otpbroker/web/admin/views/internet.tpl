% rebase('layout.tpl')
% if uplink is not None:
<section class="card uplink" data-uplink="{{uplink.active}}">
  <h2>{{_('Uplink')}}
    <span class="badge {{'warn' if uplink.active == 'mobile' else 'ok'}}" data-uplink="active">{{_('mobile internet') if uplink.active == 'mobile' else 'Ethernet'}}</span>
  </h2>
  <dl class="facts">
    <dt>{{_('Mode')}}</dt><dd data-uplink="mode">{{_('standby: mobile internet comes up when Ethernet loses its default route') if uplink.mode == 'standby' else _('always: mobile internet is connected by hand')}}</dd>
    <dt>{{_('Ethernet default route')}}</dt><dd data-uplink="ethernet">{{_('yes') if uplink.ethernet_route else _('no')}}</dd>
    <dt>{{_('Mobile default route')}}</dt><dd data-uplink="mobile">{{_('yes') if uplink.mobile_route else _('no')}}</dd>
    <dt>{{_('Last switch')}}</dt><dd data-uplink="last-switch">{{uplink_switch(uplink.last_switch)}}</dd>
    <dt>{{_('Checked')}}</dt><dd>{{when(uplink.checked_at) if uplink.checked_at else _('not yet')}}</dd>
  </dl>
  % if uplink.error:
  <p class="error" role="alert" data-uplink="error">{{uplink.error}}</p>
  % end
  <p class="hint"><a href="/internet/standby">{{_('Standby settings')}}</a>: {{_('the mode and its waits.')}}</p>
</section>
% end
% if not available:
<p class="card hint">{{_('Mobile internet is managed on the device only: here the state is shown, but Connect and Disconnect are refused.')}}</p>
% end
% if not cards:
<p class="card">{{!_escape(_('No modem is used for the device\'s internet yet. Open a modem\'s settings on the {modems} page and tick "{option}".')).format(modems='<a href="/modems">%s</a>' % _escape(_('Modems')), option=_escape(_("Use this modem for the device's internet")))}}</p>
% end
% for card in cards:
% m = card['record']
% s = card['status'] or {}
<section class="card internet-modem" data-modem="{{m['id']}}">
  <h2>{{m['name']}}
    % if s.get('up'):
    <span class="badge ok" data-link="state">{{_('online')}}</span>
    % elif s.get('pid'):
    <span class="badge warn" data-link="state">{{_('connecting')}}</span>
    % else:
    <span class="badge" data-link="state">{{_('offline')}}</span>
    % end
  </h2>
  <div class="grid">
  <dl class="facts">
    <dt>{{_('Interface')}}</dt><dd class="dev-path">{{s.get('name') or '-'}}</dd>
    <dt>{{_('IPv4 address')}}</dt><dd data-link="ipv4">{{', '.join(s.get('ipv4') or []) or '-'}}</dd>
    <dt>{{_('Received')}}</dt><dd data-link="rx">{{human_bytes(s.get('rx_bytes'))}}</dd>
    <dt>{{_('Sent')}}</dt><dd data-link="tx">{{human_bytes(s.get('tx_bytes'))}}</dd>
    <dt>pppd</dt><dd>{{_('running, pid {pid}, for {duration}').format(pid=s['pid'], duration=human_duration(s.get('uptime_seconds'))) if s.get('pid') else _('not running')}}</dd>
    % if s.get('since'):
    <dt>{{_('Online since') if s.get('up') else _('Connecting since') if s.get('pid') else _('Offline since')}}</dt><dd data-link="since">{{moment(s['since'])}}</dd>
    % end
    <dt>{{_('Last problem')}}</dt><dd data-link="problem">{{s.get('problem') or _('none')}}</dd>
    <dt>{{_('Redial')}}</dt><dd data-link="redial">{{redial_text(s)}}</dd>
    <dt>{{_('Data port')}}</dt><dd class="dev-path">{{m.get('data_port') or _('{port} (the SMS port)').format(port=m['port'])}}</dd>
  </dl>
  <dl class="facts">
    <dt>APN</dt><dd data-link="apn">{{m.get('apn') or _('(none)')}}</dd>
    <dt>{{_('APN user')}}</dt><dd>{{m.get('apn_username') or _('(none)')}}</dd>
    <dt>{{_('APN password')}}</dt><dd>{{_('set') if m.get('apn_password') else _('not set')}}</dd>
    <dt>{{_('Dial')}}</dt><dd><code>{{(m.get('dial_command') or 'ATD') + (m.get('dial_number') or '')}}</code></dd>
    <dt>{{_('Init commands')}}</dt><dd>{{sum(1 for n in range(1, 6) if m.get('init_dial_%d' % n)) or _('none')}}</dd>
  </dl>
  </div>
  % if s.get('settings_error'):
  <p class="error" role="alert">{{_('These settings cannot be used: {reason}').format(reason=s['settings_error'])}}</p>
  % end
  % if s.get('error'):
  <p class="error" role="alert">{{_('State not readable: {reason}').format(reason=s['error'])}}</p>
  % end
  % if card['shares']:
  <p class="note-warn internet-conflict">{{_('This modem has no separate data port: SMS and the data call would share one serial line, so the modem cannot send SMS while it is online.')}}
  % if m.get('active'):
  {{_('Pause SMS on it before connecting (other modems keep sending), or set a data port in its settings if the stick has one (often the first of its ports, the SMS port being another).')}}
  % else:
  {{_('SMS is paused on this modem; resume it after disconnecting.')}}
  % end
  </p>
  % end
  <form method="post" action="/internet/{{m['id']}}/preset" class="inline-row internet-preset">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <select id="preset-{{m['id']}}" name="preset" aria-label="{{_('APN preset')}}">
      % for p in presets:
      <option value="{{p.operator}}" {{'selected' if p.operator == card['preset'] else ''}}>{{p.operator}}: {{p.apn}} {{p.dial_number}}</option>
      % end
    </select>
    <button type="submit">{{_('Use preset')}}</button>
  </form>
  <div class="actions internet-actions">
    <a href="/modems/{{m['id']}}/edit">{{_('All internet settings')}}</a>
    % if card['shares'] and m.get('active'):
    <form method="post" action="/internet/{{m['id']}}/pause-sms">
      <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{_('Pause SMS')}}</button>
    </form>
    % elif card['shares']:
    <form method="post" action="/internet/{{m['id']}}/resume-sms">
      <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{_('Resume SMS')}}</button>
    </form>
    % end
    % if s.get('up') or s.get('pid') or s.get('wanted'):
    <form method="post" action="/internet/{{m['id']}}/disconnect">
      <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">{{_('Disconnect')}}</button>
    </form>
    % else:
    <form method="post" action="/internet/{{m['id']}}/connect">
      <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="primary" {{'disabled' if not available or (card['shares'] and m.get('active')) else ''}}>{{_('Connect')}}</button>
    </form>
    % end
  </div>
</section>
% end
% if others and cards:
<p class="hint">{{_('{count} other modem(s) are not used for the internet.').format(count=others)}}</p>
% end
<p class="hint">{{_('The device uses the mobile link for its default route only when Ethernet has none: with a cable connected, Ethernet stays the way out.')}}</p>
