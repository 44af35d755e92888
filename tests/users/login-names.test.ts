// One login name, one account: a username never equals another account's
// email, and usernames differ by more than letter case. Every way of writing
// users is tried: registration, a user's own email change and the staff API
// (the admin site, create-admin and the raw database have theirs in their own
// suites).
import { db } from '../../src/lib/db';
import { api, buildUser, DEFAULT_PASSWORD, signedIn } from '../support/api';

const register = (username: string, email: string) =>
  api().post('/api/users/register/').send({ username, email, password: DEFAULT_PASSWORD });

const usernames = async () => (await db().user.findMany({ orderBy: { id: 'asc' }, select: { username: true } })).map((u) => u.username);

describe('registration', () => {
  it.each([['Boss'], ['BOSS'], ['bOsS']])('refuses the username %s when boss exists', async (variant) => {
    await buildUser({ username: 'boss' });

    const res = await register(variant, 'someone-else@example.com').expect(400);

    expect(res.body.errors.username).toEqual(['A user with that username already exists.']);
    expect(await usernames()).toEqual(['boss']);
  });

  it('refuses a username that is another account\'s email, in any case', async () => {
    await buildUser({ username: 'victim', email: 'victim@example.com' });

    const res = await register('VICTIM@example.com', 'lookalike@example.com').expect(400);

    expect(res.body.errors.username).toEqual(['A user with that username already exists.']);
    expect(await usernames()).toEqual(['victim']);
  });

  it('refuses an email that is another account\'s username, in any case', async () => {
    await buildUser({ username: 'carol@example.com', email: 'carol-real@example.com' });

    const res = await register('someone', 'Carol@Example.com').expect(400);

    expect(res.body.errors.email).toEqual(['A user with that email already exists.']);
    expect(await usernames()).toEqual(['carol@example.com']);
  });

  it('accepts an account whose username is its own email', async () => {
    await register('dave@example.com', 'Dave@example.com').expect(201);

    expect(await usernames()).toEqual(['dave@example.com']);
  });

  it('of ten racing registrations that each claim the name erin@example.com (as username or as email), creates exactly one', async () => {
    const attempts = Array.from({ length: 10 }, (_, i) =>
      i % 2 ? register('erin@example.com', `erin${i}@example.com`) : register(`erin${i}`, 'erin@example.com'),
    );

    const statuses = (await Promise.all(attempts)).map((res) => res.status);

    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(9);
    expect(await db().user.count()).toBe(1);
  });

  it('frees the names of a deleted account', async () => {
    const gone = await buildUser({ username: 'frank', email: 'frank@example.com' });
    await db().user.delete({ where: { id: gone.id } });

    await register('frank@example.com', 'frank-new@example.com').expect(201);
  });
});

describe('changing names later', () => {
  it('refuses a user\'s new email that is another account\'s username, and keeps the old one', async () => {
    await buildUser({ username: 'gina@example.com', email: 'gina-real@example.com' });
    const { user, auth } = await signedIn();

    const res = await api().patch('/api/users/me/').set(auth).send({ email: 'GINA@example.com' }).expect(400);

    expect(res.body.errors.email).toEqual(['A user with that email already exists.']);
    expect(await db().user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({ email: user.email });
  });

  it('lets a user change their email to a new spelling of their own name, and frees the old email', async () => {
    const { user, auth } = await signedIn({ username: 'hank', email: 'hank@example.com' });

    await api().patch('/api/users/me/').set(auth).send({ email: 'HANK@example.org' }).expect(200);
    await register('hank@example.com', 'another@example.com').expect(201);

    expect(await db().user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({ email: 'HANK@example.org' });
  });

  it.each([
    ['a case-only variant of another username', 'ivy', { username: 'IVY' }, 'username'],
    ['another account\'s email as username', 'ivy', { username: 'ivy@example.com' }, 'username'],
  ])('refuses, through the staff API, %s', async (_case, existing, change, field) => {
    await buildUser({ username: existing, email: `${existing}@example.com` });
    const admin = await signedIn({ isStaff: true });
    const target = await buildUser();

    const res = await api().patch(`/api/users/${target.id}/`).set(admin.auth).send(change).expect(400);

    expect(res.body.errors[field]).toEqual([`A user with that ${field} already exists.`]);
    expect(await db().user.findUniqueOrThrow({ where: { id: target.id } })).toMatchObject({ username: target.username });
  });
});
