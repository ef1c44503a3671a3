// Task forms: upload a chosen file at once (POST /files) and keep its id; add / remove table rows.
// Without this script the form still works: files go with the multipart post, rows are posted as shown.
(function () {
  'use strict';
  var form = document.getElementById('task-form');
  if (!form) { return; }
  var csrf = (document.querySelector('meta[name=csrf-token]') || {}).content || '';

  function send(file) {
    var body = new FormData();
    body.append('file', file);
    if (form.dataset.project) { body.append('project_id', form.dataset.project); }
    return fetch(form.dataset.upload, {
      method: 'POST', body: body, credentials: 'same-origin',
      headers: { 'X-CSRFToken': csrf, 'Accept': 'application/json' }
    }).then(function (resp) {
      return resp.json().then(function (data) {
        if (!resp.ok) { throw new Error((data.fields && data.fields.file) || data.message || '上传失败'); }
        return data;
      });
    });
  }

  function fileLink(data) {
    var link = document.createElement('a');
    link.href = '/files/' + encodeURIComponent(data.id);
    link.target = '_blank';
    link.textContent = data.filename;
    return link;
  }

  function upload(input) {
    var field = input.closest('.file-field');
    var status = field.querySelector('.file-status');
    var chosen = Array.prototype.slice.call(input.files || []);
    if (!chosen.length) { return; }
    var names = chosen.map(function (f) { return f.name; }).join('、');
    var multi = field.classList.contains('file-multi');
    status.textContent = '正在上传：' + names + '…';
    Promise.all(chosen.map(send)).then(function (results) {
      status.innerHTML = '';
      results.forEach(function (data) {
        if (multi) {  // one hidden id per file, in the list
          var li = document.createElement('li');
          var hidden = document.createElement('input');
          hidden.type = 'hidden'; hidden.name = field.dataset.name; hidden.value = data.id; hidden.className = 'file-id';
          var remove = document.createElement('button');
          remove.type = 'button'; remove.className = 'btn btn-small btn-link js-remove-file'; remove.textContent = '移除';
          li.appendChild(hidden); li.appendChild(fileLink(data)); li.appendChild(document.createTextNode(' ')); li.appendChild(remove);
          field.querySelector('.file-list').appendChild(li);
        } else {
          field.querySelector('input.file-id').value = data.id;
          status.appendChild(document.createTextNode('已上传：'));
          status.appendChild(fileLink(data));
        }
      });
      input.value = '';  // the ids are kept; do not post the files again
    }).catch(function (err) {
      status.innerHTML = '';
      status.appendChild(errorNode(err.message || '上传失败，请检查网络后重试'));
      input.value = '';
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
    var removeFile = e.target.closest('.js-remove-file');
    if (removeFile) {
      removeFile.closest('li').remove();
    } else if (add) {
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
