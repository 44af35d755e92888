import jwt from 'jsonwebtoken';
import { db } from '../../src/lib/db';
import { api, buildUser, DEFAULT_PASSWORD, login, signedIn } from '../support/api';
import { signWith, tamper, unsignedToken } from '../support/jwt';

const INVALID = 'Given token not valid for any token type';

describe('POST /api/token/ (login)', () => {
  it('returns an access and a refresh token with the SimpleJWT claims', async () => {
    const user = await buildUser();
    const res = await api().post('/api/token/').send({ username: user.username, password: DEFAULT_PASSWORD }).expect(200);

    const access = jwt.decode(res.body.access) as jwt.JwtPayload;
    const refresh = jwt.decode(res.body.refresh) as jwt.JwtPayload;
    expect(access).toMatchObject({ token_type: 'access', user_id: user.id });
    expect(refresh).toMatchObject({ token_type: 'refresh', user_id: user.id });
    expect(access.exp! - access.iat!).toBe(300);
    expect(refresh.exp! - refresh.iat!).toBe(86_400);
    expect(access.jti).not.toEqual(refresh.jti);
    expect(jwt.decode(res.body.access, { complete: true })?.header.alg).toBe('HS256');
  });

  it('accepts the email, in any case, in place of the username', async () => {
    const user = await buildUser({ email: 'Mixed.Case@Example.com' });
    await api().post('/api/token/').send({ username: 'mixed.case@EXAMPLE.COM', password: user.password }).expect(200);
  });

  it('accepts the username in any case: no other account can have it in another', async () => {
    const user = await buildUser({ username: 'Alice' });
    const res = await api().post('/api/token/').send({ username: 'aLICE', password: user.password }).expect(200);
    expect((jwt.decode(res.body.access) as jwt.JwtPayload).user_id).toBe(user.id);
  });

  it('never matches a password past bcrypt\'s 72 bytes, though bcrypt would read only the first 72', async () => {
    const password = 'p'.repeat(70) + 'é'; // 72 bytes in UTF-8, the most a password may have
    const user = await buildUser({ password });
    await api().post('/api/token/').send({ username: user.username, password }).expect(200);

    for (const longer of [`${password}x`, `${password}-anything-at-all`, `${'p'.repeat(70)}éé`]) {
      const res = await api().post('/api/token/').send({ username: user.username, password: longer }).expect(401);
      expect(res.body.detail).toBe('No active account found with the given credentials');
    }
  });

  it('answers 401 with DRF detail for a wrong password, an unknown user, or an inactive account', async () => {
    const user = await buildUser();
    const inactive = await buildUser({ isActive: false });
    for (const body of [
      { username: user.username, password: 'wrong-password' },
      { username: 'nobody-here', password: DEFAULT_PASSWORD },
      { username: inactive.username, password: inactive.password },
    ]) {
      const res = await api().post('/api/token/').send(body).expect(401);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.detail).toBe('No active account found with the given credentials');
    }
  });

  it('answers 400 naming the missing fields', async () => {
    const res = await api().post('/api/token/').send({}).expect(400);
    expect(Object.keys(res.body.errors).sort()).toEqual(['password', 'username']);
  });

  it('never stores refresh tokens in plain text', async () => {
    const user = await buildUser();
    const { refresh } = await login(user);
    const rows = await db().$queryRaw<{ row: string }[]>`SELECT row_to_json(r)::text AS row FROM refresh_tokens r`;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.row).not.toContain(refresh);
    expect(rows[0]!.row).not.toContain(refresh.split('.')[2]);
  });
});

describe('Bearer authentication', () => {
  const me = (token: string) => api().get('/api/users/me/').set('Authorization', `Bearer ${token}`);

  it('lets a valid access token in', async () => {
    const { tokens, user } = await signedIn();
    const res = await me(tokens.access).expect(200);
    expect(res.body.username).toBe(user.username);
  });

  it('answers 401 without a token, with a malformed header, or with garbage', async () => {
    expect((await api().get('/api/users/me/').expect(401)).body.detail).toBe('Authentication credentials were not provided.');
    await api().get('/api/users/me/').set('Authorization', 'Token abc').expect(401);
    const res = await me('not-a-jwt').expect(401);
    expect(res.body).toMatchObject({ detail: INVALID, code: 'token_not_valid' });
  });

  it('refuses expired, tampered, unsigned and foreign-key tokens', async () => {
    const { user, tokens } = await signedIn();
    const claims = { token_type: 'access', user_id: user.id };
    const refused = [
      signWith(claims, { expiresIn: -10 }),
      tamper(tokens.access, { user_id: user.id + 1 }),
      unsignedToken(claims),
      signWith(claims, { secret: 'another-secret-another-secret-another' }),
      jwt.sign({ ...claims, jti: 'x' }, 'test-secret-that-is-long-enough-for-hs256-signing', { algorithm: 'HS512', expiresIn: 300, issuer: 'shop-api', audience: 'shop-api' }),
      jwt.sign({ ...claims, jti: 'x' }, 'test-secret-that-is-long-enough-for-hs256-signing', { algorithm: 'HS256', expiresIn: 300, issuer: 'someone-else', audience: 'shop-api' }),
      jwt.sign({ ...claims, jti: 'x' }, 'test-secret-that-is-long-enough-for-hs256-signing', { algorithm: 'HS256', expiresIn: 300, issuer: 'shop-api', audience: 'another-app' }),
    ];
    for (const token of refused) {
      const res = await me(token).expect(401);
      expect(res.body.code).toBe('token_not_valid');
    }
  });

  it('refuses a refresh token used as an access token', async () => {
    const { tokens } = await signedIn();
    await me(tokens.refresh).expect(401);
  });

  it('locks out a user who is deactivated or deleted, even with a live token', async () => {
    const deactivated = await signedIn();
    const deleted = await signedIn();
    await db().user.update({ where: { id: deactivated.user.id }, data: { isActive: false } });
    await db().user.delete({ where: { id: deleted.user.id } });
    await me(deactivated.tokens.access).expect(401);
    await me(deleted.tokens.access).expect(401);
  });
});

describe('POST /api/token/refresh/', () => {
  it('rotates: answers a new pair and the used refresh token is dead', async () => {
    const { tokens } = await signedIn();
    const res = await api().post('/api/token/refresh/').send({ refresh: tokens.refresh }).expect(200);
    expect(res.body.access).toEqual(expect.any(String));
    expect(res.body.refresh).not.toEqual(tokens.refresh);
    await api().get('/api/users/me/').set('Authorization', `Bearer ${res.body.access}`).expect(200);
  });

  it('treats reuse of a spent token as theft and revokes the whole login family', async () => {
    const { tokens, user } = await signedIn();
    const otherSession = await login(user);
    const rotated = (await api().post('/api/token/refresh/').send({ refresh: tokens.refresh }).expect(200)).body;

    const reuse = await api().post('/api/token/refresh/').send({ refresh: tokens.refresh }).expect(401);
    expect(reuse.body.detail).toBe(INVALID);

    // The thief's copy and the legitimate descendant are both dead now...
    await api().post('/api/token/refresh/').send({ refresh: rotated.refresh }).expect(401);
    // ...but a separate login of the same user is untouched.
    await api().post('/api/token/refresh/').send({ refresh: otherSession.refresh }).expect(200);
  });

  it('of two concurrent refreshes with one token, exactly one succeeds', async () => {
    const { tokens } = await signedIn();
    const results = await Promise.all([1, 2, 3].map(() => api().post('/api/token/refresh/').send({ refresh: tokens.refresh })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401]);
  });

  it('refuses an access token, an expired token and a token it never issued', async () => {
    const { tokens, user } = await signedIn();
    await api().post('/api/token/refresh/').send({ refresh: tokens.access }).expect(401);
    await api().post('/api/token/refresh/').send({ refresh: signWith({ token_type: 'refresh', user_id: user.id }, { expiresIn: -5 }) }).expect(401);
    await api().post('/api/token/refresh/').send({ refresh: signWith({ token_type: 'refresh', user_id: user.id }) }).expect(401);
  });

  it('refuses the refresh token of a deactivated user', async () => {
    const { tokens, user } = await signedIn();
    await db().user.update({ where: { id: user.id }, data: { isActive: false } });
    await api().post('/api/token/refresh/').send({ refresh: tokens.refresh }).expect(401);
  });
});

describe('POST /api/token/verify/', () => {
  it('answers 200 {} for a valid access or refresh token and 401 otherwise', async () => {
    const { tokens } = await signedIn();
    expect((await api().post('/api/token/verify/').send({ token: tokens.access }).expect(200)).body).toEqual({});
    await api().post('/api/token/verify/').send({ token: tokens.refresh }).expect(200);
    await api().post('/api/token/verify/').send({ token: tamper(tokens.access, { user_id: 999 }) }).expect(401);
  });

  it('answers 401 for a refresh token that was logged out', async () => {
    const { tokens } = await signedIn();
    await api().post('/api/token/blacklist/').send({ refresh: tokens.refresh }).expect(200);
    await api().post('/api/token/verify/').send({ token: tokens.refresh }).expect(401);
  });
});

describe('POST /api/token/blacklist/ (logout)', () => {
  it('kills the refresh token: it can no longer be refreshed, nor logged out twice', async () => {
    const { tokens } = await signedIn();
    expect((await api().post('/api/token/blacklist/').send({ refresh: tokens.refresh }).expect(200)).body).toEqual({});
    await api().post('/api/token/refresh/').send({ refresh: tokens.refresh }).expect(401);
    await api().post('/api/token/blacklist/').send({ refresh: tokens.refresh }).expect(401);
  });

  it('refuses an access token', async () => {
    const { tokens } = await signedIn();
    await api().post('/api/token/blacklist/').send({ refresh: tokens.access }).expect(401);
  });
});
