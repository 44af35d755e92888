// Money is decimal from the database to the response: Prisma's Decimal for
// arithmetic, two-place strings on the wire, never floats.
import { Prisma } from '../generated/prisma/client';

export type Money = Prisma.Decimal;
export const Money = Prisma.Decimal;

/** The largest amount a Decimal(10,2) column holds. */
export const MAX_AMOUNT = new Prisma.Decimal('99999999.99');

export const formatMoney = (amount: Money | number | string) => new Prisma.Decimal(amount).toFixed(2);

export const lineTotal = (unitPrice: Money, quantity: number) => unitPrice.mul(quantity);
