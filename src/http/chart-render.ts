// Drawing one chart (charts.ts): the page's option builders (dashboard/charts.cjs) over data already fetched, ECharts'
// SVG renderer with no DOM, and resvg for PNG. Pure CPU work on plain data, run in the chart thread
// (chart-thread-entry.ts): a 2,000-point scatter takes a good fraction of a second to draw, which the event loop of
// the API must not spend.
import * as echarts from 'echarts';
import { Resvg } from '@resvg/resvg-js';
import charts from './dashboard/charts.cjs';

/** What a chart draws: its name and its data, as the GraphQL queries of charts.cjs return it */
export type ChartData =
  | { chart: 'k-selection'; model: charts.ChartModel & { kSelection: NonNullable<charts.ChartModel['kSelection']> } }
  | { chart: 'scatter' | 'priority'; model: charts.ChartModel }
  | { chart: 'radar'; segment: charts.ChartSegment }
  | { chart: 'movement'; comparison: charts.ChartComparison }
  | { chart: 'histogram'; histogram: charts.ChartHistogram };
export type RenderRequest = ChartData & { lang: charts.Lang; width: number; height: number; format: 'svg' | 'png' };

/** Families the SVG names (a reader's browser picks the first it has); resvg falls back to DEFAULT_FONT. */
const FONT_FAMILY = "'Helvetica Neue', Arial, 'PingFang SC', 'Microsoft YaHei', 'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif";
/** Debian's fonts-wqy-microhei: Latin and Chinese glyphs in one font (README, The dashboard: Fonts) */
const DEFAULT_FONT = 'WenQuanYi Micro Hei';

function optionOf(req: RenderRequest): charts.ChartOption {
  const w = charts.translator(req.lang);
  switch (req.chart) {
    case 'k-selection':
      return charts.kSelection(req.model, w);
    case 'scatter':
      return charts.projection(req.model, w);
    case 'priority':
      return charts.priority(req.model, w);
    case 'radar':
      return charts.radar(req.segment, w);
    case 'movement':
      return charts.movement(req.comparison, w);
    case 'histogram':
      return charts.histogram(req.histogram, w);
  }
}

/** The chart as SVG text or PNG bytes, on a white background, `width` x `height` pixels. */
export function renderChart(req: RenderRequest): Uint8Array {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: req.width, height: req.height });
  let svg: string;
  try {
    chart.setOption({ ...charts.withDefaults(optionOf(req), FONT_FAMILY), backgroundColor: '#fff' });
    svg = chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
  if (req.format === 'svg') return Buffer.from(svg, 'utf8');
  const png = new Resvg(svg, { fitTo: { mode: 'original' }, font: { loadSystemFonts: true, defaultFontFamily: DEFAULT_FONT, sansSerifFamily: DEFAULT_FONT } });
  return png.render().asPng();
}
