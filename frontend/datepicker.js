// Date and month fields in Chinese whatever language the browser runs in: flatpickr's calendar with the
// zh names and weeks from Monday over every <input type=date> and <input type=month> of the page (also
// rows added later). The field keeps its ISO value (YYYY-MM-DD / YYYY-MM) as text, so what is posted, the
// server's validation and the JSON API stay as they are; without this script the native input remains.
//
//   EgovDates.attach(root)   // picks up the date/month inputs under root (done for document on load)

import flatpickr from 'flatpickr';
import { Mandarin } from 'flatpickr/dist/esm/l10n/zh.js';
import monthSelectPlugin from 'flatpickr/dist/esm/plugins/monthSelect/index.js';
import 'flatpickr/dist/flatpickr.css';
import 'flatpickr/dist/plugins/monthSelect/style.css';
import './datepicker.css';

const zh = { ...Mandarin, firstDayOfWeek: 1, yearAriaLabel: '年', monthAriaLabel: '月', hourAriaLabel: '时',
  minuteAriaLabel: '分', time_24hr: true };

// Typed dates: 2026-12-01, 2026/12/1, 2026.12.1, 2026年12月1日 or 20261201 (a month: the same without the day).
// An impossible day (2 月 30 日) is refused rather than rolled into March.
function parseTyped(text, withDay) {
  const s = String(text || '').trim();
  const parts = s.match(withDay ? /^(\d{4})[-/.年]\s*(\d{1,2})[-/.月]\s*(\d{1,2})日?$/ : /^(\d{4})[-/.年]\s*(\d{1,2})月?$/)
    || s.match(withDay ? /^(\d{4})(\d{2})(\d{2})$/ : /^(\d{4})(\d{2})$/);
  if (!parts) { return undefined; }
  const [ y, m, d ] = [ +parts[1], +parts[2], withDay ? +parts[3] : 1 ];
  const date = new Date(y, m - 1, d);
  return date.getFullYear() === y && date.getMonth() === m - 1 && date.getDate() === d ? date : undefined;
}

function options(input, month) {
  const blocked = input.readOnly || input.disabled;
  return {
    locale: zh,
    allowInput: !blocked,
    clickOpens: !blocked,
    disableMobile: true,  // the phone's own picker would speak the phone's language again
    minDate: input.min || null,
    maxDate: input.max || null,
    monthSelectorType: 'static',
    dateFormat: month ? 'Y-m' : 'Y-m-d',
    parseDate: value => value instanceof Date || typeof value === 'number' ? new Date(value) : parseTyped(value, !month),
    plugins: month ? [ monthSelectPlugin({ shorthand: true, dateFormat: 'Y-m', altFormat: 'Y-m' }) ] : [],
    onReady: (dates, text, fp) => fp.calendarContainer.setAttribute('lang', 'zh-CN')
  };
}

// A list of dates kept one a line in a textarea (例会日期): a picked day is added as a line, in order.
function addsTo(input) {
  const area = document.getElementById(input.dataset.for);
  input.hidden = false;
  input.placeholder = '添加日期';
  return (dates, text, fp) => {
    if (!area || !text) { return; }
    const lines = area.value.split(/\r?\n/).map(x => x.trim()).filter(Boolean);
    if (!lines.includes(text)) { lines.push(text); }
    area.value = lines.sort().join('\n');
    fp.clear(false);
  };
}

function enhance(input) {
  if (input._flatpickr) { return; }
  const month = input.type === 'month';
  const config = options(input, month);
  if (input.classList.contains('js-add-date')) {
    config.onChange = addsTo(input);
  }
  input.placeholder = input.placeholder || (month ? '如 2026-01' : '如 2026-01-31');
  input.classList.add('date-input');
  input.setAttribute('inputmode', 'numeric');
  input.setAttribute('autocomplete', 'off');
  const fp = flatpickr(input, config);
  followFloor(input, fp);
}

// data-min-field names the field this date may not precede (申请日期 ≥ 合同签订日期): its value is the min.
function followFloor(input, fp) {
  const name = input.dataset.minField;
  const floor = name && input.form && input.form.querySelector(`[name="${CSS.escape(name)}"]`);
  if (!floor) { return; }
  const follow = () => fp.set('minDate', parseTyped(floor.value, true) || input.min || null);
  follow();
  floor.addEventListener('change', follow);
}

function attach(root) {
  (root || document).querySelectorAll('input[type=date], input[type=month]').forEach(enhance);
}

// Rows cloned from a <template> (form.js) bring new date inputs.
function watch() {
  new MutationObserver(records => {
    for (const r of records) {
      r.addedNodes.forEach(node => { if (node.nodeType === 1) { attach(node.parentNode || node); } });
    }
  }).observe(document.body, { childList: true, subtree: true });
}

function start() { attach(document); watch(); }

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', start);
} else {
  start();
}

window.EgovDates = { attach, parseTyped };
