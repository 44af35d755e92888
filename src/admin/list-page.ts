// Paging of the admin site's lists: `?page=` from 1, a fixed page size, and
// the numbers a pager needs. A malformed page number means the first page;
// one past the last is a 404 page that says so and links to the last one
// (views/_pager.eta and _past-the-end.eta draw both).

export const ADMIN_PAGE_SIZE = 25;

export function pageNumber(raw: unknown): number {
  const n = typeof raw === 'string' && /^\d{1,6}$/.test(raw) ? Number(raw) : 1;
  return Math.max(1, n);
}

export const pageRequestOf = (page: number, size = ADMIN_PAGE_SIZE) => ({ skip: (page - 1) * size, take: size });

export interface Pager {
  page: number;
  /** At least 1: an empty list has one page, which says the list is empty. */
  pages: number;
  count: number;
  pastTheEnd: boolean;
  /** The page numbers linked around this one (at most NEAR_PAGES either side); first and last have links of their own. */
  near: number[];
}

const NEAR_PAGES = 2;

export function pagerOf(page: number, count: number, size = ADMIN_PAGE_SIZE): Pager {
  const pages = Math.max(1, Math.ceil(count / size));
  const near: number[] = [];
  for (let n = Math.max(1, page - NEAR_PAGES); n <= Math.min(pages, page + NEAR_PAGES); n += 1) near.push(n);
  return { page, pages, count, pastTheEnd: page > pages, near };
}

/** A list page's status: a page past the last names nothing (404), though it is drawn with the list's filters. */
export const listStatus = (pager: Pager): number => (pager.pastTheEnd ? 404 : 200);

/** Fixed notices shown after a redirect (`?notice=saved`): the text never comes from the URL. */
export function noticeOf(notices: Record<string, string>, raw: unknown): string | undefined {
  return typeof raw === 'string' && Object.hasOwn(notices, raw) ? notices[raw] : undefined;
}
