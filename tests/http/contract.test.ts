// The checker that every API test relies on must itself catch what it claims to.
import { contractProblems } from '../support/contract';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const product = { id: 1, name: 'Mug', description: '', price: '4.00', stock: 1, image: null, category_id: null, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' };
const observe = (over: Partial<Parameters<typeof contractProblems>[0]>) =>
  contractProblems({ method: 'GET', url: '/api/products/1/', status: 200, contentType: 'application/json; charset=utf-8', body: json(product), ...over });

describe('the OpenAPI response check', () => {
  it('accepts a documented response', () => {
    expect(observe({})).toEqual([]);
    expect(observe({ url: '/api/products/1' })).toEqual([]);
  });

  it('flags an undocumented status', () => {
    expect(observe({ status: 418 })[0]).toMatch(/status 418 is not documented/);
  });

  it('flags an undocumented field and a wrong type', () => {
    expect(observe({ body: json({ ...product, secret: 'x' }) })[0]).toMatch(/does not match/);
    expect(observe({ body: json({ ...product, price: 4 }) })[0]).toMatch(/does not match/);
  });

  it('flags an undocumented content type and an unknown path', () => {
    expect(observe({ contentType: 'text/html' })[0]).toMatch(/content type "text\/html" not documented/);
    expect(observe({ url: '/api/secret/', status: 200 })[0]).toMatch(/no documented path/);
  });

  it('flags a body on a response documented without one', () => {
    expect(observe({ method: 'DELETE', status: 204, body: json({}) })[0]).toMatch(/without a body/);
  });
});
