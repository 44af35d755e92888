// The address book: the user's own entries (another user's is not found), at
// most 20 of them even when added at the same moment, each field checked as
// its column allows.
import { db } from '../../src/lib/db';
import { HOME, fillAddressBook } from '../support/addresses';
import { api, signedIn } from '../support/api';
import { holdInTransaction, waitForLockWaiters } from '../support/shop';

type Auth = Record<string, string>;
const BOOK = '/api/users/me/addresses/';

const add = (auth: Auth, body: object = HOME) => api().post(BOOK).set(auth).send(body);

describe('the address book', () => {
  it('adds an entry (201), answering every field with "" for the optional ones left out', async () => {
    const { auth, user } = await signedIn();

    const res = await add(auth).expect(201);

    expect(res.body).toEqual({
      id: expect.any(Number), ...HOME, line2: '', region: '', phone: '', created_at: expect.any(String),
    });
    expect(Object.keys(res.body)).toEqual(['id', 'full_name', 'line1', 'line2', 'city', 'region', 'postal_code', 'country', 'phone', 'created_at']);
    expect(await db().address.count({ where: { userId: user.id } })).toBe(1);
  });

  it('lists my entries oldest first, as a plain list, without anyone else\'s', async () => {
    const me = await signedIn();
    const other = await signedIn();
    const first = (await add(me.auth).expect(201)).body;
    const second = (await add(me.auth, { ...HOME, city: 'Bonn', postal_code: '53111' }).expect(201)).body;
    await add(other.auth).expect(201);

    const res = await api().get(BOOK).set(me.auth).expect(200);

    expect(res.body).toEqual([first, second]);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('reads, changes only the fields given, and deletes an entry', async () => {
    const { auth } = await signedIn();
    const entry = (await add(auth, { ...HOME, phone: '+49 221 1234567' }).expect(201)).body;

    expect((await api().get(`${BOOK}${entry.id}/`).set(auth).expect(200)).body).toEqual(entry);
    const changed = await api().patch(`${BOOK}${entry.id}`).set(auth).send({ city: 'Berlin', postal_code: '10115', line2: 'c/o Meyer' }).expect(200);
    expect(changed.body).toEqual({ ...entry, city: 'Berlin', postal_code: '10115', line2: 'c/o Meyer' });
    expect((await api().patch(`${BOOK}${entry.id}/`).set(auth).send({}).expect(200)).body).toEqual(changed.body);

    await api().delete(`${BOOK}${entry.id}/`).set(auth).expect(204);
    await api().get(`${BOOK}${entry.id}/`).set(auth).expect(404);
    expect((await api().get(BOOK).set(auth).expect(200)).body).toEqual([]);
  });

  it('answers 404 for another user\'s entry on every method, and leaves it as it was', async () => {
    const owner = await signedIn();
    const stranger = await signedIn();
    const entry = (await add(owner.auth).expect(201)).body;

    await api().get(`${BOOK}${entry.id}/`).set(stranger.auth).expect(404);
    await api().patch(`${BOOK}${entry.id}/`).set(stranger.auth).send({ city: 'Elsewhere' }).expect(404);
    await api().delete(`${BOOK}${entry.id}/`).set(stranger.auth).expect(404);
    await api().get(`${BOOK}999999/`).set(owner.auth).expect(404);

    expect((await api().get(`${BOOK}${entry.id}/`).set(owner.auth).expect(200)).body).toEqual(entry);
  });

  it('needs a token', async () => {
    await api().get(BOOK).expect(401);
    await api().post(BOOK).send(HOME).expect(401);
    expect(await db().address.count()).toBe(0);
  });

  it('trims every field before checking and storing it', async () => {
    const { auth } = await signedIn();
    const res = await add(auth, { full_name: '  Erika  ', line1: ' Heidestraße 17 ', city: 'Köln ', postal_code: ' 51147', country: ' DE ', phone: '  ' }).expect(201);
    expect(res.body).toMatchObject({ full_name: 'Erika', line1: 'Heidestraße 17', city: 'Köln', postal_code: '51147', country: 'DE', phone: '' });
  });

  it.each([
    ['a lower-case country', { country: 'de' }, 'country', 'Country codes are upper case: "DE".'],
    ['a country code ISO 3166-1 does not assign', { country: 'XX' }, 'country', '"XX" is not an ISO 3166-1 alpha-2 country code.'],
    ['a three-letter country', { country: 'DEU' }, 'country', 'Enter a two-letter ISO 3166-1 alpha-2 country code, e.g. "DE".'],
    ['a blank name', { full_name: '   ' }, 'full_name', 'This field may not be blank.'],
    ['a name past 100 characters', { full_name: 'x'.repeat(101) }, 'full_name', 'Ensure this field has no more than 100 characters.'],
    ['a postal code past 20 characters', { postal_code: '1'.repeat(21) }, 'postal_code', 'Ensure this field has no more than 20 characters.'],
    ['a phone past 30 characters', { phone: '1'.repeat(31) }, 'phone', 'Ensure this field has no more than 30 characters.'],
    ['a line break in a line', { line1: 'Heidestraße 17\nDrop table' }, 'line1', expect.stringMatching(/^Control characters/)],
    ['an unpaired surrogate', { city: 'K\uD800ln' }, 'city', expect.stringMatching(/unpaired surrogates/)],
    ['a NUL', { city: 'K\u0000ln' }, 'city', 'Null characters are not allowed.'],
    ['a number for a string', { postal_code: 51147 }, 'postal_code', expect.any(String)],
    ['an unknown field', { is_default: true }, 'is_default', expect.any(String)],
    ['a field a client cannot set', { id: 7 }, 'id', expect.any(String)],
  ])('refuses %s with 400 naming the field, and stores nothing', async (_case, change, field, message) => {
    const { auth } = await signedIn();

    const res = await add(auth, { ...HOME, ...change }).expect(400);

    expect(res.body.errors[field]).toEqual([message]);
    expect(await db().address.count()).toBe(0);
  });

  it('refuses a missing required field, and the same rules on PATCH', async () => {
    const { auth } = await signedIn();
    const { city: _city, ...withoutCity } = HOME;
    expect((await add(auth, withoutCity).expect(400)).body.errors.city).toEqual(['This field is required.']);

    const entry = (await add(auth).expect(201)).body;
    const patch = async (body: object) => (await api().patch(`${BOOK}${entry.id}/`).set(auth).send(body).expect(400)).body.errors;
    expect(await patch({ country: 'fr' })).toEqual({ country: ['Country codes are upper case: "FR".'] });
    expect(await patch({ city: '' })).toEqual({ city: ['This field may not be blank.'] });
    expect(await patch({ user_id: 1 })).toHaveProperty('user_id');
    expect((await api().get(`${BOOK}${entry.id}/`).set(auth).expect(200)).body).toEqual(entry);
  });

  it('goes with the account: deleting the user deletes the entries', async () => {
    const { auth, user } = await signedIn();
    await add(auth).expect(201);
    await db().user.delete({ where: { id: user.id } });
    expect(await db().address.count()).toBe(0);
  });
});

describe('the 20-address cap', () => {
  it('answers the 21st with 409 address_limit; after a delete there is room again', async () => {
    const { auth, user } = await signedIn();
    const entries = [];
    for (let i = 0; i < 20; i += 1) entries.push((await add(auth, { ...HOME, line1: `Heidestraße ${i + 1}` }).expect(201)).body);

    const res = await add(auth).expect(409);

    expect(res.type).toBe('application/problem+json');
    expect(res.body).toMatchObject({ status: 409, code: 'address_limit', max_addresses: 20, detail: expect.stringContaining('20 addresses') });
    expect(await db().address.count({ where: { userId: user.id } })).toBe(20);
    await api().delete(`${BOOK}${entries[0].id}/`).set(auth).expect(204);
    await add(auth).expect(201);
  });

  it('is per user', async () => {
    const full = await signedIn();
    await fillAddressBook(full.user.id, 20);
    const other = await signedIn();
    await add(full.auth).expect(409);
    await add(other.auth).expect(201);
  });

  it('holds when entries are added at the same moment', async () => {
    const { auth, user } = await signedIn();
    await fillAddressBook(user.id, 18);
    // Every insert into addresses waits until this lock is gone, while counts
    // do not: without the user's row lock all three would count 18 and insert.
    const inserts = await holdInTransaction((tx) => tx.$executeRaw`LOCK TABLE addresses IN SHARE MODE`);
    // Three at once: with the holder and the lock-waiter query, the tests' pool of five is full.
    const responses = Promise.all([...Array(3)].map(() => add(auth).then((r) => r)));
    await waitForLockWaiters(3);
    await inserts.release();

    expect((await responses).map((r) => r.status).sort()).toEqual([201, 201, 409]);
    expect(await db().address.count({ where: { userId: user.id } })).toBe(20);
  });
});
