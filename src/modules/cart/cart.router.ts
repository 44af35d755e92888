import type { Api } from '../../http/api';
import { baseUrl } from '../../http/base-url';
import { idParams } from '../../http/params';
import { addToCartBody, cartLineSchema, cartSchema, cartSummarySchema, setQuantityBody } from './cart.schemas';
import * as cart from './cart.service';

const tag = 'cart';
const auth = 'user' as const;
const lineResponse = { 200: { description: 'The cart line', schema: cartLineSchema } };

export function registerCartRoutes(api: Api): void {
  api.route(
    {
      method: 'get', path: '/api/cart/summary/', tag, auth, summary: 'Count and cost of my cart',
      responses: { 200: { description: 'The summary', schema: cartSummarySchema } },
    },
    async ({ user }) => ({ status: 200, body: await cart.cartSummary(user.id) }),
  );

  api.route(
    {
      method: 'get', path: '/api/cart/', tag, auth, summary: 'My cart',
      responses: { 200: { description: 'The lines of my cart', schema: cartSchema } },
    },
    async ({ req, user }) => {
      const base = baseUrl(req);
      return { status: 200, body: (await cart.listCart(user.id)).map((line) => cart.toCartLine(line, base)) };
    },
  );

  api.route(
    {
      method: 'post', path: '/api/cart/', tag, auth, summary: 'Add a product to my cart',
      description: 'Adding a product already in the cart raises the quantity of its line.',
      body: addToCartBody,
      responses: { 201: { description: 'The line', schema: cartLineSchema } },
    },
    async ({ req, user, body }) => ({ status: 201, body: cart.toCartLine(await cart.addToCart(user.id, body), baseUrl(req)) }),
  );

  api.route(
    { method: 'get', path: '/api/cart/{id}/', tag, auth, summary: 'One line of my cart', params: idParams, responses: lineResponse },
    async ({ req, user, params }) => ({ status: 200, body: cart.toCartLine(await cart.getCartLine(user.id, params.id), baseUrl(req)) }),
  );

  for (const method of ['put', 'patch'] as const) {
    api.route(
      {
        method, path: '/api/cart/{id}/', tag, auth, summary: 'Set the quantity of a line',
        params: idParams, body: setQuantityBody, responses: lineResponse,
      },
      async ({ req, user, params, body }) => ({
        status: 200,
        body: cart.toCartLine(await cart.setCartLineQuantity(user.id, params.id, body.quantity), baseUrl(req)),
      }),
    );
  }

  api.route(
    {
      method: 'delete', path: '/api/cart/{id}/', tag, auth, summary: 'Remove a line from my cart', params: idParams,
      responses: { 204: { description: 'Removed' } },
    },
    async ({ user, params }) => {
      await cart.removeCartLine(user.id, params.id);
      return { status: 204 };
    },
  );
}
