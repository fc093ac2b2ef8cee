// What a User resolver receives: the users row as Prisma returns it, with its profile when it was read alongside.
import type { Profile, User } from '../../generated/prisma/client.ts';

export type UserRow = User & { profile?: Profile | null };
