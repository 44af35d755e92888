import type { Api } from '../../http/api';
import { idParams } from '../../http/params';
import { addressInput, addressLimitProblem, addressList, addressPatch, addressSchema, MAX_ADDRESSES } from './addresses.schemas';
import * as addresses from './addresses.service';

// Under users/ (the current user's own), documented with the users routes.
const tag = 'users';
const auth = 'user' as const;
const notYours = { description: 'No such address in your address book (another user\'s is not found either)' };

export function registerAddressRoutes(api: Api): void {
  api.route(
    {
      method: 'get', path: '/api/users/me/addresses/', tag, auth, summary: 'My address book',
      description: `Every entry, oldest first; not paginated (at most ${MAX_ADDRESSES}).`,
      responses: { 200: { description: 'My addresses', schema: addressList } },
    },
    async ({ user }) => ({ status: 200, body: await addresses.listAddresses(user.id) }),
  );

  api.route(
    {
      method: 'post', path: '/api/users/me/addresses/', tag, auth, summary: 'Add an address to my address book',
      description: `At most ${MAX_ADDRESSES} per user: the next one is a 409 \`address_limit\` until one is deleted.`,
      body: addressInput,
      responses: {
        201: { description: 'The new entry', schema: addressSchema },
        409: { description: `The address book already holds ${MAX_ADDRESSES} entries`, schema: addressLimitProblem },
      },
    },
    async ({ user, body }) => ({ status: 201, body: await addresses.createAddress(user.id, body) }),
  );

  api.route(
    {
      method: 'get', path: '/api/users/me/addresses/{id}/', tag, auth, summary: 'One entry of my address book', params: idParams,
      responses: { 200: { description: 'The entry', schema: addressSchema }, 404: notYours },
    },
    async ({ user, params }) => ({ status: 200, body: await addresses.getAddress(user.id, params.id) }),
  );

  api.route(
    {
      method: 'patch', path: '/api/users/me/addresses/{id}/', tag, auth, summary: 'Change an entry of my address book',
      description: 'Only the fields given change. Orders placed with this address keep the copy they were placed with.',
      params: idParams, body: addressPatch,
      responses: { 200: { description: 'The changed entry', schema: addressSchema }, 404: notYours },
    },
    async ({ user, params, body }) => ({ status: 200, body: await addresses.updateAddress(user.id, params.id, body) }),
  );

  api.route(
    {
      method: 'delete', path: '/api/users/me/addresses/{id}/', tag, auth, summary: 'Delete an entry of my address book',
      description: 'Orders placed with this address keep the copy they were placed with.',
      params: idParams,
      responses: { 204: { description: 'Deleted' }, 404: notYours },
    },
    async ({ user, params }) => {
      await addresses.deleteAddress(user.id, params.id);
      return { status: 204 };
    },
  );
}
