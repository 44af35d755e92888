import { z } from 'zod';
import { pageQuery, paginatedSchema } from '../../http/pagination';
import { formatMoney, Money } from '../../lib/money';
import { whenFieldsValid } from '../../lib/zod-checks';
import { MAX_PAGED_ROWS, searchWords } from './products.queries';

const MONEY = /^\d{1,8}(\.\d{1,2})?$/;

/** A price as a string or a number, answered as a two-place string. */
export const priceField = z
  .union([z.string().trim(), z.number()])
  .transform((value) => String(value))
  .refine((value) => MONEY.test(value), 'Enter a positive number with at most 8 digits before and 2 after the decimal point.')
  .transform((value) => formatMoney(value))
  .refine((value) => value !== '0.00', 'Ensure this value is greater than 0.')
  .meta({ description: 'Decimal, at most two places (string or number)', example: '19.99' });

/** Whole number from 0; a numeric string is accepted (multipart forms send strings). */
export const stockField = z
  .union([z.number(), z.string().trim().regex(/^\d+$/, 'A valid integer is required.').transform(Number)])
  .pipe(z.number().int('A valid integer is required.').min(0, 'Ensure this value is greater than or equal to 0.').max(2_147_483_647))
  .meta({ example: 25 });

const nameField = z.string().trim().min(1, 'This field may not be blank.').max(200, 'Ensure this field has no more than 200 characters.');
const descriptionField = z.string().max(5000, 'Ensure this field has no more than 5000 characters.');
/** A category's id, or null (JSON null, or an empty form field) for none; multipart forms send the id as a string. */
const categoryIdField = z
  .union([z.null(), z.literal('').transform(() => null), z.number(), z.string().trim().regex(/^\d{1,10}$/, 'A valid integer is required.').transform(Number)])
  .pipe(z.number().int('A valid integer is required.').min(1).max(2_147_483_647).nullable())
  .meta({ description: 'The category it sits in (GET /api/categories/), or null for none', example: 3 });

/** JSON `null`, or an empty form field, removes the image. */
const clearImage = z.union([z.null(), z.literal('')]).transform(() => null).meta({ description: 'null removes the current image' });

const example = { name: 'Classic Cotton T-Shirt', description: 'Soft organic cotton tee.', price: '19.99', stock: 120 };

export const createProductBody = z
  .strictObject({ name: nameField, description: descriptionField.default(''), price: priceField, stock: stockField.default(0), category_id: categoryIdField.optional(), image: clearImage.optional() })
  .meta({ id: 'ProductCreateRequest', example });

/**
 * PUT replaces: everything but the image and the category must be given;
 * omitted description becomes empty. An omitted category_id keeps the
 * category, so a client written before categories never takes one away.
 */
export const replaceProductBody = z
  .strictObject({ name: nameField, description: descriptionField.default(''), price: priceField, stock: stockField, category_id: categoryIdField.optional(), image: clearImage.optional() })
  .meta({ id: 'ProductReplaceRequest', example });

export const updateProductBody = z
  .strictObject({ name: nameField.optional(), description: descriptionField.optional(), price: priceField.optional(), stock: stockField.optional(), category_id: categoryIdField.optional(), image: clearImage.optional() })
  .meta({ id: 'ProductUpdateRequest', example: { price: '17.50', stock: 80 } });

const binary = z.string().meta({ type: 'string', format: 'binary', description: 'JPEG, PNG, WebP or GIF' });

export const productForm = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    price: z.string().meta({ example: '19.99' }),
    stock: z.string().optional().meta({ example: '25' }),
    // Swagger UI fills a field without an example with "string": empty means no category.
    category_id: z.string().optional().meta({ description: 'A category id (GET /api/categories/); empty for none', example: '' }),
    image: binary.optional(),
  })
  .meta({
    id: 'ProductForm',
    description: 'The same fields as JSON, plus an optional image file',
    example: { name: 'Classic Cotton T-Shirt', description: 'Soft organic cotton tee.', price: '19.99', stock: '120' },
  });

export const ifMatchHeaders = z.object({
  'if-match': z
    .string()
    .max(100)
    .optional()
    .meta({ description: 'The ETag of the product as last read: the write is refused with 412 if it changed since.', example: '"12-1795616831251"' }),
});

export const productSchema = z
  .strictObject({
    id: z.number().int(),
    name: z.string(),
    description: z.string(),
    price: z.string().meta({ example: '19.99' }),
    stock: z.number().int(),
    image: z.url().nullable().meta({ description: 'Absolute URL under /media/' }),
    category_id: z.number().int().nullable().meta({ description: 'The category it sits in, or null' }),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'Product' });

export const productPage = paginatedSchema(productSchema, 'PaginatedProducts');

export const ORDERINGS = ['price', '-price', 'name', '-name', 'created_at', '-created_at', 'stock', '-stock'] as const;

const priceFilter = z
  .string()
  .trim()
  .regex(MONEY, 'Enter a number with at most 2 decimal places.')
  .transform((value) => formatMoney(value));

export const productListQuery = pageQuery
  .extend({
    search: z
      .string()
      .trim()
      .max(200)
      .refine((term) => term === '' || searchWords(term).some((word) => word.length >= 3), 'Enter a word of at least 3 letters or digits.')
      .optional()
      .meta({
        description: 'Words in the name or description, in any case: every word must appear, and a word of 3 or more characters also matches the words it begins ("kett" finds "Kettle"). Punctuation separates words. At least one word of 3 characters.',
      }),
    category: z
      .string()
      .trim()
      .regex(/^(\d{1,10}|[a-z0-9]+(-[a-z0-9]+)*)$/, 'Enter a category id or slug.')
      .max(100)
      .optional()
      .meta({ description: 'A category id or slug: its products and those of every category under it', example: 'kitchen' }),
    cursor: z
      .string()
      .max(1000)
      .optional()
      .meta({ description: `Where a keyset page starts: page numbers reach the first ${MAX_PAGED_ROWS} products, and the \`next\` link from there on carries a cursor (follow the links, never make one)` }),
    min_price: priceFilter.optional().meta({ example: '10.00' }),
    max_price: priceFilter.optional().meta({ example: '99.99' }),
    in_stock: z.enum(['true', 'false']).transform((v) => v === 'true').optional().meta({ description: 'true: only products with stock' }),
    ordering: z.enum(ORDERINGS).optional().meta({ description: 'Default: newest first' }),
  })
  .refine((q) => !q.min_price || !q.max_price || !new Money(q.min_price).gt(q.max_price), {
    path: ['min_price'],
    message: 'min_price must not be greater than max_price.',
    ...whenFieldsValid,
  });

/**
 * The admin site's list takes the API's filters plus `max_stock` (the
 * dashboard's "low on stock" link). Not part of the public API.
 */
export const adminProductListQuery = productListQuery.safeExtend({
  max_stock: z.string().trim().regex(/^\d{1,9}$/, 'A valid integer is required.').transform(Number).optional(),
});

export type CreateProductInput = z.output<typeof createProductBody>;
export type UpdateProductInput = z.output<typeof updateProductBody>;
export type ProductListQuery = z.output<typeof productListQuery>;
export type AdminProductListQuery = z.output<typeof adminProductListQuery>;
