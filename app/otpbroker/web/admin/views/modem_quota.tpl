<td data-label="{{_('SIM use')}}"><span>
  % if quota:
  <small>{{_('hour {hour} · day {day} · numbers this month {recipients}').format(hour=quota['hour'], day=quota['day'], recipients=quota['recipients'])}}</small>
  % if quota['back_at']:
  <span class="badge bad">{{_('capped until {time}').format(time=quota['back_at'])}}</span>
  % end
  <small class="hint">{{_('day resets {day}, month {month}').format(day=quota['day_reset'], month=quota['month_reset'])}}{{'; ' + _('gap {gap}').format(gap=quota['gap']) if quota['gap'] else ''}}{{'; ' + _('refused {count}').format(count=quota['refused']) if quota['refused'] else ''}}</small>
  % else:
  —
  % end
</span></td>
