// The authenticated user's address book, and the copy an order keeps of an
// address. Every query carries the owner's id, so another user's entry is
// simply not found. Adding an entry counts the book under the user's row lock
// (the lock the cart and checkout take), so concurrent adds queue and the
// 20-entry cap holds exactly; edits and deletes touch one row and need no lock.
import { db, type Db, Prisma } from '../../lib/db';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors';
import { lockCart as lockUser } from '../cart/cart.service';
import { MAX_ADDRESSES, type AddressInput, type AddressPatch, type ShippingAddress } from './addresses.schemas';

type AddressRow = Prisma.AddressGetPayload<object>;

/** The fields as answered, in the contract's order: the one mapping from a row. */
function toShippingAddress(row: AddressRow): ShippingAddress {
  return {
    full_name: row.fullName,
    line1: row.line1,
    line2: row.line2,
    city: row.city,
    region: row.region,
    postal_code: row.postalCode,
    country: row.country,
    phone: row.phone,
  };
}

export function toAddress(row: AddressRow) {
  return { id: row.id, ...toShippingAddress(row), created_at: row.createdAt.toISOString() };
}

export type AddressView = ReturnType<typeof toAddress>;

interface AddressColumns {
  fullName: string;
  line1: string;
  line2: string;
  city: string;
  region: string;
  postalCode: string;
  country: string;
  phone: string;
}

function toColumns(input: AddressInput): AddressColumns;
function toColumns(input: AddressPatch): Partial<AddressColumns>;
function toColumns(input: AddressPatch): Partial<AddressColumns> {
  return {
    fullName: input.full_name,
    line1: input.line1,
    line2: input.line2,
    city: input.city,
    region: input.region,
    postalCode: input.postal_code,
    country: input.country,
    phone: input.phone,
  };
}

const notFound = () => new NotFoundError('No address matches the given query.');

export async function listAddresses(userId: number): Promise<AddressView[]> {
  const rows = await db().address.findMany({ where: { userId }, orderBy: { id: 'asc' } });
  return rows.map(toAddress);
}

export async function getAddress(userId: number, id: number): Promise<AddressView> {
  const row = await db().address.findFirst({ where: { id, userId } });
  if (!row) throw notFound();
  return toAddress(row);
}

export function createAddress(userId: number, input: AddressInput): Promise<AddressView> {
  return db().$transaction(async (tx) => {
    await lockUser(tx, userId);
    if ((await tx.address.count({ where: { userId } })) >= MAX_ADDRESSES) {
      throw new ConflictError(`Your address book is full (${MAX_ADDRESSES} addresses); delete one before adding another.`, {
        code: 'address_limit',
        max_addresses: MAX_ADDRESSES,
      });
    }
    return toAddress(await tx.address.create({ data: { userId, ...toColumns(input) } }));
  });
}

export async function updateAddress(userId: number, id: number, patch: AddressPatch): Promise<AddressView> {
  const [row] = await db().address.updateManyAndReturn({ where: { id, userId }, data: toColumns(patch) });
  if (!row) throw notFound();
  return toAddress(row);
}

export async function deleteAddress(userId: number, id: number): Promise<void> {
  const { count } = await db().address.deleteMany({ where: { id, userId } });
  if (count === 0) throw notFound();
}

/**
 * The copy of one of the user's entries that an order keeps, read on the
 * order's transaction. An id that is not the user's is the request's mistake
 * (400, naming the field), not a missing resource: the order is what was asked for.
 */
export async function addressSnapshot(tx: Db, userId: number, id: number): Promise<ShippingAddress> {
  const row = await tx.address.findFirst({ where: { id, userId } });
  if (!row) throw ValidationError.field('address_id', `Invalid pk "${id}" - object does not exist.`);
  return toShippingAddress(row);
}

const SNAPSHOT_FIELDS = ['full_name', 'line1', 'line2', 'city', 'region', 'postal_code', 'country', 'phone'] as const;

/**
 * An order's stored snapshot as answered: the known fields in the contract's
 * order (JSONB keeps its own key order), "" for one that is missing, so the
 * answer keeps its shape whatever the column holds.
 */
export function snapshotFromJson(value: Prisma.JsonValue | null): ShippingAddress | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const stored = value as Prisma.JsonObject;
  const field = (name: (typeof SNAPSHOT_FIELDS)[number]) => (typeof stored[name] === 'string' ? stored[name] : '');
  return Object.fromEntries(SNAPSHOT_FIELDS.map((name) => [name, field(name)])) as ShippingAddress;
}
