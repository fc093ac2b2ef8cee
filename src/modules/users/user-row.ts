// What a User resolver receives: the users row as Prisma returns it, with its profile when it was read alongside.
import type { User } from '../../generated/prisma/client.ts';
import type { Profile } from '../profiles/profile-store.ts';

export type UserRow = User & { profile?: Profile | null };
