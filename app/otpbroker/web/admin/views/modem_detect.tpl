% rebase('layout.tpl')
<p><a href="/modems">← {{_('Modems')}}</a> · <a href="/modems/new">{{_('Add a modem by hand')}}</a></p>
% include('modem_detected.tpl', detected=detected)
<p class="hint">{{_('Every port whose role the model table does not give was asked with AT (1 s each); the AT ports were asked for their maker, model and IMEI. Ports of configured modems are never opened. A HiLink stick or a stick in CD-ROM mode has no AT port.')}}</p>
<details class="port-list">
  <summary>{{_('All serial ports ({count})').format(count=len(ports))}}</summary>
  % if not ports:
  <p class="hint">{{_('None found in /dev/serial/by-id, /dev/ttyUSB* or /dev/ttyACM*.')}}</p>
  % end
  <ul>
    % for p in ports:
    <li><span class="dev-path">{{p['path']}}</span>{{' → ' + p['target'] if p['kind'] == 'by-id' else ''}}</li>
    % end
  </ul>
</details>
