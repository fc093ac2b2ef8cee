// The segment explorer in the browser: plain script, no build step. It asks this server's /graphql (with the key
// typed into the page, kept in sessionStorage only) and draws with ECharts (the global `echarts`).
//
// The page is a list of views (VIEWS below), each { id, load(): the data it needs, render(root) }. A view is drawn
// when its tab is opened and again when the language changes; its charts live in elements with a data-chart name
// (tests read them back with echarts.getInstanceByDom). A new panel (e.g. a segment's review text, audiences, system
// health) is one more entry in VIEWS or one more section inside a view's render.
'use strict';
(function () {
  var config = JSON.parse(document.getElementById('dashboard-config').textContent);
  var I18N = window.PortraitI18n;
  var KEY_STORAGE = 'portrait.dashboard.apiKey';
  var LANG_STORAGE = 'portrait.dashboard.lang';
  var GRAPHQL_URL = new URL('graphql', window.location.href).toString();
  var PALETTE = ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de', '#3ba272', '#fc8452', '#9a60b4', '#ea7ccc', '#2f4554', '#61a0a8', '#d48265'];
  var PRIORITY_COLOURS = { RETAIN_AND_GROW: '#3ba272', LIFT_ACTIVITY: '#fac858', LIFT_VALUE: '#73c0de', NURTURE: '#ee6666' };
  var USERS_PAGE = 50;
  var CSV_PAGE = 500;

  var state = {
    key: null,
    lang: sessionStorage.getItem(LANG_STORAGE) === 'zh' ? 'zh' : 'en',
    viewer: null,
    current: 'model',
    cache: {},
    charts: [],
    users: { segmentId: null, cursors: [null], page: 0 },
    job: null,
    personId: null,
  };

  // --- words -------------------------------------------------------------------------------------------------------

  function t(key, params) {
    var words = I18N[state.lang];
    var text = words[key] !== undefined ? words[key] : I18N.en[key] !== undefined ? I18N.en[key] : key;
    if (!params) return text;
    return String(text).replace(/\{(\w+)\}/g, function (_, name) {
      return params[name] === undefined || params[name] === null ? '' : String(params[name]);
    });
  }
  function tIn(group, code) {
    if (code === null || code === undefined) return '–';
    var words = I18N[state.lang][group] || {};
    return words[code] || I18N.en[group][code] || code;
  }
  var featureName = function (f) { return tIn('featureName', f); };
  var segmentName = function (s) { return state.lang === 'zh' ? s.nameZh : s.nameEn; };
  var strategyOf = function (s) { return state.lang === 'zh' ? s.strategyZh : s.strategyEn; };
  function num(value, digits) {
    if (value === null || value === undefined || !isFinite(value)) return '–';
    var places = digits === undefined ? 3 : digits;
    // a value that rounds to zero prints as 0, not "-0"
    var v = Math.abs(Number(value)) < 0.5 * Math.pow(10, -places) ? 0 : Number(value);
    return v.toLocaleString(state.lang === 'zh' ? 'zh-CN' : 'en-GB', { maximumFractionDigits: places });
  }
  var pct = function (share) { return share === null || share === undefined ? '–' : num(share * 100, 1) + '%'; };

  // --- DOM ---------------------------------------------------------------------------------------------------------

  /** el('div', { class: 'x', onclick: f }, [children or text]); text always goes in as text, never as HTML */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name.slice(0, 2) === 'on') node.addEventListener(name.slice(2), value);
      else if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }
  var section = function (title, children) { return el('section', { class: 'panel' }, [el('h2', { text: title })].concat(children)); };
  function table(headers, rows, attrs) {
    return el('table', attrs || {}, [
      el('thead', {}, [el('tr', {}, headers.map(function (h) { return el('th', { text: h }); }))]),
      el('tbody', {}, rows.map(function (row) {
        return el('tr', {}, row.map(function (cell) { return cell instanceof Node ? el('td', {}, [cell]) : el('td', { text: cell }); }));
      })),
    ]);
  }
  function setStatus(text, isError) {
    var status = document.getElementById('status');
    status.textContent = text || '';
    status.className = isError ? 'error' : '';
  }

  /** A chart in a new element named `name`; drawn once the element is in the page (ECharts measures it). */
  function chart(name, option, height) {
    var box = el('div', { class: 'chart', 'data-chart': name, style: null });
    box.style.height = (height || 320) + 'px';
    state.pendingCharts.push(function () {
      var instance = echarts.init(box, null, { renderer: 'canvas' });
      instance.setOption(Object.assign({ animation: false, color: PALETTE, textStyle: { fontFamily: 'inherit' } }, option));
      state.charts.push(instance);
    });
    return box;
  }

  // --- GraphQL -----------------------------------------------------------------------------------------------------

  function gql(query, variables) {
    return fetch(GRAPHQL_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: 'Bearer ' + state.key },
      body: JSON.stringify({ query: query, variables: variables || {} }),
    }).then(function (res) {
      return res.json().then(function (body) {
        if (body.errors && body.errors.length) {
          var error = new Error(body.errors.map(function (e) { return e.message; }).join('; '));
          error.code = body.errors[0].extensions && body.errors[0].extensions.code;
          throw error;
        }
        return body.data;
      });
    });
  }

  var MODEL_QUERY = 'query DashboardModel { activeModel {' +
    ' id version algorithm k features trainedOn createdAt warnings' +
    ' metrics { silhouette calinskiHarabasz daviesBouldin inertia sampleSize noise }' +
    ' kSelection { chosenK elbowK rule reason curve { k inertia silhouette } curveRows }' +
    ' featureImportance { feature f p } stability { mean std sampleSize }' +
    ' comparison { algorithm linkage clusters noise silhouette calinskiHarabasz daviesBouldin trainingMs error }' +
    ' projection { explainedVariance points { x y segment } }' +
    ' segments { id index size share nameEn: name(locale: EN) nameZh: name(locale: ZH)' +
    '  labels { value frequency recency engagement ageGroup genderMix cityTierMix }' +
    '  strategyEn: strategy(locale: EN) { priority traits insights actions goals }' +
    '  strategyZh: strategy(locale: ZH) { priority traits insights actions goals }' +
    '  stats { feature mean std populationMean ratio missing } relativeProfile { metric ratio } } } }';
  var QUALITY_QUERY = 'query DashboardQuality { qualityReport(topTags: 15) { generatedAt' +
    ' coverage { users profiled share } completeness { feature users share } eventsPerUser { count mean p50 p90 }' +
    ' freshness { updatedLast24h }' +
    ' distributions { sampleSize activityLevels { value users share } userTypes { value users share } withInterestTags interestTags { tag users share } }' +
    ' drift { threshold profiledUsers drifted unassignedUsers unassignedShare segments { segment { index } trainingShare liveUsers liveShare delta drifted } } } }';
  var MODELS_QUERY = 'query DashboardModels { models { id version algorithm k active trainedOn createdAt' +
    ' metrics { silhouette daviesBouldin } segments { index size share nameEn: name(locale: EN) nameZh: name(locale: ZH) } } }';
  var USERS_QUERY = 'query DashboardUsers($first: Int!, $after: String, $segmentId: ID) {' +
    ' users(first: $first, after: $after, segmentId: $segmentId) { totalCount pageInfo { hasNextPage endCursor }' +
    ' edges { node { id age gender cityTier profile { sessionsCount totalSpent purchaseFrequency avgOrderValue lastPurchaseDays' +
    ' engagementScore recencyScore activityLevel userType interestTags } } } } }';
  var PERSON_QUERY = 'query DashboardPerson($id: ID!) { user(id: $id) { id age gender cityTier createdAt' +
    ' profile { sessionsCount avgSessionDuration pageViewsPerSession totalSpent purchaseFrequency lastPurchaseDays avgOrderValue' +
    '  engagementScore recencyScore activityLevel userType interestTags behaviourPreferences eventCount lastActiveAt' +
    '  labels { value frequency recency engagement ageGroup } rfm { code segment segmentNameEn: segmentName(locale: EN) segmentNameZh: segmentName(locale: ZH) } }' +
    ' segmentExplanation { margin segment { index nameEn: name(locale: EN) nameZh: name(locale: ZH) }' +
    '  runnerUp { index nameEn: name(locale: EN) nameZh: name(locale: ZH) }' +
    '  features { feature value standardised populationMean segmentCentre runnerUpCentre contribution } } } }';
  var EVENTS_QUERY = 'query DashboardEvents($id: ID!, $after: String) { user(id: $id) { events(first: 20, after: $after) {' +
    ' edges { node { eventId type occurredAt itemId categories amount durationSeconds text } } pageInfo { hasNextPage endCursor } } } }';
  var JOB_QUERY = 'query DashboardJob($id: ID!) { trainingJob(id: $id) { id status progress error model { id version } } }';

  /** Each query's answer is kept until the data changes (retrain, activation) or the key changes. */
  function cached(name, query) {
    if (!state.cache[name]) {
      state.cache[name] = gql(query).catch(function (error) {
        delete state.cache[name];
        throw error;
      });
    }
    return state.cache[name];
  }
  var activeModel = function () { return cached('model', MODEL_QUERY).then(function (d) { return d.activeModel; }); };

  // --- views -------------------------------------------------------------------------------------------------------

  function noModel() { return el('p', { class: 'empty', text: t('noModel') }); }

  function renderModel(root, model) {
    if (!model) return root.appendChild(noModel());
    var m = model.metrics;
    root.appendChild(section(t('modelHeading', { version: model.version, algorithm: model.algorithm, k: model.k, trainedOn: num(model.trainedOn, 0) }), [
      table([t('silhouette'), t('calinskiHarabasz'), t('daviesBouldin'), t('inertia'), t('sampleSize'), t('stability')], [[
        num(m.silhouette), num(m.calinskiHarabasz, 1), num(m.daviesBouldin), num(m.inertia, 1), num(m.sampleSize, 0),
        model.stability ? num(model.stability.mean) + ' ± ' + num(model.stability.std) : '–',
      ]], { 'data-table': 'metrics' }),
      model.warnings.length ? el('ul', { class: 'warnings' }, model.warnings.map(function (w) { return el('li', { text: w }); })) : null,
    ]));

    var ks = model.kSelection;
    root.appendChild(section(t('kSelection'), ks ? [
      chart('k-selection', {
        tooltip: { trigger: 'axis' },
        legend: { data: [t('inertia'), t('silhouette')] },
        xAxis: { type: 'category', name: 'k', data: ks.curve.map(function (p) { return String(p.k); }) },
        yAxis: [{ type: 'value', name: t('inertia'), scale: true }, { type: 'value', name: t('silhouette'), scale: true }],
        series: [
          { name: t('inertia'), type: 'line', data: ks.curve.map(function (p) { return p.inertia; }),
            markLine: { symbol: 'none', label: { formatter: t('chosenK', { k: ks.chosenK }) }, data: [{ xAxis: String(ks.chosenK) }] } },
          { name: t('silhouette'), type: 'line', yAxisIndex: 1, data: ks.curve.map(function (p) { return p.silhouette; }) },
        ],
      }),
      el('p', { class: 'reason', text: t('chosenK', { k: ks.chosenK }) + (ks.elbowK ? ' · ' + t('elbowK') + ' k = ' + ks.elbowK : '') + ' · ' + ks.reason }),
    ] : [el('p', { text: t('kNotChosen') })]));

    var cmp = model.comparison;
    var algoName = function (r) { return r.algorithm + (r.linkage ? ' (' + r.linkage + ')' : ''); };
    root.appendChild(section(t('comparison'), cmp && cmp.length ? [
      chart('comparison', {
        tooltip: { trigger: 'axis' },
        legend: { data: [t('silhouette'), t('trainingMs')] },
        xAxis: { type: 'category', data: cmp.map(algoName) },
        yAxis: [{ type: 'value', name: t('silhouette') }, { type: 'value', name: t('trainingMs') }],
        series: [
          { name: t('silhouette'), type: 'bar', data: cmp.map(function (r) { return r.silhouette; }) },
          { name: t('trainingMs'), type: 'bar', yAxisIndex: 1, data: cmp.map(function (r) { return r.trainingMs; }) },
        ],
      }, 280),
      table([t('algorithm'), t('clusters'), t('noise'), t('silhouette'), t('calinskiHarabasz'), t('daviesBouldin'), t('trainingMs')],
        cmp.map(function (r) {
          return [algoName(r), num(r.clusters, 0), num(r.noise, 0), num(r.silhouette), num(r.calinskiHarabasz, 1), num(r.daviesBouldin), r.error ? r.error : num(r.trainingMs, 0)];
        })),
    ] : [el('p', { text: t('comparisonNone') })]));

    var importance = model.featureImportance.slice().sort(function (a, b) { return (a.f || 0) - (b.f || 0); });
    root.appendChild(section(t('featureImportance'), [chart('feature-importance', {
      tooltip: { trigger: 'axis' },
      grid: { left: 160 },
      xAxis: { type: 'value', name: 'F' },
      yAxis: { type: 'category', data: importance.map(function (r) { return featureName(r.feature); }) },
      series: [{ type: 'bar', name: 'F', data: importance.map(function (r) { return r.f; }) }],
    }, Math.max(220, 30 * importance.length))]));

    var ev = model.projection.explainedVariance;
    root.appendChild(section(t('projection'), [
      chart('projection', projectionOption(model), 480),
      el('p', { class: 'note', text: t('explained', { a: num((ev[0] || 0) * 100, 1), b: num((ev[1] || 0) * 100, 1) }) }),
    ]));
  }

  /** One scatter series per segment, and the segments' centres (the mean of their sampled points: PCA is linear). */
  function projectionOption(model) {
    var bySegment = model.segments.map(function () { return []; });
    model.projection.points.forEach(function (p) {
      if (bySegment[p.segment]) bySegment[p.segment].push([p.x, p.y]);
    });
    var centres = bySegment.map(function (points, index) {
      if (!points.length) return null;
      var sx = 0, sy = 0;
      points.forEach(function (p) { sx += p[0]; sy += p[1]; });
      return { value: [sx / points.length, sy / points.length], name: segmentName(model.segments[index]), itemStyle: { color: PALETTE[index % PALETTE.length] } };
    }).filter(Boolean);
    var series = model.segments.map(function (s, index) {
      return { name: segmentName(s), type: 'scatter', large: true, symbolSize: 4, itemStyle: { opacity: 0.6, color: PALETTE[index % PALETTE.length] }, data: bySegment[index] };
    });
    series.push({ name: t('centres'), type: 'scatter', symbol: 'diamond', symbolSize: 18, itemStyle: { borderColor: '#000', borderWidth: 1.5 }, data: centres, z: 10 });
    return {
      tooltip: { trigger: 'item' },
      legend: { type: 'scroll', top: 0 },
      grid: { top: 40 },
      xAxis: { type: 'value', name: 'PC1', scale: true },
      yAxis: { type: 'value', name: 'PC2', scale: true },
      series: series,
    };
  }

  function renderSegments(root, model) {
    if (!model) return root.appendChild(noModel());
    model.segments.forEach(function (s) {
      var strategy = strategyOf(s);
      var rel = s.relativeProfile;
      var max = Math.max(2, Math.ceil(Math.max.apply(null, rel.map(function (r) { return r.ratio || 0; }))));
      var labels = s.labels;
      var list = function (title, items) {
        return items.length ? el('div', {}, [el('h4', { text: title }), el('ul', {}, items.map(function (i) { return el('li', { text: i }); }))]) : null;
      };
      root.appendChild(el('section', { class: 'panel segment', 'data-segment': s.index }, [
        el('h2', { class: 'segment-name', text: segmentName(s) }),
        el('p', { class: 'facts' }, [
          t('size') + ': ' + num(s.size, 0) + ' · ' + t('share') + ': ' + pct(s.share) + ' · ' + t('priority') + ': ',
          el('span', { class: 'priority', style: null, text: tIn('priorityName', strategy.priority) }),
        ]),
        el('p', { class: 'labels', text: t('labels') + ': ' + ['value', 'frequency', 'recency', 'engagement', 'ageGroup'].map(function (name) {
          return tIn('labelName', name) + ' ' + tIn('tier', labels[name]);
        }).join(' · ') }),
        el('div', { class: 'columns' }, [
          chart('radar-' + s.index, {
            tooltip: {},
            legend: { bottom: 0, data: [segmentName(s), t('population')] },
            radar: { indicator: rel.map(function (r) { return { name: featureName(r.metric), max: max }; }), radius: '62%' },
            series: [{ type: 'radar', data: [
              { name: segmentName(s), value: rel.map(function (r) { return r.ratio === null ? 0 : r.ratio; }), areaStyle: { opacity: 0.25 }, itemStyle: { color: PALETTE[s.index % PALETTE.length] } },
              { name: t('population'), value: rel.map(function () { return 1; }), lineStyle: { type: 'dashed' }, itemStyle: { color: '#888' } },
            ] }],
          }, 340),
          el('div', { class: 'strategy' }, [
            el('h3', { text: t('strategy') }),
            list(t('traits'), strategy.traits), list(t('insights'), strategy.insights), list(t('actions'), strategy.actions), list(t('goals'), strategy.goals),
          ]),
        ]),
        el('details', {}, [
          el('summary', { text: t('stats') }),
          table([t('feature'), t('mean'), t('std'), t('populationMean'), t('ratio'), t('missing')], s.stats.map(function (st) {
            return [featureName(st.feature), num(st.mean), num(st.std), num(st.populationMean), num(st.ratio), num(st.missing, 0)];
          })),
        ]),
      ]));
    });
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
  function renderPriority(root, model) {
    if (!model) return root.appendChild(noModel());
    var points = model.segments.map(matrixPoint);
    var plotted = function (v) { return Math.max(RATIO_FLOOR, v); };
    var xs = points.map(function (p) { return plotted(p.x); });
    var ys = points.map(function (p) { return plotted(p.y); });
    var bounds = function (values) {
      return [Math.min(0.5, Math.min.apply(null, values) / 1.5), Math.max(2, Math.max.apply(null, values) * 1.5)].map(function (b) { return Number(b.toPrecision(2)); });
    };
    var bx = bounds(xs), by = bounds(ys);
    var quadrant = function (code, x0, y0, x1, y1) {
      return [{ name: tIn('priorityName', code), xAxis: x0, yAxis: y0, itemStyle: { color: PRIORITY_COLOURS[code], opacity: 0.08 } }, { xAxis: x1, yAxis: y1 }];
    };
    root.appendChild(section(t('priorityMatrix'), [chart('priority-matrix', {
      tooltip: { formatter: function (p) {
        var v = p.data && p.data.value;
        return v ? echarts.format.encodeHTML(p.data.name + ': ' + t('size') + ' ' + num(v[2], 0) + ' · x ' + num(v[3], 2) + ' · y ' + num(v[4], 2)) : '';
      } },
      grid: { left: 70, bottom: 60, right: 40 },
      xAxis: { type: 'log', name: t('activityAxis'), nameLocation: 'middle', nameGap: 30, min: bx[0], max: bx[1] },
      yAxis: { type: 'log', name: t('valueAxis'), nameLocation: 'middle', nameGap: 45, min: by[0], max: by[1] },
      series: [{
        type: 'scatter',
        name: t('tab_priority'),
        // value: [x drawn, y drawn, size, activity ratio, value ratio]
        data: model.segments.map(function (s, i) {
          var code = strategyOf(s).priority;
          return {
            name: segmentName(s),
            value: [xs[i], ys[i], s.size, points[i].x, points[i].y],
            symbolSize: 18 + 70 * Math.sqrt(s.share),
            itemStyle: { color: PRIORITY_COLOURS[code] || PALETTE[i % PALETTE.length], opacity: 0.8, borderColor: '#333' },
            label: { show: true, formatter: segmentName(s), position: 'right' },
          };
        }),
        markLine: { symbol: 'none', silent: true, label: { show: false }, lineStyle: { type: 'dashed', color: '#888' }, data: [{ xAxis: 1 }, { yAxis: 1 }] },
        markArea: { silent: true, label: { show: true, position: 'insideTop', color: '#555', fontWeight: 'bold' }, data: [
          quadrant('RETAIN_AND_GROW', 1, 1, bx[1], by[1]), quadrant('LIFT_ACTIVITY', bx[0], 1, 1, by[1]),
          quadrant('LIFT_VALUE', 1, by[0], bx[1], 1), quadrant('NURTURE', bx[0], by[0], 1, 1),
        ] },
      }],
    }, 560)]));
  }

  function barChart(name, categories, values, opts) {
    return chart(name, {
      tooltip: { trigger: 'axis' },
      grid: { left: (opts && opts.left) || 60 },
      xAxis: opts && opts.horizontal ? { type: 'value' } : { type: 'category', data: categories },
      yAxis: opts && opts.horizontal ? { type: 'category', data: categories, axisLabel: { interval: 0 } } : { type: 'value' },
      series: [{ type: 'bar', name: (opts && opts.series) || '', data: values }],
    }, (opts && opts.height) || 260);
  }

  function renderQuality(root, report, model) {
    var d = report.distributions;
    root.appendChild(section(t('coverage'), [
      el('p', { text: t('profiled', { profiled: num(report.coverage.profiled, 0), users: num(report.coverage.users, 0) }) + ' (' + pct(report.coverage.share) + ')' }),
      el('p', { text: t('eventsPerUser', { mean: num(report.eventsPerUser.mean, 1), p50: num(report.eventsPerUser.p50, 1), p90: num(report.eventsPerUser.p90, 1) }) }),
      el('p', { text: t('freshness', { share: pct(report.freshness.updatedLast24h) }) }),
    ]));
    root.appendChild(el('div', { class: 'grid' }, [
      section(t('activityLevels') + ' (' + t('sampleNote', { n: num(d.sampleSize, 0) }) + ')', [
        barChart('activity-levels', d.activityLevels.map(function (l) { return String(l.value); }), d.activityLevels.map(function (l) { return l.users; }), { series: t('users') }),
      ]),
      section(t('userTypes'), [
        barChart('user-types', d.userTypes.map(function (l) { return t('userType' + l.value); }), d.userTypes.map(function (l) { return l.users; }), { series: t('users') }),
      ]),
      section(t('interestTags'), [
        barChart('interest-tags', d.interestTags.map(function (x) { return x.tag; }).reverse(), d.interestTags.map(function (x) { return x.users; }).reverse(), { horizontal: true, left: 110, series: t('users'), height: Math.max(220, 24 * d.interestTags.length) }),
      ]),
      section(t('completeness'), [
        barChart('completeness', report.completeness.map(function (c) { return featureName(c.feature); }).reverse(), report.completeness.map(function (c) { return c.share; }).reverse(), { horizontal: true, left: 150, series: t('share'), height: 320 }),
      ]),
    ]));
    var drift = report.drift;
    if (!drift || !model) {
      root.appendChild(section(t('drift'), [el('p', { text: t('driftNone') })]));
      return;
    }
    var names = drift.segments.map(function (row) {
      var s = model.segments[row.segment.index];
      return s ? segmentName(s) : String(row.segment.index);
    });
    root.appendChild(section(t('drift'), [
      el('p', { class: drift.drifted ? 'error' : '', text: (drift.drifted ? t('drifted', { threshold: pct(drift.threshold) }) : t('notDrifted', { threshold: pct(drift.threshold) })) }),
      chart('drift', {
        tooltip: { trigger: 'axis' },
        grid: { bottom: 90 },
        legend: { data: [t('trainingShare'), t('liveShare')] },
        xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: names.length > 4 ? 20 : 0 } },
        yAxis: { type: 'value', name: t('share') },
        series: [
          { name: t('trainingShare'), type: 'bar', data: drift.segments.map(function (r) { return r.trainingShare; }) },
          { name: t('liveShare'), type: 'bar', data: drift.segments.map(function (r) {
            return { value: r.liveShare, itemStyle: r.drifted ? { color: '#ee6666' } : undefined };
          }) },
        ],
      }, 320),
    ]));
  }

  var isAdmin = function () { return state.viewer && state.viewer.role === 'ADMIN'; };

  function renderModels(root, models) {
    var rows = models.map(function (m) {
      var action = m.active ? el('strong', { text: t('active') }) : isAdmin()
        ? el('button', { type: 'button', 'data-activate': m.id, onclick: function (event) { activate(m.id, event.target); }, text: t('activate') })
        : el('span', { text: '' });
      return ['v' + m.version, m.algorithm, num(m.k, 0), num(m.trainedOn, 0), num(m.metrics.silhouette), new Date(m.createdAt).toLocaleString(state.lang === 'zh' ? 'zh-CN' : 'en-GB'), action];
    });
    root.appendChild(section(t('models'), [
      table([t('version'), t('algorithm'), 'k', t('users'), t('silhouette'), t('created'), t('active')], rows, { 'data-table': 'models' }),
      isAdmin() ? null : el('p', { class: 'note', text: t('adminOnly') }),
    ]));

    if (models.length >= 2) {
      var options = function (selected) {
        return models.map(function (m) { return el('option', { value: m.id, selected: m.id === selected, text: 'v' + m.version + ' · ' + m.algorithm + ' · k=' + m.k }); });
      };
      var compare = state.compare || [models[0].id, models[1].id];
      var left = el('select', { id: 'compare-left' }, options(compare[0]));
      var right = el('select', { id: 'compare-right' }, options(compare[1]));
      var redraw = function () { state.compare = [left.value, right.value]; show('models'); };
      left.addEventListener('change', redraw);
      right.addEventListener('change', redraw);
      var pair = compare.map(function (id) { return models.find(function (m) { return m.id === id; }) || models[0]; });
      var maxK = Math.max(pair[0].k, pair[1].k);
      var indexes = [];
      for (var i = 0; i < maxK; i++) indexes.push(String(i));
      root.appendChild(section(t('compareTwo'), [
        el('div', { class: 'row' }, [left, right]),
        chart('compare-sizes', {
          tooltip: { trigger: 'axis', formatter: function (items) {
            return items.map(function (it) {
              var s = pair[it.seriesIndex].segments[it.dataIndex];
              return echarts.format.encodeHTML(it.seriesName + ': ' + (s ? segmentName(s) + ' ' + num(s.size, 0) : '–'));
            }).join('<br>');
          } },
          legend: { data: pair.map(function (m) { return 'v' + m.version; }) },
          xAxis: { type: 'category', name: t('segment'), data: indexes },
          yAxis: { type: 'value', name: t('size') },
          series: pair.map(function (m) {
            return { name: 'v' + m.version, type: 'bar', data: indexes.map(function (_, idx) { return m.segments[idx] ? m.segments[idx].size : null; }) };
          }),
        }, 300),
        table(['', t('algorithm'), 'k', t('silhouette'), t('daviesBouldin'), t('users')], pair.map(function (m) {
          return ['v' + m.version, m.algorithm, num(m.k, 0), num(m.metrics.silhouette), num(m.metrics.daviesBouldin), num(m.trainedOn, 0)];
        })),
      ]));
    }
    if (isAdmin()) root.appendChild(retrainForm());
  }

  function retrainForm() {
    var field = function (label, input) { return el('label', {}, [label, input]); };
    var algorithm = el('select', { name: 'algorithm' }, ['KMEANS', 'GMM', 'DBSCAN', 'HIERARCHICAL'].map(function (a) { return el('option', { value: a, text: a }); }));
    var k = el('input', { name: 'k', type: 'number', min: 2, max: 50 });
    var kMin = el('input', { name: 'kMin', type: 'number', min: 2, max: 50, value: 2 });
    var kMax = el('input', { name: 'kMax', type: 'number', min: 2, max: 50, value: 8 });
    var seed = el('input', { name: 'seed', type: 'number', value: 42 });
    var compare = el('input', { name: 'compare', type: 'checkbox' });
    var activateBox = el('input', { name: 'activate', type: 'checkbox', checked: true });
    var progress = el('progress', { id: 'retrain-progress', max: 1, value: 0 });
    var progressText = el('span', { id: 'retrain-progress-text' });
    var form = el('form', { id: 'retrain-form', class: 'retrain' }, [
      field(t('algorithm'), algorithm), field(t('kFixed'), k), field(t('kMin'), kMin), field(t('kMax'), kMax), field(t('seed'), seed),
      field(t('compareAlgorithms'), compare), field(t('activateWhenDone'), activateBox),
      el('button', { type: 'submit', text: t('retrainStart') }),
      el('div', { class: 'progress' }, [progress, progressText]),
    ]);
    var intOrNull = function (input) { return input.value === '' ? null : Math.round(Number(input.value)); };
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var input = { algorithm: algorithm.value, kMin: intOrNull(kMin), kMax: intOrNull(kMax), seed: intOrNull(seed), compare: compare.checked, activate: activateBox.checked };
      if (intOrNull(k) !== null) input.k = intOrNull(k);
      Object.keys(input).forEach(function (name) { if (input[name] === null) delete input[name]; });
      gql('mutation DashboardRetrain($input: TrainInput) { retrain(input: $input) { id status progress } }', { input: input })
        .then(function (d) { followJob(d.retrain, progress, progressText); })
        .catch(function (error) { setStatus(error.message, true); });
    });
    return section(t('retrain'), [form]);
  }

  /** Polls the job until it ends, moving the bar; then reloads what the new model changes. */
  function followJob(job, bar, text) {
    state.job = job.id;
    var draw = function (j) {
      bar.value = j.progress;
      text.textContent = ' ' + Math.round(j.progress * 100) + '% · ' + t('jobStatus', { id: j.id, status: j.status }) + (j.error ? ' · ' + j.error : '');
      text.setAttribute('data-status', j.status);
    };
    draw(job);
    var poll = function () {
      if (state.job !== job.id) return;
      gql(JOB_QUERY, { id: job.id }).then(function (d) {
        var j = d.trainingJob;
        draw(j);
        if (j.status === 'SUCCEEDED' || j.status === 'FAILED') {
          state.job = null;
          state.cache = {};
          if (j.status === 'SUCCEEDED') show('models', { keepJob: j });
          return;
        }
        setTimeout(poll, 400);
      }).catch(function (error) { setStatus(error.message, true); setTimeout(poll, 1000); });
    };
    setTimeout(poll, 300);
  }

  function activate(id, button) {
    button.disabled = true;
    button.textContent = t('activating');
    gql('mutation DashboardActivate($id: ID!) { activateModel(id: $id) { id version active } }', { id: id })
      .then(function () { state.cache = {}; show('models'); })
      .catch(function (error) { setStatus(error.message, true); button.disabled = false; button.textContent = t('activate'); });
  }

  function renderUsers(root, model) {
    if (!model) return root.appendChild(noModel());
    var u = state.users;
    if (!u.segmentId || !model.segments.some(function (s) { return s.id === u.segmentId; })) {
      state.users = u = { segmentId: model.segments[0].id, cursors: [null], page: 0 };
    }
    var select = el('select', { id: 'users-segment' }, model.segments.map(function (s) {
      return el('option', { value: s.id, selected: s.id === u.segmentId, text: segmentName(s) + ' (' + num(s.size, 0) + ')' });
    }));
    select.addEventListener('change', function () { state.users = { segmentId: select.value, cursors: [null], page: 0 }; show('users'); });
    var body = el('div', { id: 'users-page', text: t('loading') });
    var csv = el('button', { type: 'button', id: 'users-csv', text: t('downloadCsv'), onclick: function () { downloadCsv(model, u.segmentId, csv); } });
    root.appendChild(section(t('users'), [el('div', { class: 'row' }, [el('label', { for: 'users-segment', text: t('segment') }), select, csv]), body]));
    gql(USERS_QUERY, { first: USERS_PAGE, after: u.cursors[u.page], segmentId: u.segmentId }).then(function (d) {
      var conn = d.users;
      body.textContent = '';
      var from = u.page * USERS_PAGE;
      var prev = el('button', { type: 'button', id: 'users-prev', disabled: u.page === 0, text: t('previous'), onclick: function () { u.page -= 1; show('users'); } });
      var next = el('button', { type: 'button', id: 'users-next', disabled: !conn.pageInfo.hasNextPage, text: t('next'), onclick: function () {
        u.cursors[u.page + 1] = conn.pageInfo.endCursor;
        u.page += 1;
        show('users');
      } });
      body.appendChild(table(USER_COLUMNS.map(function (c) { return c.label(); }), conn.edges.map(function (e) {
        return USER_COLUMNS.map(function (c) {
          var v = c.value(e.node);
          if (c.key === 'id') return el('a', { href: '#', class: 'person-link', text: v, onclick: function (event) { event.preventDefault(); state.personId = v; show('person'); } });
          return typeof v === 'number' ? num(v) : v === null || v === undefined ? '–' : String(v);
        });
      }), { 'data-table': 'users' }));
      body.appendChild(el('div', { class: 'row' }, [prev, el('span', { class: 'page', text: t('pageOf', { from: conn.totalCount ? from + 1 : 0, to: from + conn.edges.length, total: num(conn.totalCount, 0) }) }), next]));
    }).catch(function (error) { body.textContent = error.message; });
  }

  var USER_COLUMNS = [
    { key: 'id', label: function () { return 'id'; }, value: function (n) { return n.id; } },
    { key: 'age', label: function () { return featureName('age'); }, value: function (n) { return n.age; } },
    { key: 'gender', label: function () { return 'gender'; }, value: function (n) { return n.gender; } },
    { key: 'cityTier', label: function () { return featureName('cityTier'); }, value: function (n) { return n.cityTier; } },
  ].concat(['sessionsCount', 'totalSpent', 'purchaseFrequency', 'avgOrderValue', 'lastPurchaseDays', 'engagementScore', 'recencyScore', 'activityLevel', 'userType'].map(function (f) {
    return { key: f, label: function () { return featureName(f); }, value: function (n) { return n.profile[f]; } };
  })).concat([{ key: 'interestTags', label: function () { return t('interestTags'); }, value: function (n) { return n.profile.interestTags.join('|'); } }]);

  /** A cell as CSV: quoted when needed; text a spreadsheet would run as a formula gets a leading apostrophe. */
  function csvCell(value) {
    if (value === null || value === undefined) return '';
    var text = String(value);
    if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = "'" + text;
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  /** Every user of the segment, page by page (500 at a time), as one CSV file. */
  function downloadCsv(model, segmentId, button) {
    var lines = [USER_COLUMNS.map(function (c) { return c.key; }).join(',')];
    button.disabled = true;
    var page = function (after) {
      return gql(USERS_QUERY, { first: CSV_PAGE, after: after, segmentId: segmentId }).then(function (d) {
        d.users.edges.forEach(function (e) { lines.push(USER_COLUMNS.map(function (c) { return csvCell(c.value(e.node)); }).join(',')); });
        return d.users.pageInfo.hasNextPage ? page(d.users.pageInfo.endCursor) : null;
      });
    };
    page(null).then(function () {
      var segment = model.segments.find(function (s) { return s.id === segmentId; });
      var blob = new Blob(['\ufeff' + lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
      var url = URL.createObjectURL(blob);
      var link = el('a', { href: url, download: 'portrait-model-v' + model.version + '-segment-' + (segment ? segment.index : 'x') + '.csv' });
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
      setStatus(t('csvReady', { n: lines.length - 1 }));
    }).catch(function (error) { setStatus(error.message, true); }).then(function () { button.disabled = false; });
  }

  /** A person: their profile and why the model places them where it does (User.segmentExplanation). */
  function renderPerson(root, person) {
    var input = el('input', { id: 'person-id', name: 'person-id', value: state.personId || '', spellcheck: 'false' });
    var form = el('form', { id: 'person-form', class: 'row' }, [el('label', { for: 'person-id', text: t('userId') }), input, el('button', { type: 'submit', text: t('find') })]);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      state.personId = input.value.trim() || null;
      show('person');
    });
    root.appendChild(section(t('tab_person'), [form]));
    if (!state.personId) return;
    if (!person) return root.appendChild(el('p', { class: 'empty', text: t('userNotFound', { id: state.personId }) }));
    var p = person.profile;
    var labels = p.labels;
    var features = ['sessionsCount', 'avgSessionDuration', 'pageViewsPerSession', 'totalSpent', 'purchaseFrequency', 'avgOrderValue', 'lastPurchaseDays', 'engagementScore', 'recencyScore', 'activityLevel', 'userType'];
    root.appendChild(section(t('profile') + ' · ' + person.id, [
      table([t('feature'), t('value')], [[featureName('age'), num(person.age, 0)], ['gender', person.gender || '–'], [featureName('cityTier'), num(person.cityTier, 0)]]
        .concat(features.map(function (f) { return [featureName(f), num(p[f])]; })), { 'data-table': 'person-profile' }),
      el('p', { text: t('interestTags') + ': ' + (p.interestTags.join(', ') || '–') }),
      el('p', { text: t('behaviourPreferences') + ': ' + (p.behaviourPreferences.join(', ') || '–') }),
      labels ? el('p', { text: t('labels') + ': ' + ['value', 'frequency', 'recency', 'engagement', 'ageGroup'].map(function (name) {
        return tIn('labelName', name) + ' ' + tIn('tier', labels[name]);
      }).join(' · ') }) : null,
      p.rfm ? el('p', { text: t('rfm') + ': ' + p.rfm.code + ' · ' + (state.lang === 'zh' ? p.rfm.segmentNameZh : p.rfm.segmentNameEn) }) : null,
    ]));
    root.appendChild(recentEvents(person.id));
    var why = person.segmentExplanation;
    if (!why) return root.appendChild(section(t('currentSegment'), [el('p', { text: t('whyNone') })]));
    var segment = segmentName(why.segment);
    var runnerUp = why.runnerUp ? segmentName(why.runnerUp) : '–';
    var rows = why.features.slice().sort(function (a, b) { return Math.abs(a.contribution) - Math.abs(b.contribution); });
    root.appendChild(section(t('whyHeading', { segment: segment, runnerUp: runnerUp }), [
      el('p', { class: 'note', 'data-margin': String(why.margin), text: t('whyMargin', { margin: num(why.margin), segment: segment }) }),
      chart('explanation', {
        tooltip: { trigger: 'axis' },
        grid: { left: 170 },
        xAxis: { type: 'value', name: t('contribution') },
        yAxis: { type: 'category', data: rows.map(function (f) { return featureName(f.feature); }), axisLabel: { interval: 0 } },
        series: [{ type: 'bar', name: t('contribution'), data: rows.map(function (f) {
          return { value: f.contribution, itemStyle: { color: f.contribution >= 0 ? '#3ba272' : '#ee6666' } };
        }) }],
      }, Math.max(240, 32 * rows.length)),
      table([t('feature'), t('value'), t('populationMean'), t('segmentCentre'), t('runnerUpCentre'), 'z', t('contribution')], why.features.map(function (f) {
        return [featureName(f.feature), num(f.value), num(f.populationMean), num(f.segmentCentre), num(f.runnerUpCentre), num(f.standardised), num(f.contribution)];
      }), { 'data-table': 'explanation' }),
    ]));
  }

  /** The person's events, newest first, 20 at a time: "More" reads the next keyset page and appends it. */
  function recentEvents(userId) {
    var body = el('tbody', {});
    var more = el('button', { type: 'button', id: 'events-more', text: t('more'), disabled: true });
    var after = null;
    var load = function () {
      more.disabled = true;
      gql(EVENTS_QUERY, { id: userId, after: after }).then(function (d) {
        var conn = d.user ? d.user.events : { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
        conn.edges.forEach(function (e) {
          var n = e.node;
          var detail = [n.itemId, n.categories.join('|'), n.amount === null ? null : num(n.amount, 2), n.durationSeconds === null ? null : num(n.durationSeconds, 0) + ' s', n.text]
            .filter(function (x) { return x !== null && x !== ''; }).join(' · ');
          body.appendChild(el('tr', {}, [
            el('td', { text: new Date(n.occurredAt).toLocaleString(state.lang === 'zh' ? 'zh-CN' : 'en-GB') }),
            el('td', { text: n.type }), el('td', { text: n.eventId }), el('td', { text: detail }),
          ]));
        });
        after = conn.pageInfo.endCursor;
        more.disabled = !conn.pageInfo.hasNextPage;
      }).catch(function (error) { setStatus(error.message, true); });
    };
    more.addEventListener('click', load);
    load();
    return section(t('recentEvents'), [
      el('table', { 'data-table': 'events' }, [el('thead', {}, [el('tr', {}, [t('occurredAt'), t('eventType'), 'eventId', t('details')].map(function (h) { return el('th', { text: h }); }))]), body]),
      more,
    ]);
  }

  var VIEWS = [
    { id: 'model', load: function () { return activeModel(); }, render: function (root, model) { renderModel(root, model); } },
    { id: 'segments', load: function () { return activeModel(); }, render: function (root, model) { renderSegments(root, model); } },
    { id: 'priority', load: function () { return activeModel(); }, render: function (root, model) { renderPriority(root, model); } },
    { id: 'quality', load: function () {
      return Promise.all([cached('quality', QUALITY_QUERY), activeModel()]);
    }, render: function (root, data) { renderQuality(root, data[0].qualityReport, data[1]); } },
    { id: 'models', load: function () { return cached('models', MODELS_QUERY).then(function (d) { return d.models; }); }, render: function (root, models) { renderModels(root, models); } },
    { id: 'users', load: function () { return activeModel(); }, render: function (root, model) { renderUsers(root, model); } },
    { id: 'person', load: function () {
      return state.personId ? gql(PERSON_QUERY, { id: state.personId }).then(function (d) { return d.user; }) : Promise.resolve(null);
    }, render: function (root, person) { renderPerson(root, person); } },
  ];

  // --- navigation --------------------------------------------------------------------------------------------------

  function disposeCharts() {
    state.charts.forEach(function (c) { c.dispose(); });
    state.charts = [];
  }

  var drawing = 0;
  function show(id, opts) {
    state.current = id;
    document.querySelectorAll('#tabs button').forEach(function (b) { b.setAttribute('aria-selected', String(b.getAttribute('data-view') === id)); });
    var root = document.getElementById('views');
    if (!state.key) {
      disposeCharts();
      root.textContent = '';
      root.appendChild(el('p', { class: 'empty', text: t('needKey') }));
      return Promise.resolve();
    }
    var view = VIEWS.find(function (v) { return v.id === id; });
    var mine = ++drawing;
    setStatus(t('loading'));
    document.body.setAttribute('data-state', 'loading');
    return view.load().then(function (data) {
      if (mine !== drawing) return;
      disposeCharts();
      root.textContent = '';
      state.pendingCharts = [];
      var container = el('div', { class: 'view', 'data-view': id });
      root.appendChild(container);
      view.render(container, data);
      state.pendingCharts.forEach(function (draw) { draw(); });
      state.pendingCharts = [];
      if (opts && opts.keepJob) {
        var text = document.getElementById('retrain-progress-text');
        var bar = document.getElementById('retrain-progress');
        if (text && bar) {
          bar.value = opts.keepJob.progress;
          text.textContent = ' ' + Math.round(opts.keepJob.progress * 100) + '% · ' + t('jobStatus', { id: opts.keepJob.id, status: opts.keepJob.status });
          text.setAttribute('data-status', opts.keepJob.status);
        }
      }
      setStatus(t('loaded'));
      document.body.setAttribute('data-state', 'ready');
    }).catch(function (error) {
      if (mine !== drawing) return;
      setStatus(error.message, true);
      document.body.setAttribute('data-state', 'error');
      if (error.code === 'UNAUTHENTICATED') forgetKey();
    });
  }

  function applyLanguage() {
    document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t('title');
    document.querySelectorAll('[data-i18n]').forEach(function (node) { node.textContent = t(node.getAttribute('data-i18n')); });
    document.querySelectorAll('[data-lang]').forEach(function (b) { b.setAttribute('aria-pressed', String(b.getAttribute('data-lang') === state.lang)); });
    var tabs = document.getElementById('tabs');
    tabs.textContent = '';
    VIEWS.forEach(function (v) {
      tabs.appendChild(el('button', { type: 'button', 'data-view': v.id, 'aria-selected': String(v.id === state.current), text: t('tab_' + v.id), onclick: function () { show(v.id); } }));
    });
    renderViewer();
  }

  function renderViewer() {
    document.getElementById('viewer').textContent = state.viewer ? state.viewer.name + ' · ' + state.viewer.role : '';
  }

  function forgetKey() {
    state.key = null;
    state.viewer = null;
    state.cache = {};
    sessionStorage.removeItem(KEY_STORAGE);
    renderViewer();
  }

  function connect(key) {
    state.key = key;
    state.cache = {};
    return gql('query DashboardViewer { viewer { name role } }').then(function (d) {
      state.viewer = d.viewer;
      sessionStorage.setItem(KEY_STORAGE, key);
      renderViewer();
      return show(state.current);
    }).catch(function (error) {
      forgetKey();
      setStatus(error.message, true);
      document.body.setAttribute('data-state', 'error');
    });
  }

  document.getElementById('key-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var key = document.getElementById('api-key').value.trim();
    if (key) connect(key);
  });
  document.querySelectorAll('[data-lang]').forEach(function (button) {
    button.addEventListener('click', function () {
      state.lang = button.getAttribute('data-lang');
      sessionStorage.setItem(LANG_STORAGE, state.lang);
      applyLanguage();
      show(state.current);
    });
  });
  window.addEventListener('resize', function () { state.charts.forEach(function (c) { c.resize(); }); });

  applyLanguage();
  var stored = sessionStorage.getItem(KEY_STORAGE);
  var keyInput = document.getElementById('api-key');
  keyInput.value = stored || config.devKey || '';
  if (stored) connect(stored);
  else show(state.current);
})();
