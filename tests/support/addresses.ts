// Factories for shipping addresses: the body a client sends, and address book
// entries written directly when they are setup rather than the API under test.
import { db } from '../../src/lib/db';

/** A valid `shipping_address` (and address book body) with the optional fields left out. */
export const HOME = { full_name: 'Erika Mustermann', line1: 'Heidestraße 17', city: 'Köln', postal_code: '51147', country: 'DE' };

/** HOME as the API answers it: the optional fields as "". */
export const HOME_AS_ANSWERED = { ...HOME, line2: '', region: '', phone: '' };

export function buildAddress(userId: number, overrides: Partial<{ fullName: string; line1: string; city: string; postalCode: string; country: string }> = {}) {
  return db().address.create({
    data: { userId, fullName: 'Max Muster', line1: 'Hauptstraße 1', city: 'Berlin', postalCode: '10115', country: 'DE', ...overrides },
  });
}

/** `count` entries for this user at once. */
export function fillAddressBook(userId: number, count: number) {
  return db().address.createMany({ data: [...Array(count)].map((_, i) => ({ userId, fullName: 'Max Muster', line1: `Hauptstraße ${i + 1}`, city: 'Berlin', postalCode: '10115', country: 'DE' })) });
}
