% rebase('layout.tpl')
<section class="card refused">
  <p class="error" role="alert">{{message}}</p>
  <p>{{_('Nothing was changed.')}} {{advice}}</p>
  <p><a href="{{back}}">{{_('Back')}}</a></p>
</section>
