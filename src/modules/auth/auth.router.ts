import type { Api } from '../../http/api';
import { authRateLimiter } from '../../http/rate-limit';
import type { AuthThrottles } from '../../lib/throttle';
import { registerBody, registeredUser } from '../users/users.schemas';
import { registerUser } from '../users/users.service';
import { emptyObject, loginBody, refreshBody, tokenPair, verifyBody } from './auth.schemas';
import * as auth from './auth.service';

const tag = 'auth';

const throttled = { description: 'Too many attempts' };

export function registerAuthRoutes(api: Api, throttles: AuthThrottles): void {
  const rateLimit = authRateLimiter(throttles.perIp);
  api.route(
    {
      method: 'post', path: '/api/users/register/', tag, summary: 'Create an account',
      body: registerBody, middleware: [rateLimit],
      responses: { 201: { description: 'The new user', schema: registeredUser }, 429: throttled },
    },
    async ({ body }) => ({ status: 201, body: await registerUser(body) }),
  );

  api.route(
    {
      method: 'post', path: '/api/token/', tag, summary: 'Log in: obtain an access and a refresh token',
      description: 'Limited per client IP, and failed logins per account (from any IP) within AUTH_FAILURE_WINDOW_SECONDS.',
      body: loginBody, middleware: [rateLimit],
      responses: { 200: { description: 'A token pair', schema: tokenPair }, 401: { description: 'Bad credentials' }, 429: throttled },
    },
    async ({ body }) => ({ status: 200, body: await auth.login(body.username, body.password, throttles.loginFailures) }),
  );

  api.route(
    {
      method: 'post', path: '/api/token/refresh/', tag, summary: 'Rotate a refresh token into a new pair',
      description: 'The presented refresh token dies. Presenting it again revokes every token of that login.',
      body: refreshBody, middleware: [rateLimit],
      responses: { 200: { description: 'A new token pair', schema: tokenPair }, 401: { description: 'Invalid, expired or reused token' }, 429: throttled },
    },
    async ({ body }) => ({ status: 200, body: await auth.refresh(body.refresh) }),
  );

  api.route(
    {
      method: 'post', path: '/api/token/verify/', tag, summary: 'Check that a token is valid',
      body: verifyBody, middleware: [rateLimit],
      responses: { 200: { description: 'The token is valid', schema: emptyObject }, 401: { description: 'The token is not valid' }, 429: throttled },
    },
    async ({ body }) => {
      await auth.verify(body.token);
      return { status: 200, body: {} };
    },
  );

  api.route(
    {
      method: 'post', path: '/api/token/blacklist/', tag, summary: 'Log out: kill a refresh token',
      body: refreshBody, middleware: [rateLimit],
      responses: { 200: { description: 'The refresh token is dead', schema: emptyObject }, 401: { description: 'The token is not valid' }, 429: throttled },
    },
    async ({ body }) => {
      await auth.blacklist(body.refresh);
      return { status: 200, body: {} };
    },
  );
}
