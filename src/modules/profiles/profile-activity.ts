// Activity level (0-3) and user type (0 light, 1 heavy) of a profile, from the thresholds in config/portrait.json.
import type { Profile } from '../../generated/prisma/client.ts';
import type { PortraitConfig } from '../../portrait/config.ts';

const DAY_MS = 86_400_000;

/** Highest level whose threshold the value reaches (thresholds ascending, first one 0). */
function levelOf(value: number, thresholds: readonly number[]): number {
  let level = 0;
  thresholds.forEach((t, i) => {
    if (i > 0 && value >= t) level = i;
  });
  return level;
}

export function profileActivity(row: Profile, avgSessionDuration: number, now: Date, config: PortraitConfig) {
  // Daily actions: events per day over the span the user has been active (at least one day).
  const days = row.firstEventAt ? Math.max(1, (Math.min(now.getTime(), row.lastEventAt!.getTime()) - row.firstEventAt.getTime()) / DAY_MS) : 1;
  const dailyActions = row.eventCount / days;
  const activityLevel = Math.max(
    levelOf(dailyActions, config.activity.dailyActionThresholds),
    row.eventCount > 0 ? levelOf(avgSessionDuration, config.activity.sessionDurationThresholds) : 0,
  );
  const userType = row.sessionsCount >= config.userType.heavyMinSessions && row.eventCount >= config.userType.heavyMinActions ? 1 : 0;
  return { activityLevel, userType, dailyActions };
}
