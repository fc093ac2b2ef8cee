// The port through which profile writers (ingest, import) let what depends on profiles (audiences) catch up in the
// same transaction, without knowing it: the composition root (src/app/) wires the implementation in.
import type { Sql } from '../../db/sql.ts';

/** Called inside the writer's transaction after it has written the users' profiles. */
export type ProfilesChanged = (sql: Sql, userIds: readonly string[], now: Date) => Promise<void>;
