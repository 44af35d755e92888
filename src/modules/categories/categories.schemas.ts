// Categories: a tree through parent_id. The schemas check each field's form;
// the database keeps the rest (a unique slug, an existing parent, no cycle,
// nothing deleted while it holds products or children).
import { z } from 'zod';
import { problemSchema } from '../../http/problem';

/** The slug's form, as the CHECK categories_slug_format has it. */
export const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const nameField = z
  .string()
  .trim()
  .min(1, 'This field may not be blank.')
  .max(100, 'Ensure this field has no more than 100 characters.')
  .meta({ example: 'Kitchen' });

export const slugField = z
  .string()
  .trim()
  .min(1, { abort: true, error: 'This field may not be blank.' })
  .max(100, 'Ensure this field has no more than 100 characters.')
  .regex(SLUG, { abort: true, error: 'Enter a valid "slug" consisting of lower-case letters, numbers and single hyphens, with no hyphen at either end.' })
  // ?category= reads digits alone as an id: a slug of digits could never be asked for by name.
  .refine((slug) => !/^\d+$/.test(slug), 'A slug must contain a letter: digits alone would be read as a category id.')
  .meta({ description: 'Unique; lower-case letters, digits and single hyphens, at least one letter', example: 'kitchen' });

const parentIdField = z
  .number('A valid integer is required.')
  .int('A valid integer is required.')
  .min(1, 'Ensure this value is greater than or equal to 1.')
  .max(2_147_483_647, 'Ensure this value is less than or equal to 2147483647.')
  .nullable()
  .meta({ description: 'The category it sits under, or null for a top-level category', example: 1 });

const example = { name: 'Kettles', slug: 'kettles', parent_id: 1 };

/** POST, and PUT (which replaces the whole category: an omitted parent_id makes it top-level, as on create). */
export const categoryInput = z
  .strictObject({ name: nameField, slug: slugField, parent_id: parentIdField.default(null) })
  .meta({ id: 'CategoryRequest', description: 'name and slug are required; parent_id defaults to null (top level). Strings are trimmed.', example });

export const categoryPatch = z
  .strictObject({ name: nameField.optional(), slug: slugField.optional(), parent_id: parentIdField.optional() })
  .meta({ id: 'CategoryUpdateRequest', description: 'Only the fields given change; the same rules as on create.', example: { parent_id: null } });

export const categorySchema = z
  .strictObject({ id: z.number().int(), name: z.string(), slug: z.string(), parent_id: z.number().int().nullable() })
  .meta({ id: 'Category', example: { id: 2, ...example } });

export const categoryList = z.array(categorySchema).meta({ id: 'CategoryList', description: 'Every category, by name (then id); not paginated' });

export const categoryInUseProblem = problemSchema
  .extend({ code: z.literal('category_in_use') })
  .meta({
    id: 'CategoryInUseProblem',
    description: 'The category still holds products or other categories: move or delete them first',
    example: {
      type: 'about:blank', title: 'Conflict', status: 409, code: 'category_in_use',
      detail: 'The category "Kitchen" still holds products; move them to another category or delete them first.',
    },
  });

export type CategoryInput = z.output<typeof categoryInput>;
export type CategoryPatch = z.output<typeof categoryPatch>;
export type CategoryJson = z.output<typeof categorySchema>;
