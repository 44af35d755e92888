// Whatever a client sends to the admin site, the answer is an HTML page with a
// 4xx status, never a 500: odd cookies, bodies that are not well-formed forms.
import request from 'supertest';
import { app, buildUser } from '../support/api';
import { adminAgent, csrfFrom } from '../support/admin';

describe('admin cookies that are not plain strings', () => {
  // cookie-parser turns a `j:` value into parsed JSON: an object, a number, an array.
  const odd = ['j:{"a":1}', 'j:123', 'j:["x"]', 'j:null'];

  it.each(odd)('a session cookie %s counts as no session (login page, then redirect), never a 500', async (value) => {
    const login = await request(app).get('/admin/login').set('Cookie', `shop_admin_session=${value}`);
    expect(login.status).toBe(200);
    expect(login.text).toContain('Log in');
    const dashboard = await request(app).get('/admin/').set('Cookie', `shop_admin_session=${value}`);
    expect(dashboard.status).toBe(303);
    expect(dashboard.headers.location).toBe('/admin/login?next=%2Fadmin%2F');
  });

  it('a browser-id cookie that is JSON is replaced by a fresh one, and the login form still works', async () => {
    const staff = await buildUser({ isStaff: true });
    const agent = request.agent(app);
    const page = await agent.get('/admin/login').set('Cookie', 'shop_admin_browser=j:{"a":1}').expect(200);
    const browser = (page.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('shop_admin_browser='));
    expect(browser).toBeDefined();
    expect(browser).not.toMatch(/^shop_admin_browser=j%3A/);
    const res = await agent.post('/admin/login').type('form').send({ username: staff.username, password: staff.password, _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
  });
});

describe('admin forms that are not well-formed', () => {
  it.each([
    ['multipart without a boundary', 'multipart/form-data', 'garbage'],
    ['multipart that ends early', 'multipart/form-data; boundary=XX', '--XX\r\nContent-Disposition: form-data; name="name"\r\n\r\nvalue'],
    ['multipart with a malformed part header', 'multipart/form-data; boundary=XX', '--XX\r\nnot a header\r\n\r\nvalue\r\n--XX--\r\n'],
  ])('%s is a 400 page, not a 500', async (_label, contentType, body) => {
    const staff = await buildUser({ isStaff: true });
    const agent = await adminAgent(staff);
    const res = await agent.post('/admin/products/new').set('Content-Type', contentType).send(body);
    expect(res.status).toBe(400);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain('could not be read');
    expect(res.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });

  it('a missing static file is a "Not found" page', async () => {
    const res = await request(app).get('/admin/static/nope.css').expect(404);
    expect(res.text).toContain('<h1>Not found</h1>');
  });
});
