// Thin wrapper over echarts for report pages: options come as JSON from the server.
//
//   EgovCharts.render(el, option, {theme, renderer}) -> echarts instance (resizes with the window)
//   EgovCharts.renderAll(selector = '[data-echarts]')  -> instances for elements whose
//       data-echarts attribute holds the option JSON, or data-echarts-src the id of a
//       <script type="application/json"> element holding it.
//   EgovCharts.dispose(el)

import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import {
  DatasetComponent,
  GridComponent,
  LegendComponent,
  TitleComponent,
  ToolboxComponent,
  TooltipComponent,
  MarkLineComponent
} from 'echarts/components';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';

echarts.use([
  BarChart, LineChart, PieChart,
  DatasetComponent, GridComponent, LegendComponent, TitleComponent, ToolboxComponent,
  TooltipComponent, MarkLineComponent,
  CanvasRenderer, SVGRenderer
]);

const instances = new Set();
let resizeBound = false;

function resolve(el) {
  return typeof el === 'string' ? document.querySelector(el) : el;
}

function render(el, option, opts) {
  el = resolve(el);
  opts = opts || {};
  if (typeof option === 'string') {
    option = JSON.parse(option);
  }
  const existing = echarts.getInstanceByDom(el);
  const chart = existing || echarts.init(el, opts.theme || null, { renderer: opts.renderer || 'canvas' });
  chart.setOption(option, true);
  instances.add(chart);
  if (!resizeBound) {
    resizeBound = true;
    window.addEventListener('resize', () => instances.forEach(c => c.isDisposed() ? instances.delete(c) : c.resize()));
  }
  return chart;
}

function renderAll(selector) {
  return Array.from(document.querySelectorAll(selector || '[data-echarts], [data-echarts-src]')).map(el => {
    const src = el.getAttribute('data-echarts-src');
    const json = src ? document.getElementById(src).textContent : el.getAttribute('data-echarts');
    return render(el, json);
  });
}

function dispose(el) {
  const chart = echarts.getInstanceByDom(resolve(el));
  if (chart) {
    instances.delete(chart);
    chart.dispose();
  }
}

window.EgovCharts = { render, renderAll, dispose, echarts };
