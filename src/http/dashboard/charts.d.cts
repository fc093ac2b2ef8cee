// Types of charts.cjs (a plain script the browser runs as it is, hence no TypeScript source): the data each builder
// reads, as the GraphQL queries in QUERIES return it (src/http/charts.ts parses the answers into these shapes).

declare namespace charts {
  type Lang = 'en' | 'zh';
  interface Words {
    lang: Lang;
    t(key: string, params?: Record<string, string | number | null | undefined>): string;
    tIn(group: string, code: string | null | undefined): string;
    num(value: number | null | undefined, digits?: number): string;
    pct(share: number | null | undefined): string;
    featureName(feature: string): string;
  }
  /** An ECharts option (setOption's argument), as plain data and functions */
  type ChartOption = { [key: string]: unknown };

  interface Named { nameEn: string; nameZh: string }
  interface ChartSegment extends Named {
    id: string;
    index: number;
    size: number;
    share: number;
    strategyEn: { priority: string };
    strategyZh: { priority: string };
    relativeProfile: { metric: string; ratio: number | null }[];
  }
  interface ChartModel {
    id: string;
    version: number;
    k: number;
    kSelection: { chosenK: number; curve: { k: number; inertia: number; silhouette: number | null }[] } | null;
    projection: { points: { x: number; y: number; segment: number }[] };
    segments: ChartSegment[];
  }
  interface ComparedModel { id: string; version: number; segments: (Named & { id: string; index: number; size: number })[] }
  interface ChartComparison {
    users: number;
    onlyA: number;
    onlyB: number;
    a: ComparedModel;
    b: ComparedModel;
    movement: { from: { index: number }; to: { index: number }; users: number }[];
  }
  interface ChartHistogram {
    feature: string;
    users: number;
    missing: number;
    buckets: { from: number; to: number; users: number }[];
  }

  const PALETTE: readonly string[];
  const QUERIES: { activeModel: string; model: string; compare: string; histograms: string };
  function translator(lang: Lang): Words;
  function withDefaults(option: ChartOption, fontFamily: string): ChartOption;
  function kSelection(model: ChartModel & { kSelection: NonNullable<ChartModel['kSelection']> }, w: Words): ChartOption;
  function projection(model: ChartModel, w: Words): ChartOption;
  function radar(segment: ChartSegment, w: Words): ChartOption;
  function priority(model: ChartModel, w: Words): ChartOption;
  function movement(comparison: ChartComparison, w: Words): ChartOption;
  function histogram(histogram: ChartHistogram, w: Words): ChartOption;
}
export = charts;
