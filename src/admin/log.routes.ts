// The whole change log, newest first, a page at a time.
import { Router } from 'express';
import { listChanges } from '../modules/audit/audit.service';
import { listStatus, pageNumber, pageRequestOf, pagerOf } from './list-page';
import { queryString, render } from './render';

const PAGE_SIZE = 50;

export function logSection(): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const page = pageNumber(req.query.page);
    const { count, results } = await listChanges(pageRequestOf(page, PAGE_SIZE));
    const pager = pagerOf(page, count, PAGE_SIZE);
    render(res, 'log/index', { title: 'Change log', entries: results, pager, queryString }, listStatus(pager));
  });
  return router;
}
