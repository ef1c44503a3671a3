// Task forms: upload a chosen file at once (POST /files) and keep its id; add / remove table rows.
// Without this script the form still works: files go with the multipart post, rows are posted as shown.
(function () {
  'use strict';
  var form = document.getElementById('task-form');
  if (!form) { return; }
  var csrf = (document.querySelector('meta[name=csrf-token]') || {}).content || '';

  function upload(input) {
    var file = input.files && input.files[0];
    var field = input.closest('.file-field');
    var hidden = field.querySelector('input.file-id');
    var status = field.querySelector('.file-status');
    if (!file) { return; }
    var body = new FormData();
    body.append('file', file);
    if (form.dataset.project) { body.append('project_id', form.dataset.project); }
    status.textContent = '正在上传“' + file.name + '”…';
    fetch(form.dataset.upload, {
      method: 'POST', body: body, credentials: 'same-origin',
      headers: { 'X-CSRFToken': csrf, 'Accept': 'application/json' }
    }).then(function (resp) {
      return resp.json().then(function (data) { return { ok: resp.ok, data: data }; });
    }).then(function (res) {
      if (!res.ok) {
        var msg = (res.data.fields && res.data.fields.file) || res.data.message || '上传失败';
        status.innerHTML = '';
        status.appendChild(errorNode(msg));
        input.value = '';
        return;
      }
      hidden.value = res.data.id;
      input.value = '';  // the id is kept; do not post the file again
      status.innerHTML = '';
      var link = document.createElement('a');
      link.href = '/files/' + encodeURIComponent(res.data.id);
      link.target = '_blank';
      link.textContent = res.data.filename;
      status.appendChild(document.createTextNode('已上传：'));
      status.appendChild(link);
    }).catch(function () {
      status.innerHTML = '';
      status.appendChild(errorNode('上传失败，请检查网络后重试'));
    });
  }

  function errorNode(text) {
    var div = document.createElement('div');
    div.className = 'field-error';
    div.textContent = text;
    return div;
  }

  // Rows are named <path>.<n>.<key>; renumber after add/remove so indexes stay 0..n-1.
  function renumber(box) {
    var path = box.dataset.path;
    var pattern = new RegExp('^' + path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '\\.(\\d+|__i__)\\.');
    box.querySelectorAll('tbody > tr').forEach(function (tr, i) {
      var no = tr.querySelector('.row-no');
      if (no) { no.textContent = i + 1; }
      tr.querySelectorAll('[name]').forEach(function (el) {
        var name = el.getAttribute('name').replace(pattern, path + '.' + i + '.');
        el.setAttribute('name', name);
        if (el.id) { el.id = 'f-' + name.replace(/\./g, '-'); }
      });
    });
  }

  form.addEventListener('click', function (e) {
    var add = e.target.closest('.js-add-row');
    var remove = e.target.closest('.js-remove-row');
    if (add) {
      var box = add.closest('.rows');
      var tpl = box.querySelector('template');
      box.querySelector('tbody').appendChild(tpl.content.cloneNode(true));
      renumber(box);
    } else if (remove) {
      var rows = remove.closest('.rows');
      remove.closest('tr').remove();
      renumber(rows);
    }
  });

  form.addEventListener('change', function (e) {
    if (e.target.matches('input.file-input')) { upload(e.target); }
  });

  // The first field with an error gets the focus.
  var firstError = form.querySelector('.has-error input, .has-error select, .has-error textarea');
  if (firstError) { firstError.focus(); }
})();
