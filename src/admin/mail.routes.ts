// The mail outbox in the admin site: what was sent, what waits (with when it
// is tried next) and what failed (with the SMTP server's last answer), and a
// button that sends a failed mail on its way again.
import { Router } from 'express';
import { listMail, mailCounts, MAIL_SORTS, MAIL_STATUSES, retryMail, type MailSort } from '../modules/mail/mail.admin';
import { ValidationError } from '../lib/errors';
import { adminActor, pathId, textField } from './form-input';
import { listStatus, noticeOf, pageNumber, pageRequestOf, pagerOf } from './list-page';
import { queryString, render, sortHeader } from './render';
import type { MailStatus } from '../generated/prisma/client';

const NOTICES = { retried: 'The mail is queued again; it goes out with the next delivery run.', not_failed: 'Only a failed mail can be retried.' };

export function mailSection(): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const raw = textField(req.query.status);
    const status = (MAIL_STATUSES as string[]).includes(raw) ? (raw as MailStatus) : undefined;
    const page = pageNumber(req.query.page);
    const rawSort = textField(req.query.sort);
    const sort = (MAIL_SORTS as readonly string[]).includes(rawSort) ? (rawSort as MailSort) : '-id';
    const [{ count, results }, counts] = await Promise.all([listMail({ status, sort }, pageRequestOf(page)), mailCounts()]);
    const pager = pagerOf(page, count);
    render(res, 'mail/list', {
      title: 'Mail',
      status,
      sort,
      statuses: MAIL_STATUSES,
      counts,
      mails: results,
      pager,
      queryString, sortHeader,
      notice: noticeOf(NOTICES, req.query.notice),
    }, listStatus(pager));
  });

  router.post('/:id/retry', async (req, res) => {
    const id = pathId(req, 'No mail matches the given query.');
    try {
      await retryMail(id, adminActor(res));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return res.redirect(303, '/admin/mail/?notice=not_failed');
    }
    res.redirect(303, '/admin/mail/?status=queued&notice=retried');
  });

  return router;
}
