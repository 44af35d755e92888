import { z } from 'zod';
import { pageQuery, paginatedSchema } from '../../http/pagination';
import { problemSchema } from '../../http/problem';
import { whenFieldsValid } from '../../lib/zod-checks';
import { ADDRESS_EXAMPLE, addressIdField, addressInput, shippingAddressSchema } from '../addresses/addresses.schemas';
import { productIdField } from '../cart/cart.schemas';

export const MAX_ORDER_LINES = 100;
export const ORDER_STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const CANCEL_REASONS = ['customer', 'staff', 'expired'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

const orderLineInput = z.strictObject({
  product_id: productIdField,
  quantity: z.number().int('A valid integer is required.').min(1, 'Ensure this value is greater than or equal to 1.').max(1_000_000),
});

/**
 * Where an order ships: an address given in full, or an entry of the buyer's
 * address book, or neither (unless REQUIRE_SHIPPING_ADDRESS). Never both.
 */
const shippingChoice = {
  shipping_address: addressInput.optional(),
  address_id: addressIdField.optional(),
};

function notBoth(value: { shipping_address?: unknown; address_id?: unknown }, ctx: z.core.$RefinementCtx): void {
  if (value.shipping_address !== undefined && value.address_id !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['address_id'], message: 'Give either shipping_address or address_id, not both.' });
  }
}

export const createOrderBody = z
  .strictObject({
    items: z
      .array(orderLineInput)
      .min(1, 'An order needs at least one line.')
      .max(MAX_ORDER_LINES, `An order has at most ${MAX_ORDER_LINES} lines.`),
    ...shippingChoice,
  })
  .superRefine(({ items }, ctx) => {
    const seen = new Set<number>();
    items.forEach((item, index) => {
      if (seen.has(item.product_id)) {
        ctx.addIssue({ code: 'custom', path: ['items', index, 'product_id'], message: 'Each product may appear only once.' });
      }
      seen.add(item.product_id);
    });
  }, whenFieldsValid)
  .superRefine(notBoth, whenFieldsValid)
  .meta({
    id: 'OrderCreateRequest',
    description: 'The lines, and optionally where the order ships: `shipping_address` or `address_id` (required when the server sets REQUIRE_SHIPPING_ADDRESS).',
    example: { items: [{ product_id: 1, quantity: 2 }], shipping_address: ADDRESS_EXAMPLE },
  });

/** Checkout's body: `{}` (or none at all, as the frontend sends it), `{shipping_address}` or `{address_id}`. */
export const checkoutBody = z
  .strictObject(shippingChoice)
  .superRefine(notBoth, whenFieldsValid)
  .meta({
    id: 'CheckoutRequest',
    description: 'Optional: where the order ships (required when the server sets REQUIRE_SHIPPING_ADDRESS). An empty or missing body orders without an address.',
    example: { shipping_address: ADDRESS_EXAMPLE },
  });

export const updateOrderBody = z
  .strictObject({ status: z.enum(ORDER_STATUSES) })
  .meta({ id: 'OrderStatusRequest', description: 'Only the status can change; see the status rules.', example: { status: 'cancelled' } });

export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, 'Use printable ASCII without spaces.')
    .optional()
    .meta({ description: 'Makes a retry return the first answer instead of ordering again (24 hours).', example: 'c3f1a1d0-checkout-1' }),
});

export const orderSchema = z
  .strictObject({
    id: z.number().int(),
    user_id: z.number().int().nullable().meta({ description: 'null once the account is deleted' }),
    status: z.enum(ORDER_STATUSES),
    cancel_reason: z.enum(CANCEL_REASONS).nullable().meta({
      description: 'null unless cancelled: by the owner (`customer`), by staff (`staff`), or by the server because it stayed unpaid too long (`expired`)',
    }),
    total: z.string().meta({ example: '39.98' }),
    shipping_address: z.union([shippingAddressSchema, z.null()]).meta({ description: 'Where the order ships, as it was when the order was placed; null when none was given' }),
    items: z.array(
      z.strictObject({
        id: z.number().int(),
        product_id: z.number().int().nullable().meta({ description: 'null once the product is deleted' }),
        product_name: z.string(),
        unit_price: z.string().meta({ example: '19.99' }),
        quantity: z.number().int(),
        subtotal: z.string().meta({ example: '39.98' }),
      }),
    ),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'Order' });

export const orderPage = paginatedSchema(orderSchema, 'PaginatedOrders');

export const orderListQuery = pageQuery.extend({
  user: z.coerce.number().int().min(1).max(2_147_483_647).optional().meta({ description: "Staff only: one user's orders" }),
});

export const pendingUnitLimitProblem = problemSchema
  .extend({
    code: z.literal('pending_unit_limit'),
    max_pending_units: z.number().int().meta({ description: 'MAX_PENDING_UNITS_PER_PRODUCT: the most units of one product your pending orders may hold' }),
    limits: z.array(
      z.strictObject({
        product_id: z.number().int(),
        name: z.string(),
        requested: z.number().int().meta({ description: 'Units this order asked for' }),
        held: z.number().int().meta({ description: 'Units of it already in your pending orders' }),
        allowed: z.number().int().meta({ description: 'The most this order may ask for (0 until some are paid, cancelled or expired)' }),
      }),
    ),
  })
  .meta({
    id: 'PendingUnitLimitProblem',
    description: 'Each product of which your pending (unpaid) orders would hold more than the most allowed, with how many you may still order',
    example: {
      type: 'about:blank', title: 'Conflict', status: 409, code: 'pending_unit_limit', max_pending_units: 10,
      detail: 'Your pending orders may hold at most 10 units of a product: Mug (8 held, 5 requested, at most 2 more allowed).',
      limits: [{ product_id: 3, name: 'Mug', requested: 5, held: 8, allowed: 2 }],
    },
  });

export type CreateOrderInput = z.output<typeof createOrderBody>;
export type CheckoutInput = z.output<typeof checkoutBody>;
