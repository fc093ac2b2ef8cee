// Activity level (0-3) and user type (0 light, 1 heavy) of a stored profile (rules in src/rules/activity.ts).
import type { Profile } from './profile-store.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import { activityLevel, userType } from '../../rules/activity.ts';

const DAY_MS = 86_400_000;

export function profileActivity(row: Omit<Profile, 'categoryWeights' | 'weightsAt'>, avgSessionDuration: number, config: PortraitConfig) {
  // Daily actions over the span the user has been active (at least one day). A user known only from an import has
  // no events, so no actions: level and type come from behaviour Portrait has seen.
  const days = row.firstEventAt && row.lastEventAt ? Math.max(1, (row.lastEventAt.getTime() - row.firstEventAt.getTime()) / DAY_MS) : 1;
  const seenSessions = row.eventCount > 0;
  return {
    activityLevel: activityLevel(
      { avgDailyActions: row.eventCount / days, avgSessionDurationSeconds: seenSessions ? avgSessionDuration : 0 },
      config.activity,
    ),
    userType: userType({ sessions: row.sessionsCount, actions: row.eventCount }, config.userType),
  };
}
