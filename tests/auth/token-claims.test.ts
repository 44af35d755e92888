// Tokens whose claims are missing, out of range or from the future are refused
// like any invalid token (401 token_not_valid), never a 500.
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { config } from '../../src/config';
import { api, signedIn } from '../support/api';

type Claims = Record<string, unknown>;

function sign(claims: Claims, options: { header?: Claims; iat?: boolean } = {}): string {
  return jwt.sign(claims, config.auth.jwtSecret, {
    algorithm: 'HS256',
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    noTimestamp: options.iat === false,
    header: { alg: 'HS256', typ: 'JWT', ...options.header },
  });
}

describe('access token claims', () => {
  it('are refused when missing, malformed, out of range or issued in the future', async () => {
    const { user, tokens } = await signedIn();
    const valid = jwt.decode(tokens.access) as Claims;
    const now = Math.floor(Date.now() / 1000);
    const base = { token_type: 'access', user_id: user.id, jti: randomUUID(), sid: valid.sid, ver: valid.ver, exp: now + 300 };
    const { exp: _exp, ...withoutExp } = base;

    // The same claims, properly signed, are accepted: each case below differs by one thing.
    await api().get('/api/users/me/').set('Authorization', `Bearer ${sign(base)}`).expect(200);

    const refused = {
      'no exp': sign(withoutExp),
      'no iat': sign(base, { iat: false }),
      'iat an hour ahead': sign({ ...base, iat: now + 3_600 }),
      'an unknown crit header': sign(base, { header: { crit: ['x-shop-extension'], 'x-shop-extension': 1 } }),
      'user_id 2^40': sign({ ...base, user_id: 2 ** 40 }),
      'user_id 0': sign({ ...base, user_id: 0 }),
      'user_id as a string': sign({ ...base, user_id: String(user.id) }),
      'no session id': sign({ ...base, sid: undefined }),
      'a session id that is no uuid': sign({ ...base, sid: "x' OR 1=1" }),
      'no token version': sign({ ...base, ver: undefined }),
      'a token version from another time': sign({ ...base, ver: Number(valid.ver) + 1 }),
    };
    for (const [name, token] of Object.entries(refused)) {
      const res = await api().get('/api/users/me/').set('Authorization', `Bearer ${token}`);
      expect({ name, status: res.status, code: res.body.code }).toEqual({ name, status: 401, code: 'token_not_valid' });
      const verify = await api().post('/api/token/verify/').send({ token });
      expect({ name, status: verify.status }).toEqual({ name, status: 401 });
    }
  });

  it('allow a little clock skew between servers in iat', async () => {
    const { tokens } = await signedIn();
    const { token_type, user_id, jti, sid, ver, exp } = jwt.decode(tokens.access) as Claims;
    const token = sign({ token_type, user_id, jti, sid, ver, exp, iat: Math.floor(Date.now() / 1000) + 5 });
    await api().get('/api/users/me/').set('Authorization', `Bearer ${token}`).expect(200);
  });
});
