<td data-label="SIM use"><span>
  % if quota:
  <small>hour {{quota['hour']}} · day {{quota['day']}} · numbers this month {{quota['recipients']}}</small>
  % if quota['back_at']:
  <span class="badge bad">capped until {{quota['back_at']}}</span>
  % end
  <small class="hint">day resets {{quota['day_reset']}}, month {{quota['month_reset']}}{{'; gap ' + quota['gap'] if quota['gap'] else ''}}{{'; refused ' + str(quota['refused']) if quota['refused'] else ''}}</small>
  % else:
  —
  % end
</span></td>
