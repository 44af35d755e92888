// The whole change log, newest first unless sorted, of one kind of object if
// asked, a page at a time.
import { Router } from 'express';
import { listChanges, LOG_OBJECTS, LOG_SORTS, type AuditObject, type LogSort } from '../modules/audit/audit.service';
import { textField } from './form-input';
import { listStatus, pageNumber, pageRequestOf, pagerOf } from './list-page';
import { queryString, render, sortHeader } from './render';

const PAGE_SIZE = 50;

export function logSection(): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const page = pageNumber(req.query.page);
    const rawObject = textField(req.query.object);
    const objectType = (LOG_OBJECTS as string[]).includes(rawObject) ? (rawObject as AuditObject) : undefined;
    const rawSort = textField(req.query.sort);
    const sort = (LOG_SORTS as readonly string[]).includes(rawSort) ? (rawSort as LogSort) : '-when';
    const { count, results } = await listChanges({ objectType, sort }, pageRequestOf(page, PAGE_SIZE));
    const pager = pagerOf(page, count, PAGE_SIZE);
    render(res, 'log/index', {
      title: 'Change log', entries: results, pager, objectType, objects: LOG_OBJECTS, sort, queryString, sortHeader,
    }, listStatus(pager));
  });
  return router;
}
