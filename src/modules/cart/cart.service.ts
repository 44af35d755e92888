// The authenticated user's cart. Every query carries the owner's id, so another
// user's line is simply not found. Writes lock the owner's user row first: a
// user's cart changes one request at a time, which keeps the 100-line limit and
// the quantity-vs-stock check exact without read-then-write races. The lock is
// FOR NO KEY UPDATE, which does not block the key-share locks that foreign
// keys take, so logins and token refreshes never wait behind a checkout.
import { db, type Db, Prisma } from '../../lib/db';
import { NotFoundError, ValidationError } from '../../lib/errors';
import { escapeLike } from '../../lib/like-pattern';
import { mediaUrl } from '../../lib/media';
import { formatMoney, lineTotal } from '../../lib/money';
import { MAX_CART_LINES, type AddToCartInput } from './cart.schemas';
import { recordChange, type Actor } from '../audit/audit.service';

const lineWithProduct = { include: { product: true } } satisfies Prisma.CartItemDefaultArgs;
type CartLine = Prisma.CartItemGetPayload<typeof lineWithProduct>;

export function toCartLine(line: CartLine, mediaBaseUrl: string) {
  const { product } = line;
  return {
    id: line.id,
    product: {
      id: product.id,
      name: product.name,
      price: formatMoney(product.price),
      image: mediaUrl(mediaBaseUrl, product.image),
      stock: product.stock,
    },
    quantity: line.quantity,
    subtotal: formatMoney(lineTotal(product.price, line.quantity)),
  };
}

const lineNotFound = () => new NotFoundError('No cart line matches the given query.');

export async function lockCart(tx: Db, userId: number): Promise<void> {
  await tx.$queryRaw`SELECT 1 FROM users WHERE id = ${userId} FOR NO KEY UPDATE`;
}

function checkStock(quantity: number, stock: number): void {
  if (quantity > stock) {
    throw ValidationError.field('quantity', `Only ${stock} in stock; ${quantity} requested.`);
  }
}

export function listCart(userId: number, client: Db = db()): Promise<CartLine[]> {
  return client.cartItem.findMany({ where: { userId }, ...lineWithProduct, orderBy: { id: 'asc' } });
}

/** Adds to the line for this product, creating it if needed (one line per user and product). */
export function addToCart(userId: number, input: AddToCartInput): Promise<CartLine> {
  return db().$transaction(async (tx) => {
    await lockCart(tx, userId);
    const product = await tx.product.findUnique({ where: { id: input.product_id }, select: { stock: true } });
    if (!product) throw ValidationError.field('product_id', `Invalid pk "${input.product_id}" - object does not exist.`);
    const existing = await tx.cartItem.findUnique({ where: { userId_productId: { userId, productId: input.product_id } } });
    if (!existing && (await tx.cartItem.count({ where: { userId } })) >= MAX_CART_LINES) {
      throw ValidationError.field('product_id', `A cart holds at most ${MAX_CART_LINES} different products.`);
    }
    const quantity = (existing?.quantity ?? 0) + input.quantity;
    checkStock(quantity, product.stock);
    return tx.cartItem.upsert({
      where: { userId_productId: { userId, productId: input.product_id } },
      create: { userId, productId: input.product_id, quantity },
      update: { quantity },
      ...lineWithProduct,
    });
  });
}

export async function getCartLine(userId: number, id: number): Promise<CartLine> {
  const line = await db().cartItem.findFirst({ where: { id, userId }, ...lineWithProduct });
  if (!line) throw lineNotFound();
  return line;
}

export function setCartLineQuantity(userId: number, id: number, quantity: number): Promise<CartLine> {
  return db().$transaction(async (tx) => {
    await lockCart(tx, userId);
    const line = await tx.cartItem.findFirst({ where: { id, userId }, ...lineWithProduct });
    if (!line) throw lineNotFound();
    checkStock(quantity, line.product.stock);
    return tx.cartItem.update({ where: { id: line.id }, data: { quantity }, ...lineWithProduct });
  });
}

export function removeCartLine(userId: number, id: number): Promise<void> {
  // Under the cart lock like every write: a checkout in progress has read the
  // cart already, so the line goes after it (and is then gone) or before it.
  return db().$transaction(async (tx) => {
    await lockCart(tx, userId);
    const { count } = await tx.cartItem.deleteMany({ where: { id, userId } });
    if (count === 0) throw lineNotFound();
  });
}

/** Summed in SQL over numeric, so no rounding happens anywhere. */
export async function cartSummary(userId: number) {
  const [row] = await db().$queryRaw<{ total_items: bigint; total_cost: Prisma.Decimal }[]>`
    SELECT COALESCE(SUM(c.quantity), 0)::bigint AS total_items,
           COALESCE(SUM(c.quantity * p.price), 0) AS total_cost
    FROM cart_items c JOIN products p ON p.id = c.product_id
    WHERE c.user_id = ${userId}`;
  return { total_items: Number(row!.total_items), total_cost: formatMoney(row!.total_cost) };
}

// Staff's view of every cart: read-only but for removing a line.

const lineForStaff = { include: { product: true, user: { select: { id: true, username: true } } } } satisfies Prisma.CartItemDefaultArgs;
export type StaffCartLine = Prisma.CartItemGetPayload<typeof lineForStaff>;

export interface CartItemFilter {
  userId?: number;
  /** Part of the owner's username, any case; % and _ are matched as themselves. */
  username?: string;
}

/** The columns staff may sort cart lines by; `-` first for descending. */
export const CART_LINE_SORTS = ['user', '-user', 'product', '-product', 'quantity', '-quantity', 'added', '-added'] as const;
export type CartLineSort = (typeof CART_LINE_SORTS)[number];

function cartLineOrder(sort: CartLineSort): Prisma.CartItemOrderByWithRelationInput[] {
  const direction = sort.startsWith('-') ? 'desc' : 'asc';
  const column = sort.replace(/^-/, '');
  const first: Prisma.CartItemOrderByWithRelationInput =
    column === 'product' ? { product: { name: direction } } : column === 'quantity' ? { quantity: direction } : column === 'added' ? { createdAt: direction } : { user: { username: direction } };
  // The id breaks ties, so pages never repeat or skip a line.
  return [first, { id: direction }];
}

export async function listCartItems(filter: CartItemFilter, page: { skip: number; take: number }, client: Db = db(), sort: CartLineSort = 'user') {
  const where: Prisma.CartItemWhereInput = {
    userId: filter.userId,
    user: filter.username ? { username: { contains: escapeLike(filter.username), mode: 'insensitive' } } : undefined,
  };
  const [count, results] = await Promise.all([
    client.cartItem.count({ where }),
    client.cartItem.findMany({ where, ...lineForStaff, orderBy: cartLineOrder(sort), skip: page.skip, take: page.take }),
  ]);
  return { count, results };
}

/**
 * Staff removing a line from someone's cart: under that cart's lock, like the
 * owner's own writes, and logged in the same transaction. Returns the removed
 * line's owner.
 */
export async function staffRemoveCartLine(id: number, actor?: Actor): Promise<{ userId: number }> {
  const found = await db().cartItem.findUnique({ where: { id }, select: { userId: true } });
  if (!found) throw lineNotFound();
  return db().$transaction(async (tx) => {
    await lockCart(tx, found.userId);
    const line = await tx.cartItem.findFirst({ where: { id, userId: found.userId }, ...lineForStaff });
    if (!line) throw lineNotFound();
    await tx.cartItem.delete({ where: { id } });
    await recordChange(tx, actor, {
      action: 'delete',
      objectType: 'cart_item',
      objectId: id,
      objectRepr: `${line.quantity} × ${line.product.name} in the cart of ${line.user.username}`,
      changes: { quantity: [line.quantity, null] },
    });
    return { userId: line.userId };
  });
}
