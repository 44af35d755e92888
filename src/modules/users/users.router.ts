import type { Api } from '../../http/api';
import type { Throttle } from '../../lib/throttle';
import { pageQuery, pageRequest, paginate } from '../../http/pagination';
import { idParams } from '../../http/params';
import { adminUpdateUserBody, adminUserSchema, updateMeBody, userPage, userSchema } from './users.schemas';
import * as users from './users.service';
import { apiActor } from '../audit/audit.service';

const tag = 'users';

/** `passwordChecks` budgets the current_password checks of each user. */
export function registerUserRoutes(api: Api, passwordChecks: Throttle): void {
  api.route(
    {
      method: 'get', path: '/api/users/me/', tag, auth: 'user', summary: 'The current user',
      description: '`is_superuser` is there for staff only.',
      responses: { 200: { description: 'The current user', schema: userSchema } },
    },
    async ({ user }) => ({ status: 200, body: users.toUser(await users.getUser(user.id)) }),
  );

  api.route(
    {
      method: 'patch', path: '/api/users/me/', tag, auth: 'user', summary: 'Change my email or password',
      description: 'A password change needs `current_password` and ends every session, this one included: refresh tokens stop working, so log in again. '
        + 'Wrong `current_password` guesses are limited per user (CURRENT_PASSWORD_ATTEMPTS per AUTH_FAILURE_WINDOW_SECONDS); past that, 429.',
      body: updateMeBody,
      responses: { 200: { description: 'The updated user', schema: userSchema }, 429: { description: 'Too many current_password attempts' } },
    },
    async ({ user, body }) => ({ status: 200, body: users.toUser(await users.updateMe(user.id, body, passwordChecks)) }),
  );

  api.route(
    {
      method: 'get', path: '/api/users/', tag, auth: 'staff', summary: 'List users (admin)',
      query: pageQuery,
      responses: { 200: { description: 'A page of users', schema: userPage } },
    },
    async ({ req, query }) => ({ status: 200, body: paginate(req, query, await users.listUsers(pageRequest(query))) }),
  );

  api.route(
    {
      method: 'get', path: '/api/users/{id}/', tag, auth: 'staff', summary: 'One user (admin)',
      params: idParams,
      responses: { 200: { description: 'The user', schema: adminUserSchema } },
    },
    async ({ params }) => ({ status: 200, body: users.toAdminUser(await users.getUser(params.id)) }),
  );

  api.route(
    {
      method: 'patch', path: '/api/users/{id}/', tag, auth: 'staff', summary: 'Change a user (admin)',
      description: 'Deactivating a user ends their sessions at once. Staff cannot remove their own staff or superuser status or deactivate themselves (400). '
        + 'Only a superuser may grant or remove `is_staff` or `is_superuser`, change whether a staff account is active, or change another staff member\'s email (403). '
        + 'A superuser is always staff: removing `is_staff` removes `is_superuser` too, and `is_superuser` without staff is a 400. '
        + 'Every change is written to the change log.',
      params: idParams, body: adminUpdateUserBody,
      responses: { 200: { description: 'The updated user', schema: adminUserSchema }, 403: { description: 'Not staff, or a change only a superuser may make' } },
    },
    async ({ params, body, user }) => ({ status: 200, body: users.toAdminUser(await users.adminUpdateUser(params.id, body, apiActor(user))) }),
  );

  api.route(
    {
      method: 'delete', path: '/api/users/{id}/', tag, auth: 'staff', summary: 'Delete a user (admin)',
      description: "The user's orders stay, as history, without an owner. Staff cannot delete themselves (400); only a superuser may delete a staff account (403). "
        + 'The deletion is written to the change log.',
      params: idParams,
      responses: { 204: { description: 'Deleted' }, 403: { description: 'Not staff, or a staff account and not a superuser' } },
    },
    async ({ params, user }) => {
      await users.deleteUser(params.id, apiActor(user));
      return { status: 204 };
    },
  );
}
