% rebase('layout.tpl')
% from bottle import html_escape
<section class="card narrow">
  <p>{{!_("The report runs a fixed, safe list of AT commands on {name} (identification, SIM state and PIN tries, SMS and network settings: nothing is written to the SIM and no PIN is entered) and records the modem's raw answers and timings. IMEI, IMSI, ICCID, the SIM's number, the SMS centre and the test number are replaced by placeholders; message texts are kept only as their length. The modem is set up again afterwards; it takes up to a minute. Send the file to the OTP Broker project so that your modem becomes a test case.").format(name='<strong>' + html_escape(modem['name']) + '</strong>')}}</p>
  % if errors.get('_form'):
  <p class="error" role="alert">{{errors['_form']}}</p>
  % end
  <form method="post" action="/modems/{{modem['id']}}/report">
    <input type="hidden" name="csrf" value="{{csrf}}">
    % include('field.tpl', name='ussd', label=_('USSD code (optional)'), value=form.get('ussd', ''), hint=_('e.g. *888#: its reply is kept only as length and encoding unless you tick below.'), attrs='autocomplete="off" inputmode="tel" pattern="[0-9*#+]{1,64}" placeholder="*888#"')
    <div class="field">
      <label><input type="checkbox" name="ussd_text" value="1" {{'checked' if form.get('ussd_text') else ''}}> {{_('Include USSD text')}}</label>
      <small class="hint">{{_("Keep the USSD reply's words (numbers in it are still replaced).")}}</small>
    </div>
    % include('field.tpl', name='sms_to', label=_('Test SMS to (optional)'), value=form.get('sms_to', ''), hint=_('One test SMS goes to this number, in international form (+62...). Leave empty for none.'), attrs='autocomplete="off" inputmode="tel" placeholder="+628123456789"')
    <button type="submit" class="primary">{{_('Download diagnostic report')}}</button>
  </form>
</section>
