// One address, three uses: the address book's entries, the `shipping_address`
// given at order creation and checkout, and the copy every order answers.
// The fields and their checks are declared once here; the request and answer
// shapes below are built from them.
import { z } from 'zod';
import { problemSchema } from '../../http/problem';
import { COUNTRY_CODES } from './countries';

export const MAX_ADDRESSES = 20;

// Each is a single line on a parcel label: control characters (a line break,
// a tab) have no place there, and an unpaired surrogate is no text at all
// (PostgreSQL's JSON refuses it). NULs are refused earlier, with every input.
// A refinement, not a documented `pattern`: \p{...} needs the u flag, which a
// JSON Schema pattern cannot carry, and clients would read it wrongly.
const PLAIN_TEXT = /^[^\p{Cc}\p{Cs}]*$/u;
const PLAIN_TEXT_MESSAGE = 'Control characters (such as line breaks) and unpaired surrogates are not allowed.';

/** Trimmed; at most `max` characters, the column's length. */
const optionalText = (max: number) =>
  z.string().trim().max(max, `Ensure this field has no more than ${max} characters.`).refine((text) => PLAIN_TEXT.test(text), PLAIN_TEXT_MESSAGE);
const requiredText = (max: number) => optionalText(max).min(1, 'This field may not be blank.');

const ALPHA_2 = /^[A-Z]{2}$/;

/**
 * Upper case only, as the contract says: a lower-case "de" is refused with the
 * code to send instead, rather than quietly rewritten, so that what a client
 * sends is what it reads back. Codes ISO 3166-1 does not assign are refused too.
 */
const countryField = z
  .string()
  .trim()
  .regex(ALPHA_2, {
    abort: true,
    error: (issue) => {
      const input = String(issue.input).trim();
      return /^[A-Za-z]{2}$/.test(input)
        ? `Country codes are upper case: "${input.toUpperCase()}".`
        : 'Enter a two-letter ISO 3166-1 alpha-2 country code, e.g. "DE".';
    },
  })
  .refine((code) => COUNTRY_CODES.has(code), { error: (issue) => `"${String(issue.input)}" is not an ISO 3166-1 alpha-2 country code.` })
  .meta({ description: 'ISO 3166-1 alpha-2, upper case', example: 'DE' });

const fields = {
  full_name: requiredText(100).meta({ example: 'Erika Mustermann' }),
  line1: requiredText(200).meta({ description: 'Street and number', example: 'Heidestraße 17' }),
  line2: optionalText(200).meta({ description: 'Apartment, floor, c/o...', example: '3rd floor' }),
  city: requiredText(100).meta({ example: 'Köln' }),
  region: optionalText(100).meta({ description: 'State, province or county, where the country uses one', example: 'NRW' }),
  postal_code: requiredText(20).meta({ example: '51147' }),
  country: countryField,
  phone: optionalText(30).meta({ description: 'For the carrier', example: '+49 221 1234567' }),
};

/** The documents' example address (a request's, an order's, an entry's). */
export const ADDRESS_EXAMPLE = {
  full_name: 'Erika Mustermann', line1: 'Heidestraße 17', line2: '3rd floor', city: 'Köln',
  region: 'NRW', postal_code: '51147', country: 'DE', phone: '+49 221 1234567',
};

/** A whole address as a client sends it: line2, region and phone may be left out (stored as ""). */
export const addressInput = z
  .strictObject({
    ...fields,
    line2: fields.line2.default(''),
    region: fields.region.default(''),
    phone: fields.phone.default(''),
  })
  .meta({
    id: 'ShippingAddressInput',
    description: 'full_name, line1, city, postal_code and country are required; line2, region and phone may be left out. Strings are trimmed.',
    example: ADDRESS_EXAMPLE,
  });

/** PATCH of an address book entry: only the fields given change. */
export const addressPatch = z
  .strictObject(Object.fromEntries(Object.entries(fields).map(([key, field]) => [key, field.optional()])) as {
    [K in keyof typeof fields]: z.ZodOptional<(typeof fields)[K]>;
  })
  .meta({ id: 'AddressUpdateRequest', description: 'Only the fields given change; the same rules as on create.', example: { city: 'Berlin', postal_code: '10115' } });

/** The address as answered, on an order (its snapshot) and in the address book: every field, "" where none was given. */
export const shippingAddressSchema = z
  .strictObject({
    full_name: z.string(),
    line1: z.string(),
    line2: z.string().meta({ description: '"" when none was given' }),
    city: z.string(),
    region: z.string().meta({ description: '"" when none was given' }),
    postal_code: z.string(),
    country: z.string().regex(ALPHA_2).meta({ description: 'ISO 3166-1 alpha-2, upper case' }),
    phone: z.string().meta({ description: '"" when none was given' }),
  })
  .meta({ id: 'ShippingAddress', example: ADDRESS_EXAMPLE });

export const addressSchema = z
  .strictObject({ id: z.number().int(), ...shippingAddressSchema.shape, created_at: z.iso.datetime() })
  .meta({ id: 'Address', example: { id: 1, ...ADDRESS_EXAMPLE, created_at: '2026-12-02T10:00:00.000Z' } });

export const addressList = z.array(addressSchema).meta({ description: `Your address book, oldest first (at most ${MAX_ADDRESSES} entries)` });

export const addressIdField = z
  .number()
  .int('A valid integer is required.')
  .min(1)
  .max(2_147_483_647)
  .meta({ description: 'An entry of your address book, copied onto the order', example: 1 });

export const addressLimitProblem = problemSchema
  .extend({ code: z.literal('address_limit'), max_addresses: z.number().int() })
  .meta({
    id: 'AddressLimitProblem',
    description: `The address book already holds ${MAX_ADDRESSES} entries; delete one first`,
    example: {
      type: 'about:blank', title: 'Conflict', status: 409, code: 'address_limit', max_addresses: MAX_ADDRESSES,
      detail: `Your address book is full (${MAX_ADDRESSES} addresses); delete one before adding another.`,
    },
  });

export type AddressInput = z.output<typeof addressInput>;
export type AddressPatch = z.output<typeof addressPatch>;
/** What an order keeps: every field, "" for those not given. */
export type ShippingAddress = z.output<typeof shippingAddressSchema>;
