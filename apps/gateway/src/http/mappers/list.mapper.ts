/**
 * The one envelope every list answers: `object`, `url` (the route's path), `data`, `has_more`.
 * Lists come in two kinds, by how the peer pages them; an integrator sees the same names for each.
 */

/** A list paged with `starting_after` / `ending_before` (Stripe style): the ids are the cursor. */
export interface IdListJson<T> {
  object: 'list';
  url: string;
  data: T[];
  has_more: boolean;
}

/** A list paged by an opaque token: `next_cursor` goes back as `cursor`; null on the last page. */
export interface CursorListJson<T> extends IdListJson<T> {
  next_cursor: string | null;
}

export function idPage<T>(url: string, data: T[], hasMore: boolean): IdListJson<T> {
  return { object: 'list', url, data, has_more: hasMore };
}

/** `token` is the peer's next page token: empty on the last page. */
export function cursorPage<T>(url: string, data: T[], token: string): CursorListJson<T> {
  return { object: 'list', url, data, has_more: token !== '', next_cursor: token || null };
}
