// Project page: load the instance's BPMN and show completed / active / failed steps (EgovViewer).
(function () {
  'use strict';
  var box = document.getElementById('diagram');
  if (!box) { return; }
  var handle = null;

  function message(text) {
    box.innerHTML = '<div class="diagram-msg"></div>';
    box.firstChild.textContent = text;
  }

  function load(instanceId) {
    var url = box.dataset.src + (instanceId ? '?instance=' + encodeURIComponent(instanceId) : '');
    if (!window.EgovViewer) { message('流程图组件未加载（请先构建前端：npm run build）'); return; }
    fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (resp) { if (!resp.ok) { throw new Error(resp.status); } return resp.json(); })
      .then(function (data) {
        if (handle) { handle.destroy(); handle = null; }
        box.innerHTML = '';
        return window.EgovViewer.show(box, data.xml, {
          completed: data.completed, active: data.active, incident: data.incident
        });
      })
      .then(function (h) { handle = h; box.dataset.ready = '1'; })
      .catch(function () { message('流程图加载失败'); });
  }

  var picker = document.getElementById('instance-picker');
  if (picker) { picker.addEventListener('change', function () { load(picker.value); }); }
  load(null);
})();
