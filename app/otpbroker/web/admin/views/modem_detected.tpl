% from bottle import html_escape
% # The detected-modems section: detected = {"entries", "problems", "probed"} (modem_detect.py).
<section class="card detected-modems" id="detected-modems">
  <h2>{{_('Plugged-in modems')}}</h2>
  % if not detected['entries']:
  <p>{{_('No USB modem found. Plug one in, wait a few seconds, then reload this page.')}}</p>
  % end
  % for d in detected['entries']:
  <article class="detected" data-usb-path="{{d['usb_path']}}">
    <p><span class="summary"><strong>{{d['family']}}</strong>, {{d['status']}}</span>
      <small class="hint">USB {{d['usb_path']}} · {{d['vid_pid']}}{{' · ' + d['usb_name'] if d['usb_name'] else ''}}</small></p>
    % if d['identity'] or d['imei']:
    <p>{{!_('Says it is {name}').format(name='<strong>' + html_escape(d['identity'] or _('a modem')) + '</strong>')}}{{', IMEI ' + d['imei'] if d['imei'] else ''}}</p>
    % end
    % if d['at_port']:
    <p>{{_('AT port:')}} <span class="dev-path">{{d['at_port']}}</span></p>
    % end
    % if d['note']:
    <p class="hint">{{d['note']}}</p>
    % end
    % if d['configured_as']:
    <p><span class="badge ok">{{_('configured as {names}').format(names=d['configured_as'])}}</span></p>
    % end
    <div class="actions">
      % if d['add_url']:
      <a class="add-link" href="{{d['add_url']}}">{{_('Add this modem')}}</a>
      % end
      % if d['can_switch']:
      <form method="post" action="/modems/usb/{{d['usb_path']}}/switch">
        <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{_('Switch to modem mode')}}</button>
      </form>
      % end
    </div>
    <details>
      <summary>{{_('Ports ({count})').format(count=len(d['ports']))}}</summary>
      <ul>
        % for p in d['ports']:
        <li>if{{'%02d' % p['interface']}} <strong>{{p['role']}}</strong> ({{p['driver'] or _('no driver')}}){{' ' if p['path'] or p['netdev'] else ''}}<span class="dev-path">{{p['path'] or p['netdev']}}</span></li>
        % end
      </ul>
    </details>
  </article>
  % end
  % if detected['problems']:
  <details class="problems">
    <summary>{{ngettext('{count} USB entry could not be read', '{count} USB entries could not be read', len(detected['problems'])).format(count=len(detected['problems']))}}</summary>
    <ul>
      % for problem in detected['problems']:
      <li class="dev-path">{{problem}}</li>
      % end
    </ul>
  </details>
  % end
  % if not detected['probed']:
  <p class="hint">{{!_("Found by USB id only; no port was opened. {link}Ask the ports with AT{end} to find unknown modems and read each modem's model and IMEI.").format(link='<a href="/modems/detected">', end='</a>')}}</p>
  % end
</section>
