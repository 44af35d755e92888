// The admin site as a browser uses it: a cookie-keeping agent, the CSRF token
// read from the page's form, form posts.
import type { RequestListener } from 'node:http';
import request from 'supertest';
import { app } from './api';
import type { TestUser } from './api';

export type Agent = ReturnType<typeof request.agent>;

export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF token on the page');
  return match[1]!;
}

/** Posts a form the way the page's own form would: with the token from `page`. */
export async function submit(agent: Agent, page: string, action: string, fields: Record<string, string> = {}) {
  const token = csrfFrom((await agent.get(page).expect(200)).text);
  return agent.post(action).type('form').send({ ...fields, _csrf: token });
}

/** A fresh browser's attempt at the login form: its answer, and the browser to see what it may open afterwards. */
export async function tryAdminLogin(credentials: { username: string; password: string }, target: RequestListener = app) {
  const agent = request.agent(target);
  const res = await submit(agent, '/admin/login', '/admin/login', { username: credentials.username, password: credentials.password });
  return { agent, res };
}

/** A staff browser logged in to the admin site (of `target`, an app of the test's own, or the shared one). */
export async function adminAgent(user: TestUser, target: RequestListener = app): Promise<Agent> {
  const { agent, res } = await tryAdminLogin(user, target);
  if (res.status !== 303) throw new Error(`admin login failed: ${res.status} ${res.text.slice(0, 300)}`);
  return agent;
}
