// The health rules: issues against the configured thresholds, the status, the method's rating and recommendations.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadPortraitConfig } from '../../../src/config/portrait-config.ts';
import { healthIssues, healthScore, healthStatus, issueMessage, rating, recommendations } from '../../../src/rules/health.ts';

const cfg = loadPortraitConfig(fileURLToPath(new URL('../../../config/portrait.json', import.meta.url))).health;
const calm = { operations: 100, errorRate: 0, meanLatencyMs: 20, clusterDiversity: 0.6, oldestQueuedSeconds: null, predictionOk: true, featureDrift: { maxPsi: 0, threshold: 0.25 } };

describe('health issues', () => {
  test("the method's defaults: error rate 5%, mean response 1 s, diversity 0.1", () => {
    assert.deepEqual(healthIssues(calm, cfg), []);
    assert.deepEqual(healthIssues({ ...calm, errorRate: 0.06 }, cfg), [{ code: 'ERROR_RATE', severity: 'WARNING', value: 0.06, threshold: 0.05 }]);
    assert.deepEqual(healthIssues({ ...calm, errorRate: 0.5 }, cfg), [{ code: 'ERROR_RATE', severity: 'CRITICAL', value: 0.5, threshold: 0.2 }]);
    assert.deepEqual(healthIssues({ ...calm, meanLatencyMs: 1500 }, cfg).map((i) => i.code), ['LATENCY']);
    assert.deepEqual(healthIssues({ ...calm, clusterDiversity: 0.08 }, cfg), [{ code: 'LOW_DIVERSITY', severity: 'WARNING', value: 0.08, threshold: 0.1 }]);
    assert.equal(healthIssues({ ...calm, oldestQueuedSeconds: 4000 }, cfg)[0]!.severity, 'CRITICAL');
  });
  test('a failed probe prediction is CRITICAL; drift over its threshold is a WARNING; neither is judged without a model', () => {
    assert.deepEqual(healthIssues({ ...calm, predictionOk: false }, cfg), [{ code: 'PREDICTION', severity: 'CRITICAL', value: 1, threshold: 0 }]);
    assert.deepEqual(healthIssues({ ...calm, featureDrift: { maxPsi: 0.4, threshold: 0.25 } }, cfg), [
      { code: 'DRIFT', severity: 'WARNING', value: 0.4, threshold: 0.25 },
    ]);
    // equal to the threshold (up to rounding) is not over it
    assert.deepEqual(healthIssues({ ...calm, featureDrift: { maxPsi: 0.25 + 1e-15, threshold: 0.25 } }, cfg), []);
    assert.deepEqual(healthIssues({ ...calm, clusterDiversity: null, predictionOk: null, featureDrift: null }, cfg), []);
    assert.equal(issueMessage({ code: 'DRIFT', value: 0.4, threshold: 0.25 }, 'EN'), 'Feature drift: the largest population stability index 0.400 is above 0.250 (see qualityReport.featureDrift)');
    assert.match(issueMessage({ code: 'PREDICTION', value: 1, threshold: 0 }, 'ZH'), /^使用当前模型的探测预测失败/);
  });
  test('error rate and latency need enough operations to judge', () => {
    assert.deepEqual(healthIssues({ ...calm, operations: cfg.minOperations - 1, errorRate: 1, meanLatencyMs: 9e9 }, cfg), []);
  });
  test('status: the worst severity', () => {
    assert.equal(healthStatus([]), 'HEALTHY');
    assert.equal(healthStatus(healthIssues({ ...calm, errorRate: 0.06 }, cfg)), 'WARNING');
    assert.equal(healthStatus(healthIssues({ ...calm, errorRate: 0.06, clusterDiversity: 0.01 }, cfg)), 'CRITICAL');
  });
  test('messages in English and Chinese', () => {
    const issue = { code: 'LOW_DIVERSITY' as const, value: 0.08, threshold: 0.1 };
    assert.equal(issueMessage(issue, 'EN'), 'Cluster diversity 0.080 is below 0.100: most users are in one segment');
    assert.equal(issueMessage(issue, 'ZH'), '分群多样性 0.080 低于阈值 0.100：大多数用户集中在同一个分群');
  });
});

describe('daily rating and recommendations', () => {
  test('scores error rate, response time and diversity', () => {
    assert.equal(healthScore(calm), 100);
    assert.equal(rating(healthScore(calm)), 'EXCELLENT');
    assert.equal(healthScore({ ...calm, errorRate: 0.07, meanLatencyMs: 1500, clusterDiversity: 0.2 }), 15 + 10 + 10);
    assert.equal(rating(35), 'POOR');
    assert.equal(rating(75), 'GOOD');
    assert.equal(rating(60), 'FAIR');
    assert.equal(rating(40), 'NEEDS_WORK');
  });
  test("follows the method's rules, in both languages", () => {
    assert.deepEqual(recommendations(calm, 4, cfg).EN, ['All figures are within their thresholds: keep monitoring.']);
    const r = recommendations({ ...calm, errorRate: 0.3, meanLatencyMs: 2000, clusterDiversity: 0.05 }, 2, cfg);
    assert.equal(r.EN.length, 4);
    assert.equal(r.ZH.length, 4);
    assert.match(r.EN[3]!, /Fewer than three segments/);
    assert.match(r.ZH[0]!, /输入数据质量/);
  });
});
