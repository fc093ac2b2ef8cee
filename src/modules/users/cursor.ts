// Opaque keyset cursors: base64url of the last user id of a page. Keyset, not offset, so pages stay fast and
// stable while users are added.
import { badInput } from '../../errors.ts';
import { checkId } from './check-text.ts';

export const encodeCursor = (userId: string): string => Buffer.from(`u:${userId}`, 'utf8').toString('base64url');

export function decodeCursor(cursor: string, field = 'after'): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // A crafted cursor can round-trip an id no user can have (a NUL, say): refused like any cursor we did not issue.
  if (!text.startsWith('u:') || encodeCursor(text.slice(2)) !== cursor || checkId(text.slice(2), 'id') !== null) throw badInput(field, 'not a cursor returned by this API');
  return text.slice(2);
}
