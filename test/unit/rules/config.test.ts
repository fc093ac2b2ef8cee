import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cronProblem, loadPortraitConfig, parsePortraitConfig } from '../../../src/config/portrait-config.ts';

const CONFIG = fileURLToPath(new URL('../../../config/portrait.json', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'portrait-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Json = { [k: string]: unknown };
/** A copy of the shipped config with one change applied, written to a temp file; returns its path. */
function variant(name: string, change: (c: Json) => void): string {
  const c = JSON.parse(JSON.stringify(loadPortraitConfig(CONFIG))) as Json;
  change(c);
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(c));
  return path;
}
const sec = (c: Json, key: string) => c[key] as Json;

function rejects(path: string, ...fragments: string[]): void {
  assert.throws(
    () => loadPortraitConfig(path),
    (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.ok(e.message.startsWith(`${path}: `), e.message);
      for (const f of fragments) assert.ok(e.message.includes(f), `expected "${f}" in: ${e.message}`);
      return true;
    },
  );
}

describe('portrait config', () => {
  test('the shipped file is valid and has the issue 5 values', () => {
    const c = loadPortraitConfig(CONFIG);
    assert.equal(c.interestTags.maxTags, 10);
    assert.equal(c.interestTags.minFrequency, 3);
    assert.equal(c.interestTags.dailyDecay, 0.95);
    assert.ok(c.interestTags.categories.includes('electronics'));
    assert.equal(c.behaviourPreferences.maxPreferences, 8);
    assert.deepEqual(c.behaviourPreferences.windowsDays, [1, 7, 30]);
    assert.equal(c.behaviourPreferences.clickFrequencyPerDay, 5);
    assert.equal(c.behaviourPreferences.explorerUniqueItemsRatio, 0.7);
    assert.deepEqual(c.activity.dailyActionThresholds, [0, 5, 15, 30]);
    assert.deepEqual(c.activity.sessionDurationThresholds, [0, 300, 900, 1800]);
    assert.deepEqual(c.userType, { heavyMinSessions: 5, heavyMinActions: 20 });
    assert.deepEqual(c.labels.tierQuantiles, { low: 0.25, high: 0.75 });
    assert.deepEqual(c.labels.ageGroups, { youngBelow: 25, middleBelow: 40 });
    assert.equal(c.labels.genderMixThreshold, 0.6);
    assert.equal(c.schedules.weekly.enabled, true);
  });

  test('the default path is config/portrait.json relative to cwd', () => {
    const cwd = process.cwd();
    process.chdir(fileURLToPath(new URL('../../../', import.meta.url)));
    try {
      assert.equal(loadPortraitConfig().interestTags.maxTags, 10);
    } finally {
      process.chdir(cwd);
    }
  });

  test('thresholds out of order name the key', () => {
    const p = variant('thresholds', (c) => (sec(c, 'activity').dailyActionThresholds = [0, 15, 5, 30]));
    rejects(p, 'activity.dailyActionThresholds must be 4 ascending numbers');
  });

  test('wrong number of thresholds and a non-number name the key', () => {
    rejects(variant('three', (c) => (sec(c, 'activity').sessionDurationThresholds = [0, 300, 900])), 'activity.sessionDurationThresholds must be 4 ascending numbers');
    rejects(variant('string', (c) => (sec(c, 'activity').dailyActionThresholds = [0, 5, '15', 30])), 'activity.dailyActionThresholds must be 4 ascending numbers');
  });

  test('a missing key is required', () => {
    rejects(variant('missing', (c) => delete sec(c, 'recency').liveHalfLifeHours), 'recency.liveHalfLifeHours is required');
    rejects(variant('missing-section', (c) => delete c.schedules), 'schedules is required');
  });

  test('an unknown key (a typo) is named', () => {
    rejects(variant('typo', (c) => (sec(c, 'interestTags').maxTag = 10)), 'interestTags.maxTag is not a known key');
  });

  test('out-of-range numbers name the key', () => {
    rejects(variant('decay', (c) => (sec(c, 'interestTags').dailyDecay = 1.5)), 'interestTags.dailyDecay must be a number in (0, 1]');
    rejects(variant('maxtags', (c) => (sec(c, 'interestTags').maxTags = 2.5)), 'interestTags.maxTags must be an integer >= 1');
    rejects(
      variant('share', (c) => (sec(sec(c, 'behaviourPreferences'), 'interactionPattern').nightOwlShare = -0.1)),
      'behaviourPreferences.interactionPattern.nightOwlShare must be a number between 0 and 1',
    );
  });

  test('array items are named by index', () => {
    rejects(variant('category', (c) => (sec(c, 'interestTags').categories = ['books', 'Toys'])), 'interestTags.categories[1] must be lowercase');
    rejects(variant('window', (c) => (sec(c, 'behaviourPreferences').windowsDays = [1, 0])), 'behaviourPreferences.windowsDays[1] must be an integer >= 1');
  });

  test('rules across keys name the key to change', () => {
    rejects(
      variant('quantiles', (c) => (sec(sec(c, 'labels'), 'tierQuantiles').low = 0.8)),
      'labels.tierQuantiles.low must be below labels.tierQuantiles.high',
    );
    rejects(
      variant('coldstart', (c) => (sec(c, 'interestTags').coldStartTags = ['books', 'unicorns'])),
      'interestTags.coldStartTags[1] "unicorns" is not in interestTags.categories',
    );
    rejects(variant('dupe', (c) => (sec(c, 'interestTags').categories = ['books', 'food', 'books'])), 'interestTags.categories[2] repeats "books"');
  });

  test('schedules need a valid cron and an enabled flag', () => {
    rejects(variant('cron', (c) => (sec(sec(c, 'schedules'), 'daily').cron = '61 * * * *')), 'schedules.daily.cron must be a five-field cron expression');
    rejects(variant('enabled', (c) => (sec(sec(c, 'schedules'), 'hourly').enabled = 'yes')), 'schedules.hourly.enabled must be true or false');
    assert.equal(cronProblem('*/15 0-6,22-23 * * 1-5'), null);
    assert.match(cronProblem('* * * *') ?? '', /five fields/);
    assert.match(cronProblem('5-1 * * * *') ?? '', /larger than/);
    assert.match(cronProblem('*/0 * * * *') ?? '', /stepping/);
    assert.match(cronProblem('0 0 * * * *') ?? '', /five fields/);
    assert.equal(cronProblem('0 0 31 2 *'), 'never comes due');
  });

  test('several problems are all reported', () => {
    const p = variant('several', (c) => {
      delete sec(c, 'drift').shareDeltaThreshold;
      sec(c, 'userType').heavyMinSessions = -1;
    });
    rejects(p, 'drift.shareDeltaThreshold is required', 'userType.heavyMinSessions must be a number >= 0');
  });

  test('unreadable and malformed files', () => {
    rejects(join(dir, 'nope.json'), 'cannot read the file (ENOENT)');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "interestTags": ');
    rejects(bad, 'is not valid JSON');
    assert.throws(() => parsePortraitConfig([], 'inline'), /^Error: inline: must be an object$/);
  });
});
