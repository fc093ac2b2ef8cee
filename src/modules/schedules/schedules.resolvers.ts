import type { Resolvers, ScheduleName as ScheduleNameGql } from '../../generated/graphql.ts';
import type { ScheduleName } from '../../config/portrait-config.ts';
import { enqueue, listJobs } from '../jobs/job-queue.ts';
import { checkPageSize } from '../users/users-service.ts';
import { nextSlot, SCHEDULE_KIND_PREFIX, scheduleJobKind, SCHEDULE_NAMES } from './schedules.ts';

const toName = (s: ScheduleNameGql): ScheduleName => s.toLowerCase() as ScheduleName;
const fromKind = (kind: string): ScheduleNameGql => kind.replace(SCHEDULE_KIND_PREFIX, '').toUpperCase() as ScheduleNameGql;
const result = (r: unknown) => (r ?? {}) as { rows?: number; outcome?: string; reason?: string; modelId?: string };

export const schedulesResolvers: Resolvers = {
  Query: {
    schedules: (_, __, { services }) =>
      SCHEDULE_NAMES.map((name) => {
        const s = services.portrait.schedules[name];
        return {
          name: name.toUpperCase() as ScheduleNameGql,
          cron: s.cron,
          enabled: s.enabled,
          nextRunAt: s.enabled ? nextSlot(s.cron, services.now()) : null,
          lastRun: null,
        };
      }),
    scheduledRuns: (_, { schedule, first }, { services }) =>
      listJobs(services.db, schedule ? { kind: scheduleJobKind(toName(schedule)) } : { kindPrefix: SCHEDULE_KIND_PREFIX }, checkPageSize(first ?? 20)),
  },
  Schedule: {
    lastRun: async (s, _, { services }) => (await listJobs(services.db, { kind: scheduleJobKind(toName(s.name)) }, 1))[0] ?? null,
  },
  Mutation: {
    runSchedule: async (_, { name }, { services, principal }) => {
      const job = await enqueue(services.db, scheduleJobKind(toName(name)), {}, principal!.name);
      services.jobs?.poke();
      return job;
    },
  },
  ScheduledRun: {
    schedule: (j) => fromKind(j.kind),
    slot: (j) => {
      const slot = (j.payload as { slot?: string }).slot;
      return slot ? new Date(slot) : null;
    },
    rows: (j) => result(j.result).rows ?? null,
    outcome: (j) => result(j.result).outcome ?? null,
    reason: (j) => result(j.result).reason ?? null,
    model: (j, _, { loaders }) => (j.modelId ? loaders.modelById.load(j.modelId) : null),
  },
};
