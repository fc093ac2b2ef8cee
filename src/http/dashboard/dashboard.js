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
  var C = window.PortraitCharts;
  var KEY_STORAGE = 'portrait.dashboard.apiKey';
  var LANG_STORAGE = 'portrait.dashboard.lang';
  var GRAPHQL_URL = new URL('graphql', window.location.href).toString();
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
    audience: { id: null, cursors: [null], page: 0 },
    job: null,
    personId: null,
  };

  // --- words -------------------------------------------------------------------------------------------------------

  // the words of the current language (charts.cjs, shared with the server's charts)
  var w = function () { return C.translator(state.lang); };
  var t = function (key, params) { return w().t(key, params); };
  var tIn = function (group, code) { return w().tIn(group, code); };
  var featureName = function (f) { return w().featureName(f); };
  var segmentName = function (s) { return w().segmentName(s); };
  var strategyOf = function (s) { return w().strategyOf(s); };
  var num = function (value, digits) { return w().num(value, digits); };
  var pct = function (share) { return w().pct(share); };

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
      instance.setOption(C.withDefaults(option, 'inherit'));
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

  var MODEL_QUERY = C.QUERIES.activeModel;
  var QUALITY_QUERY = 'query DashboardQuality { qualityReport(topTags: 15) { generatedAt' +
    ' coverage { users profiled share } completeness { feature users share } eventsPerUser { count mean p50 p90 }' +
    ' freshness { updatedLast24h }' +
    ' distributions { sampleSize activityLevels { value users share } userTypes { value users share } withInterestTags interestTags { tag users share } }' +
    ' drift { threshold profiledUsers drifted unassignedUsers unassignedShare segments { segment { index } trainingShare liveUsers liveShare delta drifted } } } }';
  var MODELS_QUERY = 'query DashboardModels { models { id version algorithm k active trainedOn createdAt' +
    ' metrics { silhouette daviesBouldin } segments { index size share nameEn: name(locale: EN) nameZh: name(locale: ZH) } } }';
  var USER_NODE = ' edges { node { id age gender cityTier profile { sessionsCount totalSpent purchaseFrequency avgOrderValue lastPurchaseDays' +
    ' engagementScore recencyScore activityLevel userType interestTags } } }';
  var USERS_QUERY = 'query DashboardUsers($first: Int!, $after: String, $segmentId: ID) {' +
    ' users(first: $first, after: $after, segmentId: $segmentId) { totalCount pageInfo { hasNextPage endCursor }' + USER_NODE + ' } }';
  var PERSON_QUERY = 'query DashboardPerson($id: ID!) { user(id: $id) { id age gender cityTier createdAt' +
    ' audiences { id name size }' +
    ' segmentHistory(first: 20) { enteredAt exitedAt segment { id index nameEn: name(locale: EN) nameZh: name(locale: ZH) model { version active } } }' +
    ' profile { sessionsCount avgSessionDuration pageViewsPerSession totalSpent purchaseFrequency lastPurchaseDays avgOrderValue' +
    '  engagementScore recencyScore activityLevel userType interestTags behaviourPreferences eventCount lastActiveAt' +
    '  labels { value frequency recency engagement ageGroup } rfm { code segment segmentNameEn: segmentName(locale: EN) segmentNameZh: segmentName(locale: ZH) } }' +
    ' segmentExplanation { margin segment { index nameEn: name(locale: EN) nameZh: name(locale: ZH) }' +
    '  runnerUp { index nameEn: name(locale: EN) nameZh: name(locale: ZH) }' +
    '  features { feature value standardised populationMean segmentCentre runnerUpCentre contribution } } } }';
  var EVENTS_QUERY = 'query DashboardEvents($id: ID!, $after: String) { user(id: $id) { events(first: 20, after: $after) {' +
    ' edges { node { eventId type occurredAt itemId categories amount durationSeconds text } } pageInfo { hasNextPage endCursor } } } }';
  var AUDIENCES_QUERY = 'query DashboardAudiences { audiences { id name rule size createdAt updatedAt } }';
  var AUDIENCE_USERS_QUERY = 'query DashboardAudienceUsers($id: ID!, $first: Int!, $after: String) { audience(id: $id) {' +
    ' users(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }' + USER_NODE + ' } } }';
  var HEALTH_QUERY = 'query DashboardHealth { systemHealth(windowMinutes: 60) { status windowMinutes operations errorRate p95LatencyMs eventsPerSecond' +
    ' profileLagMs { count p50 p90 max } queues { kind queued oldestAgeSeconds } clusterDiversity prediction { ok latencyMs } maxFeaturePsi' +
    ' issues { code messageEn: message(locale: EN) messageZh: message(locale: ZH) value threshold } }' +
    ' dailyReports(first: 14) { date rating recommendationsEn: recommendations(locale: EN) recommendationsZh: recommendations(locale: ZH) summary' +
    ' health { status errorRate clusterDiversity operations } } }';
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
      chart('k-selection', C.kSelection(model, w())),
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
      chart('projection', C.projection(model, w()), 480),
      el('p', { class: 'note', text: t('explained', { a: num((ev[0] || 0) * 100, 1), b: num((ev[1] || 0) * 100, 1) }) }),
    ]));
  }

  /** What the segment's users write (Segment.text): review count, mean sentiment, topic shares, examples. */
  function segmentText(s) {
    var text = s.text;
    if (!text) return null;
    return el('div', { class: 'segment-text', 'data-segment-text': s.index }, [
      el('h3', { text: t('reviewsText') }),
      el('p', { class: 'review-facts', 'data-reviews': text.reviews, text: t('reviewCount') + ': ' + num(text.reviews, 0) + ' · ' + t('sentiment') + ': ' + num(text.sentiment, 2) }),
      text.reviews === 0 ? el('p', { class: 'note', text: t('noReviews') }) : null,
      text.topics.length ? chart('topics-' + s.index, C.topics(text, w()), Math.max(140, 28 * text.topics.length + 50)) : null,
      text.examples.length ? el('div', {}, [el('h4', { text: t('examples') }), el('ul', { class: 'examples' }, text.examples.map(function (e) { return el('li', { text: e }); }))]) : null,
    ]);
  }

  function renderSegments(root, model) {
    if (!model) return root.appendChild(noModel());
    model.segments.forEach(function (s) {
      var strategy = strategyOf(s);
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
          chart('radar-' + s.index, C.radar(s, w()), 340),
          el('div', { class: 'strategy' }, [
            el('h3', { text: t('strategy') }),
            list(t('traits'), strategy.traits), list(t('insights'), strategy.insights), list(t('actions'), strategy.actions), list(t('goals'), strategy.goals),
          ]),
        ]),
        segmentText(s),
        el('details', {}, [
          el('summary', { text: t('stats') }),
          table([t('feature'), t('mean'), t('std'), t('populationMean'), t('ratio'), t('missing')], s.stats.map(function (st) {
            return [featureName(st.feature), num(st.mean), num(st.std), num(st.populationMean), num(st.ratio), num(st.missing, 0)];
          })),
        ]),
      ]));
    });
  }

  function renderPriority(root, model) {
    if (!model) return root.appendChild(noModel());
    root.appendChild(section(t('priorityMatrix'), [chart('priority-matrix', C.priority(model, w()), 560)]));
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
    var histograms = report.histograms || [];
    if (histograms.length) {
      root.appendChild(section(t('histograms'), [el('div', { class: 'grid' }, histograms.map(function (h) {
        return el('div', {}, [
          chart('histogram-' + h.feature, C.histogram(h, w()), 240),
          el('p', { class: 'note', text: t('missingNote', { users: num(h.users, 0), missing: num(h.missing, 0) }) }),
        ]);
      }))]));
    }
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

  /** The two models compared: the ones chosen, else the newest two; null with fewer than two models. */
  function comparedPair(models) {
    if (models.length < 2) return null;
    var known = function (id) { return models.some(function (m) { return m.id === id; }); };
    if (!state.compare || !known(state.compare[0]) || !known(state.compare[1])) state.compare = [models[0].id, models[1].id];
    return state.compare;
  }

  function renderModels(root, models, comparison) {
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
      var compare = comparedPair(models);
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
        comparison ? el('h3', { text: t('movementTitle') }) : null,
        comparison ? el('p', { class: 'note', id: 'movement-note', 'data-users': comparison.users, text: t('movementNote', {
          users: num(comparison.users, 0), onlyA: num(comparison.onlyA, 0), onlyB: num(comparison.onlyB, 0), a: comparison.a.version, b: comparison.b.version,
        }) }) : null,
        comparison ? chart('compare-movement', C.movement(comparison, w()), Math.max(300, 40 * comparison.a.segments.length + 170)) : null,
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
    var groups = ['BEHAVIOUR', 'RFM', 'DEMOGRAPHIC', 'TEXT'].map(function (g) { return el('input', { name: 'featureGroups', type: 'checkbox', value: g }); });
    var groupBox = el('fieldset', { class: 'groups' }, [el('legend', { text: t('featureGroups') })].concat(groups.map(function (box) {
      return el('label', { class: 'inline' }, [box, tIn('featureGroup', box.value)]);
    })));
    var progress = el('progress', { id: 'retrain-progress', max: 1, value: 0 });
    var progressText = el('span', { id: 'retrain-progress-text' });
    var form = el('form', { id: 'retrain-form', class: 'retrain' }, [
      field(t('algorithm'), algorithm), field(t('kFixed'), k), field(t('kMin'), kMin), field(t('kMax'), kMax), field(t('seed'), seed),
      field(t('compareAlgorithms'), compare), field(t('activateWhenDone'), activateBox), groupBox,
      el('button', { type: 'submit', text: t('retrainStart') }),
      el('div', { class: 'progress' }, [progress, progressText]),
    ]);
    var intOrNull = function (input) { return input.value === '' ? null : Math.round(Number(input.value)); };
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var input = { algorithm: algorithm.value, kMin: intOrNull(kMin), kMax: intOrNull(kMax), seed: intOrNull(seed), compare: compare.checked, activate: activateBox.checked };
      if (intOrNull(k) !== null) input.k = intOrNull(k);
      var chosen = groups.filter(function (box) { return box.checked; }).map(function (box) { return box.value; });
      if (chosen.length) input.featureGroups = chosen;
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

  /**
   * A paged table of users (50 a page, keyset) and its CSV download, for a segment or an audience. `fetchPage(first,
   * after)` answers a UserConnection; `paging` ({ cursors, page }) survives redraws; `name` prefixes the element ids
   * (`<name>-prev`, `<name>-next`, `<name>-csv`) and names the table (data-table).
   */
  function usersPanel(name, paging, fetchPage, csvName, redraw) {
    var body = el('div', { id: name + '-page', text: t('loading') });
    var csv = el('button', { type: 'button', id: name + '-csv', text: t('downloadCsv'), onclick: function () { downloadCsv(fetchPage, csvName, csv); } });
    fetchPage(USERS_PAGE, paging.cursors[paging.page]).then(function (conn) {
      body.textContent = '';
      var from = paging.page * USERS_PAGE;
      var prev = el('button', { type: 'button', id: name + '-prev', disabled: paging.page === 0, text: t('previous'), onclick: function () { paging.page -= 1; redraw(); } });
      var next = el('button', { type: 'button', id: name + '-next', disabled: !conn.pageInfo.hasNextPage, text: t('next'), onclick: function () {
        paging.cursors[paging.page + 1] = conn.pageInfo.endCursor;
        paging.page += 1;
        redraw();
      } });
      body.appendChild(table(USER_COLUMNS.map(function (c) { return c.label(); }), conn.edges.map(function (e) {
        return USER_COLUMNS.map(function (c) {
          var v = c.value(e.node);
          if (c.key === 'id') return el('a', { href: '#', class: 'person-link', text: v, onclick: function (event) { event.preventDefault(); state.personId = v; show('person'); } });
          return typeof v === 'number' ? num(v) : v === null || v === undefined ? '–' : String(v);
        });
      }), { 'data-table': name }));
      body.appendChild(el('div', { class: 'row' }, [prev, el('span', { class: 'page', text: t('pageOf', { from: conn.totalCount ? from + 1 : 0, to: from + conn.edges.length, total: num(conn.totalCount, 0) }) }), next]));
    }).catch(function (error) { body.textContent = error.message; });
    return { body: body, csv: csv };
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
    var segment = model.segments.find(function (s) { return s.id === u.segmentId; });
    var panel = usersPanel('users', u, function (first, after) {
      return gql(USERS_QUERY, { first: first, after: after, segmentId: u.segmentId }).then(function (d) { return d.users; });
    }, 'portrait-model-v' + model.version + '-segment-' + (segment ? segment.index : 'x') + '.csv', function () { show('users'); });
    root.appendChild(section(t('users'), [el('div', { class: 'row' }, [el('label', { for: 'users-segment', text: t('segment') }), select, panel.csv]), panel.body]));
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

  /** Every user `fetchPage` lists, page by page (500 at a time), as one CSV file. */
  function downloadCsv(fetchPage, fileName, button) {
    var lines = [USER_COLUMNS.map(function (c) { return c.key; }).join(',')];
    button.disabled = true;
    var page = function (after) {
      return fetchPage(CSV_PAGE, after).then(function (conn) {
        conn.edges.forEach(function (e) { lines.push(USER_COLUMNS.map(function (c) { return csvCell(c.value(e.node)); }).join(',')); });
        return conn.pageInfo.hasNextPage ? page(conn.pageInfo.endCursor) : null;
      });
    };
    page(null).then(function () {
      var blob = new Blob(['\ufeff' + lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
      var url = URL.createObjectURL(blob);
      var link = el('a', { href: url, download: fileName });
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
      setStatus(t('csvReady', { n: lines.length - 1 }));
    }).catch(function (error) { setStatus(error.message, true); }).then(function () { button.disabled = false; });
  }

  var RULE_OPS = { EQ: '=', NEQ: '≠', GT: '>', GTE: '≥', LT: '<', LTE: '≤', IN: '∈', NOT_IN: '∉', CONTAINS: '∋' };
  /** An audience rule as one line: all → AND, any → OR, not → NOT, a condition as "field op value". */
  function ruleText(rule, nested) {
    var wrap = function (text) { return nested ? '(' + text + ')' : text; };
    if (rule.all) return wrap(rule.all.map(function (r) { return ruleText(r, true); }).join(' AND '));
    if (rule.any) return wrap(rule.any.map(function (r) { return ruleText(r, true); }).join(' OR '));
    if (rule.not) return 'NOT (' + ruleText(rule.not, false) + ')';
    var c = rule.condition;
    var field = featureName(c.field);
    if (c.op === 'EXISTS') return field + (c.value === false ? ' missing' : ' exists');
    var value = Array.isArray(c.value) ? '{' + c.value.join(', ') + '}' : typeof c.value === 'string' ? '"' + c.value + '"' : String(c.value);
    return field + ' ' + (RULE_OPS[c.op] || c.op) + ' ' + value;
  }

  /** Audiences: each with its size and rule; the chosen one's members as a paged table with CSV download. */
  function renderAudiences(root, audiences) {
    if (!audiences.length) return root.appendChild(section(t('audiences'), [el('p', { class: 'empty', text: t('audienceNone') })]));
    var a = state.audience;
    if (!a.id || !audiences.some(function (x) { return x.id === a.id; })) state.audience = a = { id: audiences[0].id, cursors: [null], page: 0 };
    var chosen = audiences.find(function (x) { return x.id === a.id; });
    root.appendChild(section(t('audiences'), [table([t('audienceName'), t('size'), t('rule'), t('updated'), ''], audiences.map(function (x) {
      return [x.name, num(x.size, 0), el('code', { class: 'rule', text: ruleText(x.rule) }), new Date(x.updatedAt).toLocaleString(state.lang === 'zh' ? 'zh-CN' : 'en-GB'),
        el('button', { type: 'button', 'data-audience': x.id, disabled: x.id === a.id, text: t('members'), onclick: function () {
          state.audience = { id: x.id, cursors: [null], page: 0 };
          show('audiences');
        } })];
    }), { 'data-table': 'audiences' })]));
    var panel = usersPanel('audience-users', a, function (first, after) {
      return gql(AUDIENCE_USERS_QUERY, { id: a.id, first: first, after: after }).then(function (d) {
        if (!d.audience) throw new Error(t('audienceNone'));
        return d.audience.users;
      });
    }, 'portrait-audience-' + chosen.name.replace(/[^\w\u4e00-\u9fff-]+/g, '_') + '.csv', function () { show('audiences'); });
    root.appendChild(section(t('members') + ' · ' + chosen.name, [el('div', { class: 'row' }, [panel.csv]), panel.body]));
  }

  /** The service's health now and the daily reports, as the monitoring API gives them. */
  function renderHealth(root, data) {
    var h = data.systemHealth;
    var zh = state.lang === 'zh';
    root.appendChild(section(t('health', { minutes: h.windowMinutes }), [
      el('p', {}, [t('status') + ': ', el('strong', { id: 'health-status', class: 'status-' + h.status, 'data-status': h.status, text: h.status })]),
      table([t('figure'), t('value')], [
        [t('operations'), num(h.operations, 0)], [t('errorRate'), pct(h.errorRate)], [t('p95'), num(h.p95LatencyMs, 1)],
        [t('eventsPerSecond'), num(h.eventsPerSecond, 2)], [t('profileLag'), num(h.profileLagMs.p50, 1) + ' / ' + num(h.profileLagMs.p90, 1)],
        [t('clusterDiversity'), num(h.clusterDiversity)],
        [t('prediction'), h.prediction ? (h.prediction.ok ? t('ok') : t('failed')) + ' · ' + num(h.prediction.latencyMs, 1) + ' ms' : '–'],
        [t('maxFeaturePsi'), num(h.maxFeaturePsi)],
      ], { 'data-table': 'health-figures' }),
      el('h3', { text: t('issues') }),
      h.issues.length ? table([t('code'), t('issues'), t('value'), t('threshold')], h.issues.map(function (i) {
        return [i.code, zh ? i.messageZh : i.messageEn, num(i.value), num(i.threshold)];
      }), { 'data-table': 'health-issues' }) : el('p', { class: 'note', text: t('noIssues') }),
      el('h3', { text: t('queues') }),
      table(['kind', t('queued'), t('oldestWait')], h.queues.map(function (q) { return [q.kind, num(q.queued, 0), num(q.oldestAgeSeconds, 1)]; }), { 'data-table': 'health-queues' }),
    ]));
    var reports = data.dailyReports;
    if (!reports.length) return root.appendChild(section(t('dailyReports'), [el('p', { class: 'empty', text: t('noReports') })]));
    var days = reports.slice().reverse();
    root.appendChild(section(t('dailyReports'), [
      chart('daily-reports', {
        tooltip: { trigger: 'axis' },
        legend: { data: [t('errorRate'), t('clusterDiversity')] },
        xAxis: { type: 'category', data: days.map(function (r) { return r.date; }) },
        yAxis: { type: 'value', min: 0 },
        series: [
          { name: t('errorRate'), type: 'line', data: days.map(function (r) { return r.health.errorRate; }) },
          { name: t('clusterDiversity'), type: 'line', data: days.map(function (r) { return r.health.clusterDiversity; }) },
        ],
      }, 260),
      table([t('date'), t('rating'), t('status'), t('errorRate'), t('clusterDiversity'), t('recommendations'), t('summary')], reports.map(function (r) {
        var sum = r.summary || {};
        return [r.date, r.rating, r.health.status, pct(r.health.errorRate), num(r.health.clusterDiversity),
          el('ul', {}, (zh ? r.recommendationsZh : r.recommendationsEn).map(function (x) { return el('li', { text: x }); })),
          ['events', 'profilesUpdated', 'users', 'modelVersion'].filter(function (k) { return sum[k] !== undefined && sum[k] !== null; }).map(function (k) { return k + ' ' + sum[k]; }).join(' · ')];
      }), { 'data-table': 'daily-reports' }),
    ]));
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
    root.appendChild(el('div', { class: 'grid' }, [
      section(t('audiences'), [person.audiences.length
        ? el('ul', { 'data-list': 'person-audiences' }, person.audiences.map(function (a) { return el('li', { 'data-audience-id': a.id, text: a.name + ' (' + num(a.size, 0) + ')' }); }))
        : el('p', { class: 'note', text: t('noAudiences') })]),
      section(t('segmentHistory'), [table([t('segment'), t('model'), t('entered'), t('exited')], person.segmentHistory.map(function (h) {
        var when = function (d) { return new Date(d).toLocaleString(state.lang === 'zh' ? 'zh-CN' : 'en-GB'); };
        return [segmentName(h.segment), 'v' + h.segment.model.version, when(h.enteredAt), h.exitedAt ? when(h.exitedAt) : t('stillThere')];
      }), { 'data-table': 'segment-history' })]),
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
      return Promise.all([cached('quality', QUALITY_QUERY), activeModel(), cached('histograms', C.QUERIES.histograms)]);
    }, render: function (root, data) { renderQuality(root, Object.assign({ histograms: data[2].featureHistograms }, data[0].qualityReport), data[1]); } },
    { id: 'models', load: function () {
      return cached('models', MODELS_QUERY).then(function (d) {
        var pair = comparedPair(d.models);
        if (!pair) return { models: d.models, comparison: null };
        return gql(C.QUERIES.compare, { a: pair[0], b: pair[1] }).then(function (c) { return { models: d.models, comparison: c.compareModels }; });
      });
    }, render: function (root, data) { renderModels(root, data.models, data.comparison); } },
    { id: 'users', load: function () { return activeModel(); }, render: function (root, model) { renderUsers(root, model); } },
    { id: 'audiences', load: function () { return gql(AUDIENCES_QUERY).then(function (d) { return d.audiences; }); }, render: function (root, audiences) { renderAudiences(root, audiences); } },
    { id: 'health', load: function () { return gql(HEALTH_QUERY); }, render: function (root, data) { renderHealth(root, data); } },
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
