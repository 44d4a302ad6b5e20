<!doctype html>
<html lang="{{lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} · OTP Broker</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/admin.css">
<script type="application/json" id="otpb-messages">{{!script_messages}}</script>
<script src="/static/admin.js" defer></script>
% for src in get('scripts', ()):
<script src="{{src}}" defer></script>
% end
</head>
<body>
<header class="top">
  <a class="brand" href="/">OTP Broker</a>
  % if nav:
  <button class="menu-toggle" type="button" aria-controls="nav" aria-expanded="false">{{_('Menu')}}</button>
  <nav id="nav">
    % for href, label in nav:
    <a href="{{href}}" class="{{'current' if path == href else ''}}">{{_(label)}}</a>
    % end
    <form method="post" action="/language" class="language">
      <input type="hidden" name="csrf" value="{{csrf}}">
      <input type="hidden" name="back" value="{{path}}">
      <label for="nav-language">{{_('Language')}}</label>
      % include('language_choice.tpl', choice_id='nav-language', chosen=(me or {}).get('language', ''))
      <button type="submit">{{_('Change')}}</button>
    </form>
    <form method="post" action="/logout" class="logout">
      <input type="hidden" name="csrf" value="{{csrf}}">
      <button type="submit">{{_('Log out')}}{{' ' + me['username'] if me else ''}}</button>
    </form>
  </nav>
  % end
</header>
<main>
<h1>{{title}}</h1>
% if flash:
<p class="flash {{flash[0]}}" role="status">{{flash[1]}}</p>
% end
% if errors.get('_form'):
<p class="flash error" role="alert">{{errors['_form']}}</p>
% end
{{!base}}
</main>
</body>
</html>
