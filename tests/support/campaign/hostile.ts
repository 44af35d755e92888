// The "invalid" half: values of the wrong type, boundaries just outside the
// documented ranges, and strings that have broken servers before.
import fc from 'fast-check';

export const hostileStrings = fc.constantFrom(
  '', ' ', '\u0000', 'a\u0000b', '%00', '%E0%A4%A', "' OR 1=1 --", 'price;drop', '-price', '../../etc/passwd', '<script>alert(1)</script>',
  '${jndi:ldap://x}', '{{7*7}}', '𝕏𝕐', '\uD800', '\uFFFF', '-1', '0', '-0', '1.5', '1e309', '1e-309', 'NaN', 'Infinity', '0x10', '1_000',
  '99999999999', '99999999999999999999', '2147483648', '9007199254740993', 'true', 'null', '[]', '{}', '__proto__', 'constructor',
  'x'.repeat(300), 'x'.repeat(5_001),
);

export const hostileValues: fc.Arbitrary<unknown> = fc.oneof(
  hostileStrings,
  fc.constantFrom<unknown>(
    null, true, false, 0, -1, -0, 1.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 1e308, -1e308, [], {}, [null], [[]], { a: {} },
    { $gt: 0 }, ['1'], { __proto__: { isStaff: true } },
  ),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
);

/** Header values must be valid header text; hostile but sendable. */
export const hostileHeaderValues = fc.oneof(
  fc.constantFrom('', ' ', 'x'.repeat(300), "' OR 1=1 --", 'W/"1"', '"', '*', '%00', 'null', '-1', '9'.repeat(40)),
  fc.string({ maxLength: 40, unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) }),
);

/** Values for an `{id}` segment, sent as they are (already URL-safe or deliberately not). */
export const hostileIds = fc.constantFrom('0', '-1', 'abc', '1.0', '0x1', '1e3', '99999999999999999999', '2147483648', '%00', '%E0%A4%A', '1%20OR%201=1', '%2e%2e', '%2F');

/** A body of the wrong JSON type altogether. */
export const wrongJsonBodies = fc.constantFrom<unknown>([], 'a string', 42, null, true, [{}], { '': 1 });
