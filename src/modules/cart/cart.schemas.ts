import { z } from 'zod';

export const MAX_CART_LINES = 100;

const quantityField = z
  .number()
  .int('A valid integer is required.')
  .min(1, 'Ensure this value is greater than or equal to 1.')
  .max(1_000_000, 'Ensure this value is less than or equal to 1000000.')
  .meta({ example: 2 });

export const productIdField = z.number().int('A valid integer is required.').min(1).max(2_147_483_647).meta({ example: 1 });

export const addToCartBody = z
  .strictObject({ product_id: productIdField, quantity: quantityField.default(1) })
  .meta({ id: 'CartAddRequest', example: { product_id: 1, quantity: 2 } });

export const setQuantityBody = z.strictObject({ quantity: quantityField }).meta({ id: 'CartQuantityRequest', example: { quantity: 3 } });

export const cartLineSchema = z
  .strictObject({
    id: z.number().int(),
    product: z.strictObject({
      id: z.number().int(),
      name: z.string(),
      price: z.string().meta({ example: '19.99' }),
      image: z.url().nullable(),
      stock: z.number().int(),
    }),
    quantity: z.number().int(),
    subtotal: z.string().meta({ example: '39.98' }),
  })
  .meta({ id: 'CartLine' });

export const cartSchema = z.array(cartLineSchema).meta({ id: 'Cart' });

export const cartSummarySchema = z
  .strictObject({ total_items: z.number().int(), total_cost: z.string().meta({ example: '59.97' }) })
  .meta({ id: 'CartSummary', description: 'total_items is the sum of quantities' });

export type AddToCartInput = z.output<typeof addToCartBody>;
