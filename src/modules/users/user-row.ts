// What a User resolver receives: the users row as Prisma returns it.
export type { User as UserRow } from '../../generated/prisma/client.ts';
