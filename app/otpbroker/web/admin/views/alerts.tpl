% import time
% if alerts:
<section class="card alerts" id="alerts" aria-label="Alerts">
  <h2>Alerts</h2>
  % for a in alerts:
  <div class="alert {{a.severity}}" data-alert="{{a.key}}">
    <p><span class="badge {{'bad' if a.severity == 'error' else 'warn'}}">{{a.severity}}</span>
      <strong>{{a.title}}</strong>
      <small class="hint">since {{time.strftime('%Y-%m-%d %H:%M', time.localtime(a.raised_at))}}</small></p>
    <p>{{a.text}}</p>
    % if a.advice:
    <p class="hint">What to do: {{a.advice}}</p>
    % end
    % if a.mail:
    <p class="hint mail-note">{{a.mail}}</p>
    % end
  </div>
  % end
</section>
% end
