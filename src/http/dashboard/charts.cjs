// The dashboard's chart options, shared by the page (a plain script: window.PortraitCharts, drawn on a canvas) and the
// server's /charts/<chart>.svg|.png (CommonJS: require, drawn by ECharts' SVG renderer with no DOM; src/http/charts.ts).
// One copy: a chart looks the same in the page, in a report and in an e-mail. Each builder takes the data as the
// GraphQL queries below return it, and `w`, the words of one language (translator below); it returns an ECharts
// option and uses no browser or Node API.
(function (root, factory) {
  if (typeof module === 'object' && module.exports) module.exports = factory(require('./i18n.cjs'));
  else root.PortraitCharts = factory(root.PortraitI18n);
})(typeof self !== 'undefined' ? self : this, function (I18N) {
  'use strict';
  var PALETTE = ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de', '#3ba272', '#fc8452', '#9a60b4', '#ea7ccc', '#2f4554', '#61a0a8', '#d48265'];
  var PRIORITY_COLOURS = { RETAIN_AND_GROW: '#3ba272', LIFT_ACTIVITY: '#fac858', LIFT_VALUE: '#73c0de', NURTURE: '#ee6666' };

  /** The model fields every view and server chart reads (Query.activeModel or Query.model(id)). */
  var MODEL_FIELDS = ' id version algorithm k features trainedOn createdAt warnings active' +
    ' metrics { silhouette calinskiHarabasz daviesBouldin inertia sampleSize noise }' +
    ' kSelection { chosenK elbowK rule reason curve { k inertia silhouette } curveRows }' +
    ' featureImportance { feature f p } stability { mean std sampleSize }' +
    ' comparison { algorithm linkage clusters noise silhouette calinskiHarabasz daviesBouldin trainingMs error }' +
    ' projection { explainedVariance points { x y segment } }' +
    ' segments { id index size share nameEn: name(locale: EN) nameZh: name(locale: ZH)' +
    '  labels { value frequency recency engagement ageGroup genderMix cityTierMix }' +
    '  strategyEn: strategy(locale: EN) { priority traits insights actions goals }' +
    '  strategyZh: strategy(locale: ZH) { priority traits insights actions goals }' +
    '  stats { feature mean std populationMean ratio missing } relativeProfile { metric ratio }' +
    '  text { reviews sentiment topics { topic { id labelEn: label(locale: EN) labelZh: label(locale: ZH) } share } examples } }';
  var QUERIES = {
    activeModel: 'query ChartsActiveModel { activeModel {' + MODEL_FIELDS + ' } }',
    model: 'query ChartsModel($id: ID!) { model(id: $id) {' + MODEL_FIELDS + ' } }',
    compare: 'query ChartsCompare($a: ID!, $b: ID!) { compareModels(a: $a, b: $b) { users onlyA onlyB' +
      ' a { id version k segments { id index size nameEn: name(locale: EN) nameZh: name(locale: ZH) } }' +
      ' b { id version k segments { id index size nameEn: name(locale: EN) nameZh: name(locale: ZH) } }' +
      ' movement { from { id index } to { id index } users } } }',
    histograms: 'query ChartsHistograms($features: [String!], $buckets: Int) { featureHistograms(features: $features, buckets: $buckets) {' +
      ' feature users missing min max buckets { from to users } } }',
  };

  /** The words and number formats of one language ('en' or 'zh'). */
  function translator(lang) {
    var words = I18N[lang] || I18N.en;
    function t(key, params) {
      var text = words[key] !== undefined ? words[key] : I18N.en[key] !== undefined ? I18N.en[key] : key;
      if (!params) return text;
      return String(text).replace(/\{(\w+)\}/g, function (_, name) {
        return params[name] === undefined || params[name] === null ? '' : String(params[name]);
      });
    }
    function tIn(group, code) {
      if (code === null || code === undefined) return '–';
      var own = words[group] || {};
      return own[code] || I18N.en[group][code] || code;
    }
    function num(value, digits) {
      if (value === null || value === undefined || !isFinite(value)) return '–';
      var places = digits === undefined ? 3 : digits;
      // a value that rounds to zero prints as 0, not "-0"
      var v = Math.abs(Number(value)) < 0.5 * Math.pow(10, -places) ? 0 : Number(value);
      return v.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { maximumFractionDigits: places });
    }
    return {
      lang: lang === 'zh' ? 'zh' : 'en',
      t: t,
      tIn: tIn,
      num: num,
      pct: function (share) { return share === null || share === undefined ? '–' : num(share * 100, 1) + '%'; },
      featureName: function (f) { return tIn('featureName', f); },
      segmentName: function (s) { return lang === 'zh' ? s.nameZh : s.nameEn; },
      strategyOf: function (s) { return lang === 'zh' ? s.strategyZh : s.strategyEn; },
    };
  }

  var escapeHtml = function (text) {
    return String(text).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; });
  };

  /** What every chart shares: no animation (drawn once; read back by tests), the palette, the font. */
  function withDefaults(option, fontFamily) {
    var out = { animation: false, color: PALETTE, textStyle: { fontFamily: fontFamily } };
    Object.keys(option).forEach(function (key) { out[key] = option[key]; });
    return out;
  }

  function kSelection(model, w) {
    var ks = model.kSelection;
    return {
      tooltip: { trigger: 'axis' },
      legend: { data: [w.t('inertia'), w.t('silhouette')] },
      xAxis: { type: 'category', name: 'k', data: ks.curve.map(function (p) { return String(p.k); }) },
      yAxis: [{ type: 'value', name: w.t('inertia'), scale: true }, { type: 'value', name: w.t('silhouette'), scale: true }],
      series: [
        { name: w.t('inertia'), type: 'line', data: ks.curve.map(function (p) { return p.inertia; }),
          markLine: { symbol: 'none', label: { formatter: w.t('chosenK', { k: ks.chosenK }) }, data: [{ xAxis: String(ks.chosenK) }] } },
        { name: w.t('silhouette'), type: 'line', yAxisIndex: 1, data: ks.curve.map(function (p) { return p.silhouette; }) },
      ],
    };
  }

  /** One scatter series per segment, and the segments' centres (the mean of their sampled points: PCA is linear). */
  function projection(model, w) {
    var bySegment = model.segments.map(function () { return []; });
    model.projection.points.forEach(function (p) {
      if (bySegment[p.segment]) bySegment[p.segment].push([p.x, p.y]);
    });
    var centres = bySegment.map(function (points, index) {
      if (!points.length) return null;
      var sx = 0, sy = 0;
      points.forEach(function (p) { sx += p[0]; sy += p[1]; });
      return { value: [sx / points.length, sy / points.length], name: w.segmentName(model.segments[index]), itemStyle: { color: PALETTE[index % PALETTE.length] } };
    }).filter(Boolean);
    var series = model.segments.map(function (s, index) {
      return { name: w.segmentName(s), type: 'scatter', large: true, symbolSize: 4, itemStyle: { opacity: 0.6, color: PALETTE[index % PALETTE.length] }, data: bySegment[index] };
    });
    series.push({ name: w.t('centres'), type: 'scatter', symbol: 'diamond', symbolSize: 18, itemStyle: { borderColor: '#000', borderWidth: 1.5 }, data: centres, z: 10 });
    return {
      tooltip: { trigger: 'item' },
      legend: { type: 'scroll', top: 0 },
      grid: { top: 40 },
      xAxis: { type: 'value', name: 'PC1', scale: true },
      yAxis: { type: 'value', name: 'PC2', scale: true },
      series: series,
    };
  }

  /** A segment's key metrics against the population (1 = average). */
  function radar(segment, w) {
    var rel = segment.relativeProfile;
    var max = Math.max(2, Math.ceil(Math.max.apply(null, rel.map(function (r) { return r.ratio || 0; }))));
    return {
      tooltip: {},
      legend: { bottom: 0, data: [w.segmentName(segment), w.t('population')] },
      radar: { indicator: rel.map(function (r) { return { name: w.featureName(r.metric), max: max }; }), radius: '62%' },
      series: [{ type: 'radar', data: [
        { name: w.segmentName(segment), value: rel.map(function (r) { return r.ratio === null ? 0 : r.ratio; }), areaStyle: { opacity: 0.25 }, itemStyle: { color: PALETTE[segment.index % PALETTE.length] } },
        { name: w.t('population'), value: rel.map(function () { return 1; }), lineStyle: { type: 'dashed' }, itemStyle: { color: '#888' } },
      ] }],
    };
  }

  /** Value (total spent against the population) and activity (the metrics behind the activity tiers) per segment. */
  function matrixPoint(s) {
    var rel = {};
    s.relativeProfile.forEach(function (r) { rel[r.metric] = r.ratio; });
    var activity = ['purchaseFrequency', 'recencyScore', 'engagementScore'].map(function (m) { return rel[m]; }).filter(function (v) { return v !== null && v !== undefined; });
    return {
      x: activity.length ? activity.reduce(function (a, b) { return a + b; }, 0) / activity.length : 0,
      y: rel.totalSpent === null || rel.totalSpent === undefined ? 0 : rel.totalSpent,
    };
  }

  /** Ratios are drawn on log axes (a segment spending 10x the average and one spending 0.1x sit equally far from 1); a
   *  ratio of 0 (nobody in the segment bought) is drawn at the floor. */
  var RATIO_FLOOR = 0.05;
  function priority(model, w) {
    var points = model.segments.map(matrixPoint);
    var plotted = function (v) { return Math.max(RATIO_FLOOR, v); };
    var xs = points.map(function (p) { return plotted(p.x); });
    var ys = points.map(function (p) { return plotted(p.y); });
    var bounds = function (values) {
      return [Math.min(0.5, Math.min.apply(null, values) / 1.5), Math.max(2, Math.max.apply(null, values) * 1.5)].map(function (b) { return Number(b.toPrecision(2)); });
    };
    var bx = bounds(xs), by = bounds(ys);
    var quadrant = function (code, x0, y0, x1, y1) {
      return [{ name: w.tIn('priorityName', code), xAxis: x0, yAxis: y0, itemStyle: { color: PRIORITY_COLOURS[code], opacity: 0.08 } }, { xAxis: x1, yAxis: y1 }];
    };
    return {
      tooltip: { formatter: function (p) {
        var v = p.data && p.data.value;
        return v ? escapeHtml(p.data.name + ': ' + w.t('size') + ' ' + w.num(v[2], 0) + ' · x ' + w.num(v[3], 2) + ' · y ' + w.num(v[4], 2)) : '';
      } },
      grid: { left: 70, bottom: 60, right: 40 },
      xAxis: { type: 'log', name: w.t('activityAxis'), nameLocation: 'middle', nameGap: 30, min: bx[0], max: bx[1] },
      yAxis: { type: 'log', name: w.t('valueAxis'), nameLocation: 'middle', nameGap: 45, min: by[0], max: by[1] },
      series: [{
        type: 'scatter',
        name: w.t('tab_priority'),
        // value: [x drawn, y drawn, size, activity ratio, value ratio]
        data: model.segments.map(function (s, i) {
          var code = w.strategyOf(s).priority;
          return {
            name: w.segmentName(s),
            value: [xs[i], ys[i], s.size, points[i].x, points[i].y],
            symbolSize: 18 + 70 * Math.sqrt(s.share),
            itemStyle: { color: PRIORITY_COLOURS[code] || PALETTE[i % PALETTE.length], opacity: 0.8, borderColor: '#333' },
            label: { show: true, formatter: w.segmentName(s), position: 'right' },
          };
        }),
        markLine: { symbol: 'none', silent: true, label: { show: false }, lineStyle: { type: 'dashed', color: '#888' }, data: [{ xAxis: 1 }, { yAxis: 1 }] },
        markArea: { silent: true, label: { show: true, position: 'insideTop', color: '#555', fontWeight: 'bold' }, data: [
          quadrant('RETAIN_AND_GROW', 1, 1, bx[1], by[1]), quadrant('LIFT_ACTIVITY', bx[0], 1, 1, by[1]),
          quadrant('LIFT_VALUE', 1, by[0], bx[1], 1), quadrant('NURTURE', bx[0], by[0], 1, 1),
        ] },
      }],
    };
  }

  /** Query.compareModels as a heatmap: a row per segment of model a, a column per segment of model b, users in each
   *  cell ([column, row, users]; pairs sharing nobody are 0). */
  function movement(comparison, w) {
    var a = comparison.a.segments.slice().sort(function (x, y) { return x.index - y.index; });
    var b = comparison.b.segments.slice().sort(function (x, y) { return x.index - y.index; });
    var cells = {};
    comparison.movement.forEach(function (m) { cells[m.from.index + ':' + m.to.index] = m.users; });
    var data = [];
    a.forEach(function (sa, row) {
      b.forEach(function (sb, col) { data.push([col, row, cells[sa.index + ':' + sb.index] || 0]); });
    });
    var max = data.reduce(function (m, d) { return Math.max(m, d[2]); }, 0);
    var label = function (model, s) { return 'v' + model.version + ' · ' + w.segmentName(s); };
    return {
      tooltip: { formatter: function (p) {
        var d = p.data;
        return escapeHtml(label(comparison.a, a[d[1]]) + ' → ' + label(comparison.b, b[d[0]]) + ': ' + w.num(d[2], 0));
      } },
      grid: { left: 190, bottom: 120, top: 30, right: 30 },
      xAxis: { type: 'category', name: 'v' + comparison.b.version, data: b.map(function (s) { return w.segmentName(s); }), axisLabel: { interval: 0, rotate: 30 }, splitArea: { show: true } },
      yAxis: { type: 'category', name: 'v' + comparison.a.version, data: a.map(function (s) { return w.segmentName(s); }), axisLabel: { interval: 0 }, inverse: true, splitArea: { show: true } },
      visualMap: { min: 0, max: Math.max(1, max), calculable: false, orient: 'horizontal', left: 'center', bottom: 0, inRange: { color: ['#f7fbff', '#2171b5'] } },
      series: [{ type: 'heatmap', name: w.t('movement'), data: data, label: { show: true } }],
    };
  }

  /** What a segment's users write: the mean share of each review topic (Segment.text.topics), largest on top. */
  function topics(text, w) {
    var rows = text.topics.slice().reverse();
    var label = function (r) { return w.lang === 'zh' ? r.topic.labelZh : r.topic.labelEn; };
    return {
      tooltip: { trigger: 'axis' },
      grid: { left: 130, right: 30, top: 10, bottom: 30 },
      xAxis: { type: 'value', name: w.t('share') },
      yAxis: { type: 'category', data: rows.map(label), axisLabel: { interval: 0 } },
      series: [{ type: 'bar', name: w.t('share'), data: rows.map(function (r) { return r.share; }) }],
    };
  }

  /** A feature's histogram (Query.featureHistograms): one bar per bucket, named by its range. */
  function histogram(h, w) {
    return {
      tooltip: { trigger: 'axis' },
      grid: { left: 60, bottom: 60 },
      title: { text: w.featureName(h.feature), left: 'center', textStyle: { fontSize: 13 } },
      xAxis: { type: 'category', data: h.buckets.map(function (b) { return w.num(b.from, 2) + '–' + w.num(b.to, 2); }), axisLabel: { rotate: 30 } },
      yAxis: { type: 'value', name: w.t('users') },
      series: [{ type: 'bar', name: w.t('users'), barCategoryGap: '5%', data: h.buckets.map(function (b) { return b.users; }) }],
    };
  }

  return {
    PALETTE: PALETTE,
    PRIORITY_COLOURS: PRIORITY_COLOURS,
    MODEL_FIELDS: MODEL_FIELDS,
    QUERIES: QUERIES,
    translator: translator,
    escapeHtml: escapeHtml,
    withDefaults: withDefaults,
    kSelection: kSelection,
    projection: projection,
    radar: radar,
    matrixPoint: matrixPoint,
    priority: priority,
    movement: movement,
    histogram: histogram,
    topics: topics,
  };
});
