// The whole change log, newest first, a page at a time.
import { Router } from 'express';
import { listChanges } from '../modules/audit/audit.service';
import { pageNumber } from './list-page';
import { render } from './render';

const PAGE_SIZE = 50;

export function logSection(): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const page = pageNumber(req.query.page);
    const { count, results } = await listChanges({ skip: (page - 1) * PAGE_SIZE, take: PAGE_SIZE });
    render(res, 'log/index', { title: 'Change log', entries: results, page, pages: Math.max(1, Math.ceil(count / PAGE_SIZE)), count });
  });
  return router;
}
