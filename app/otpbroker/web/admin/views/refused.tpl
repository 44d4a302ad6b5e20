% rebase('layout.tpl')
<section class="card refused">
  <p class="error" role="alert">{{message}}</p>
  <p>Nothing was changed. {{advice}}</p>
  <p><a href="{{back}}">Back</a></p>
</section>
