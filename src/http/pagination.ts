// DRF PageNumberPagination: {count, next, previous, results} with absolute
// links built from PUBLIC_URL (or the request when it is unset).
import type { Request } from 'express';
import { z, type ZodType } from 'zod';
import { NotFoundError } from '../lib/errors';
import { baseUrl } from './base-url';

export const MAX_PAGE_SIZE = 100;

export const pageQuery = z.object({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1).meta({ description: 'Page number, from 1' }),
  // Like DRF's max_page_size, a larger request is capped, not refused.
  page_size: z.coerce
    .number()
    .int()
    .min(1)
    .transform((size) => Math.min(size, MAX_PAGE_SIZE))
    .default(20)
    .meta({ description: `Items per page; more than ${MAX_PAGE_SIZE} is capped at ${MAX_PAGE_SIZE}`, type: 'integer', minimum: 1 }),
});

export type PageQuery = z.output<typeof pageQuery>;

export interface PageRequest {
  skip: number;
  take: number;
}

export function pageRequest(query: PageQuery): PageRequest {
  return { skip: (query.page - 1) * query.page_size, take: query.page_size };
}

export function paginatedSchema<T extends ZodType>(item: T, name: string) {
  return z
    .strictObject({
      count: z.number().int(),
      next: z.url().nullable(),
      previous: z.url().nullable(),
      results: z.array(item),
    })
    .meta({ id: name });
}

export function paginate<T>(req: Request, query: PageQuery, page: { count: number; results: T[] }) {
  const lastPage = Math.max(1, Math.ceil(page.count / query.page_size));
  if (query.page > lastPage) throw new NotFoundError('Invalid page.');
  const link = (pageNumber: number) => {
    const current = new URL(req.originalUrl, 'http://placeholder');
    const target = new URL(baseUrl(req) + current.pathname + current.search);
    if (pageNumber === 1) target.searchParams.delete('page');
    else target.searchParams.set('page', String(pageNumber));
    return target.toString();
  };
  return {
    count: page.count,
    next: query.page < lastPage ? link(query.page + 1) : null,
    previous: query.page > 1 ? link(query.page - 1) : null,
    results: page.results,
  };
}
