// Cart items in the admin site: every cart, read-only, filtered by owner, with
// a button to remove a line. Removal goes through the cart service: under the
// owner's cart lock, and logged.
import { Router } from 'express';
import { CART_LINE_SORTS, listCartItems, staffRemoveCartLine, type CartLineSort } from '../modules/cart/cart.service';
import { adminActor, idFilter, pathId, textField } from './form-input';
import { listStatus, noticeOf, pageNumber, pageRequestOf, pagerOf } from './list-page';
import { queryString, render, sortHeader } from './render';

const NOTICES = { removed: 'The cart line was removed.' };

export function cartItemsSection(): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const user = textField(req.query.user).trim();
    const username = textField(req.query.username).trim().slice(0, 150);
    const page = pageNumber(req.query.page);
    const rawSort = textField(req.query.sort);
    const sort = (CART_LINE_SORTS as readonly string[]).includes(rawSort) ? (rawSort as CartLineSort) : 'user';
    const { count, results } = await listCartItems({ userId: idFilter(user), username: username || undefined }, pageRequestOf(page), undefined, sort);
    const pager = pagerOf(page, count);
    render(res, 'cart-items/list', {
      title: 'Cart items',
      user,
      username,
      sort,
      lines: results,
      pager,
      queryString, sortHeader,
      notice: noticeOf(NOTICES, req.query.notice),
    }, listStatus(pager));
  });

  router.post('/:id/delete', async (req, res) => {
    const { userId } = await staffRemoveCartLine(pathId(req, 'No cart line matches the given query.'), adminActor(res));
    res.redirect(303, `/admin/cart-items/?user=${userId}&notice=removed`);
  });

  return router;
}

