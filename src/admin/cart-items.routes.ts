// Cart items in the admin site: every cart, read-only, filtered by owner, with
// a button to remove a line. Removal goes through the cart service: under the
// owner's cart lock, and logged.
import { Router } from 'express';
import { listCartItems, staffRemoveCartLine } from '../modules/cart/cart.service';
import { adminActor, pathId, textField } from './form-input';
import { noticeOf, pageNumber, pageRequestOf, pagerOf } from './list-page';
import { queryString, render } from './render';

const NOTICES = { removed: 'The cart line was removed.' };

/** `?user=` is an id; anything else in it names no user, so the list is empty rather than unfiltered. */
function userIdFilter(raw: string): number | undefined {
  if (!raw) return undefined;
  return /^\d{1,10}$/.test(raw) && Number(raw) <= 2_147_483_647 ? Number(raw) : 0;
}

export function cartItemsSection(): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const user = textField(req.query.user).trim();
    const username = textField(req.query.username).trim().slice(0, 150);
    const page = pageNumber(req.query.page);
    const { count, results } = await listCartItems({ userId: userIdFilter(user), username: username || undefined }, pageRequestOf(page));
    render(res, 'cart-items/list', {
      title: 'Cart items',
      user,
      username,
      lines: results,
      pager: pagerOf(page, count),
      queryString,
      notice: noticeOf(NOTICES, req.query.notice),
    });
  });

  router.post('/:id/delete', async (req, res) => {
    const { userId } = await staffRemoveCartLine(pathId(req, 'No cart line matches the given query.'), adminActor(res));
    res.redirect(303, `/admin/cart-items/?user=${userId}&notice=removed`);
  });

  return router;
}

