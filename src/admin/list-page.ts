// Paging of the admin site's lists: `?page=` from 1, a fixed page size, and
// the numbers a pager needs. A malformed page number means the first page;
// one past the end shows an empty page with a way back.

export const ADMIN_PAGE_SIZE = 25;

export function pageNumber(raw: unknown): number {
  const n = typeof raw === 'string' && /^\d{1,6}$/.test(raw) ? Number(raw) : 1;
  return Math.max(1, n);
}

export const pageRequestOf = (page: number, size = ADMIN_PAGE_SIZE) => ({ skip: (page - 1) * size, take: size });

export interface Pager {
  page: number;
  pages: number;
  count: number;
}

export function pagerOf(page: number, count: number, size = ADMIN_PAGE_SIZE): Pager {
  return { page, pages: Math.max(1, Math.ceil(count / size)), count };
}

/** Fixed notices shown after a redirect (`?notice=saved`): the text never comes from the URL. */
export function noticeOf(notices: Record<string, string>, raw: unknown): string | undefined {
  return typeof raw === 'string' && Object.hasOwn(notices, raw) ? notices[raw] : undefined;
}
