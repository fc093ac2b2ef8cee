// Pure health rules: issues against thresholds, the status they make, the daily rating and the recommendations, with
// their texts in English and Chinese (the method's monitoring practice; thresholds in config/portrait.json `health`).
import type { HealthConfig } from '../config/portrait-config.ts';

import type { Locale } from './catalogue/en.ts';
export type HealthStatus = 'HEALTHY' | 'WARNING' | 'CRITICAL';
export const ISSUE_CODES = ['ERROR_RATE', 'LATENCY', 'LOW_DIVERSITY', 'QUEUE_BACKLOG', 'PREDICTION', 'DRIFT'] as const;
export type IssueCode = (typeof ISSUE_CODES)[number];

export interface HealthIssue {
  code: IssueCode;
  severity: Exclude<HealthStatus, 'HEALTHY'>;
  value: number;
  /** the threshold crossed: the critical one when critical, else the warning one */
  threshold: number;
}

/** The figures the rules judge. */
export interface HealthFigures {
  operations: number;
  errorRate: number;
  meanLatencyMs: number | null;
  clusterDiversity: number | null;
  /** the longest wait of a queued job, seconds */
  oldestQueuedSeconds: number | null;
  /** the probe prediction through the active model succeeded with finite figures; null without an active model */
  predictionOk: boolean | null;
  /** the largest population stability index of the active model's features and the threshold it is judged against; null without one */
  featureDrift: { maxPsi: number; threshold: number } | null;
}

const RANK: Record<HealthStatus, number> = { HEALTHY: 0, WARNING: 1, CRITICAL: 2 };
export const worse = (a: HealthStatus, b: HealthStatus): boolean => RANK[a] > RANK[b];

function above(code: IssueCode, value: number | null, t: { warning: number; critical: number }): HealthIssue | null {
  if (value === null) return null;
  if (value > t.critical) return { code, severity: 'CRITICAL', value, threshold: t.critical };
  if (value > t.warning) return { code, severity: 'WARNING', value, threshold: t.warning };
  return null;
}

function below(code: IssueCode, value: number | null, t: { warning: number; critical: number }): HealthIssue | null {
  if (value === null) return null;
  if (value < t.critical) return { code, severity: 'CRITICAL', value, threshold: t.critical };
  if (value < t.warning) return { code, severity: 'WARNING', value, threshold: t.warning };
  return null;
}

/** Rounding noise must not flip a PSI that equals its threshold. */
const PSI_EPSILON = 1e-12;
/** A feature drifts when its population stability index is over the threshold (qualityReport.featureDrift and DRIFT). */
export const psiOverThreshold = (psi: number, threshold: number): boolean => psi > threshold + PSI_EPSILON;

/**
 * The issues of a window. Error rate and mean response time are judged only over at least `minOperations`
 * operations (three failures of five calls say little); diversity, prediction and drift only with an active model.
 * A failed probe prediction is CRITICAL (value 1 failed probe, threshold 0): the model cannot place anyone. Drift is
 * a WARNING: the model still works, but on a population unlike the one it was trained on.
 */
export function healthIssues(f: HealthFigures, cfg: HealthConfig): HealthIssue[] {
  const enough = f.operations >= cfg.minOperations;
  return [
    enough ? above('ERROR_RATE', f.errorRate, cfg.errorRate) : null,
    enough ? above('LATENCY', f.meanLatencyMs, cfg.meanResponseMs) : null,
    below('LOW_DIVERSITY', f.clusterDiversity, cfg.clusterDiversity),
    above('QUEUE_BACKLOG', f.oldestQueuedSeconds, cfg.queueOldestSeconds),
    f.predictionOk === false ? { code: 'PREDICTION', severity: 'CRITICAL', value: 1, threshold: 0 } : null,
    f.featureDrift && psiOverThreshold(f.featureDrift.maxPsi, f.featureDrift.threshold)
      ? { code: 'DRIFT', severity: 'WARNING', value: f.featureDrift.maxPsi, threshold: f.featureDrift.threshold }
      : null,
  ].filter((i): i is HealthIssue => i !== null);
}

export function healthStatus(issues: readonly HealthIssue[]): HealthStatus {
  if (issues.some((i) => i.severity === 'CRITICAL')) return 'CRITICAL';
  return issues.length > 0 ? 'WARNING' : 'HEALTHY';
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const ms = (v: number) => `${Math.round(v)} ms`;
const num = (v: number) => v.toFixed(3);
const secs = (v: number) => `${Math.round(v)} s`;

const MESSAGES: Record<IssueCode, Record<Locale, (value: string, threshold: string) => string>> = {
  ERROR_RATE: {
    EN: (v, t) => `Error rate ${v} is above ${t}`,
    ZH: (v, t) => `错误率 ${v} 高于阈值 ${t}`,
  },
  LATENCY: {
    EN: (v, t) => `Mean response time ${v} is above ${t}`,
    ZH: (v, t) => `平均响应时间 ${v} 高于阈值 ${t}`,
  },
  LOW_DIVERSITY: {
    EN: (v, t) => `Cluster diversity ${v} is below ${t}: most users are in one segment`,
    ZH: (v, t) => `分群多样性 ${v} 低于阈值 ${t}：大多数用户集中在同一个分群`,
  },
  QUEUE_BACKLOG: {
    EN: (v, t) => `A queued job has waited ${v}, longer than ${t}`,
    ZH: (v, t) => `有排队任务已等待 ${v}，超过 ${t}`,
  },
  PREDICTION: {
    EN: () => 'The probe prediction through the active model failed or gave a non-finite result: segments cannot be predicted',
    ZH: () => '使用当前模型的探测预测失败或结果非有限值：无法预测用户分群',
  },
  DRIFT: {
    EN: (v, t) => `Feature drift: the largest population stability index ${v} is above ${t} (see qualityReport.featureDrift)`,
    ZH: (v, t) => `特征漂移：最大的群体稳定性指数 ${v} 高于阈值 ${t}（详见 qualityReport.featureDrift）`,
  },
};
const FORMAT: Record<IssueCode, (v: number) => string> = {
  ERROR_RATE: pct,
  LATENCY: ms,
  LOW_DIVERSITY: num,
  QUEUE_BACKLOG: secs,
  PREDICTION: num,
  DRIFT: num,
};

export function issueMessage(issue: Pick<HealthIssue, 'code' | 'value' | 'threshold'>, locale: Locale): string {
  const f = FORMAT[issue.code];
  return MESSAGES[issue.code][locale](f(issue.value), f(issue.threshold));
}

export type Rating = 'EXCELLENT' | 'GOOD' | 'FAIR' | 'NEEDS_WORK' | 'POOR';

/**
 * The method's scoring, out of 100: error rate 40 (< 1% 40, < 5% 30, < 10% 15, else 0), mean response time 30
 * (< 200 ms 30, < 1 s 20, < 3 s 10, else 0), cluster diversity 30 (> 0.5 30, > 0.3 20, > 0.1 10, else 0). A figure
 * with nothing to judge (no operations, no active model) scores full marks. Rating: >= 90 EXCELLENT, >= 75 GOOD,
 * >= 60 FAIR, >= 40 NEEDS_WORK, else POOR.
 */
export function healthScore(f: Pick<HealthFigures, 'operations' | 'errorRate' | 'meanLatencyMs' | 'clusterDiversity'>): number {
  const e = f.operations === 0 ? 40 : f.errorRate < 0.01 ? 40 : f.errorRate < 0.05 ? 30 : f.errorRate < 0.1 ? 15 : 0;
  const l = f.meanLatencyMs === null ? 30 : f.meanLatencyMs < 200 ? 30 : f.meanLatencyMs < 1000 ? 20 : f.meanLatencyMs < 3000 ? 10 : 0;
  const d = f.clusterDiversity === null ? 30 : f.clusterDiversity > 0.5 ? 30 : f.clusterDiversity > 0.3 ? 20 : f.clusterDiversity > 0.1 ? 10 : 0;
  return e + l + d;
}

export function rating(score: number): Rating {
  return score >= 90 ? 'EXCELLENT' : score >= 75 ? 'GOOD' : score >= 60 ? 'FAIR' : score >= 40 ? 'NEEDS_WORK' : 'POOR';
}

type RecommendationCode = 'CHECK_INPUT_QUALITY' | 'OPTIMISE_FEATURES' | 'RETRAIN_OR_REVISE' | 'REVISIT_FEATURE_ENGINEERING' | 'ALL_WELL';

const RECOMMENDATIONS: Record<RecommendationCode, Record<Locale, string>> = {
  CHECK_INPUT_QUALITY: {
    EN: 'Errors are rising: check the quality of the input data (rejected events and imports, their codes).',
    ZH: '错误增多：请检查输入数据质量（被拒绝的事件与导入记录及其错误码）。',
  },
  OPTIMISE_FEATURES: {
    EN: 'Responses are slow: optimise feature computation and the heaviest queries.',
    ZH: '响应变慢：请优化特征计算与最耗时的查询。',
  },
  RETRAIN_OR_REVISE: {
    EN: 'Cluster diversity is low: retrain the model or revise its features.',
    ZH: '分群多样性偏低：请重新训练模型或调整特征。',
  },
  REVISIT_FEATURE_ENGINEERING: {
    EN: 'Fewer than three segments have users: revisit the feature engineering.',
    ZH: '有用户的分群少于三个：请重新审视特征工程。',
  },
  ALL_WELL: {
    EN: 'All figures are within their thresholds: keep monitoring.',
    ZH: '各项指标均在阈值之内：继续保持监控。',
  },
};

/** The method's rules, from the day's figures and the number of segments with users (null without an active model). */
export function recommendations(
  f: Pick<HealthFigures, 'operations' | 'errorRate' | 'meanLatencyMs' | 'clusterDiversity'>,
  liveSegments: number | null,
  cfg: HealthConfig,
): Record<Locale, string[]> {
  const codes: RecommendationCode[] = [];
  if (f.operations > 0 && f.errorRate > cfg.errorRate.warning) codes.push('CHECK_INPUT_QUALITY');
  if (f.meanLatencyMs !== null && f.meanLatencyMs > cfg.meanResponseMs.warning) codes.push('OPTIMISE_FEATURES');
  if (f.clusterDiversity !== null && f.clusterDiversity < cfg.clusterDiversity.warning) codes.push('RETRAIN_OR_REVISE');
  if (liveSegments !== null && liveSegments < 3) codes.push('REVISIT_FEATURE_ENGINEERING');
  if (codes.length === 0) codes.push('ALL_WELL');
  return { EN: codes.map((c) => RECOMMENDATIONS[c].EN), ZH: codes.map((c) => RECOMMENDATIONS[c].ZH) };
}
