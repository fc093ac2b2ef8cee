// Values written to JSON columns: what JSON.stringify makes of them (NaN and Infinity become null, Dates ISO
// strings), typed as Prisma's JSON input. Readers parse the columns back with zod at their boundary.
import type { InputJsonValue } from '../generated/prisma/internal/prismaNamespace.ts';

export const toJsonValue = (value: unknown): InputJsonValue => JSON.parse(JSON.stringify(value)) as InputJsonValue;
