% from datetime import datetime
% from otpbroker.i18n.formats import format_datetime
% from otpbroker.web.admin.modem_words import word
% if alerts:
<section class="card alerts" id="alerts" aria-label="{{_('Alerts')}}">
  <h2>{{_('Alerts')}}</h2>
  % for a in alerts:
  % title, text, advice = a.shown()
  <div class="alert {{a.severity}}" data-alert="{{a.key}}">
    <p><span class="badge {{'bad' if a.severity == 'error' else 'warn'}}">{{word(a.severity)}}</span>
      <strong>{{title}}</strong>
      <small class="hint">{{_('since {time}').format(time=format_datetime(datetime.fromtimestamp(a.raised_at).astimezone()))}}</small></p>
    <p>{{text}}</p>
    % if advice:
    <p class="hint">{{_('What to do: {advice}').format(advice=advice)}}</p>
    % end
    % if a.mail:
    <p class="hint mail-note">{{a.mail}}</p>
    % end
  </div>
  % end
</section>
% end
