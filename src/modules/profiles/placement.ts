// The port through which profile writers (ingest, import, schedules) keep each user's segment current without
// knowing segmentation: the composition root (src/app/) wires segmentation's implementation in.
import type { Sql } from '../../db/sql.ts';
import type { ProfileWithDemographics } from './profile-store.ts';

/** Places profiles in the active model, in memory. */
export interface SegmentPlacer {
  /** the segment id of each profile in the active model, in order */
  place(rows: readonly ProfileWithDemographics[]): string[];
}

/**
 * Called inside the writer's transaction before it writes: the placer for the model active in that transaction, or
 * null when no model is active. Implementations lock the active model against a concurrent activation until the
 * transaction ends, so what is written belongs to the model that is active when it commits.
 */
export type Placement = (sql: Sql) => Promise<SegmentPlacer | null>;
