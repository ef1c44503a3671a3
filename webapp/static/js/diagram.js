// Project page: the diagram of the current step (EgovViewer: completed / active / failed steps, the
// number of open instances of a multi-instance step), with a picker for the instance's other diagrams.
(function () {
  'use strict';
  var box = document.getElementById('diagram');
  if (!box) { return; }
  var handle = null;
  var instance = null;
  var picker = null;

  function message(text) {
    box.innerHTML = '<div class="diagram-msg"></div>';
    box.firstChild.textContent = text;
  }

  function showFiles(data) {
    if (!data.files || data.files.length < 2) { if (picker) { picker.parentNode.remove(); picker = null; } return; }
    if (!picker) {
      var line = document.createElement('p');
      line.className = 'diagram-files';
      line.appendChild(document.createTextNode('流程图：'));
      picker = document.createElement('select');
      picker.id = 'diagram-file';
      picker.addEventListener('change', function () { load(picker.value); });
      line.appendChild(picker);
      box.parentNode.insertBefore(line, box);
    }
    picker.innerHTML = '';
    data.files.forEach(function (f) {
      var option = document.createElement('option');
      option.value = f.file;
      option.textContent = f.name + (f.current ? '（当前步骤）' : f.active ? '（进行中）' : '');
      option.selected = f.file === data.file;
      picker.appendChild(option);
    });
  }

  function load(file) {
    var query = [];
    if (instance) { query.push('instance=' + encodeURIComponent(instance)); }
    if (file) { query.push('file=' + encodeURIComponent(file)); }
    var url = box.dataset.src + (query.length ? '?' + query.join('&') : '');
    if (!window.EgovViewer) { message('流程图组件未加载（请先构建前端：npm run build）'); return; }
    fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (resp) { if (!resp.ok) { throw new Error(resp.status); } return resp.json(); })
      .then(function (data) {
        if (handle) { handle.destroy(); handle = null; }
        box.innerHTML = '';
        box.dataset.file = data.file;
        showFiles(data);
        return window.EgovViewer.show(box, data.xml, {
          completed: data.completed, active: data.active, incident: data.incident, counts: data.counts
        });
      })
      .then(function (h) { handle = h; box.dataset.ready = '1'; })
      .catch(function () { message('流程图加载失败'); });
  }

  var instances = document.getElementById('instance-picker');
  if (instances) { instances.addEventListener('change', function () { instance = instances.value; load(null); }); }
  load(null);
})();
