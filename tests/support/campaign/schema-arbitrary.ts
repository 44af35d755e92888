// Values that a JSON Schema (as found in our OpenAPI 3.1 document) accepts,
// as fast-check arbitraries: the "valid" half of the campaign, derived from
// the document the server publishes rather than from a hand-written list.
import fc from 'fast-check';

export type JsonSchema = Record<string, unknown>;
type Components = Record<string, JsonSchema>;

const INT32 = 2_147_483_647;

export class SchemaArbitraries {
  constructor(private readonly components: Components) {}

  resolve(schema: JsonSchema): JsonSchema {
    const ref = schema.$ref;
    if (typeof ref !== 'string') return schema;
    const name = ref.replace('#/components/schemas/', '');
    const target = this.components[name];
    if (!target) throw new Error(`unresolved ${ref}`);
    return this.resolve(target);
  }

  valid(input: JsonSchema): fc.Arbitrary<unknown> {
    const schema = this.resolve(input);
    const generated = this.generated(schema);
    // The document's own examples are valid by construction (the document
    // test checks them): they get requests past validation, so that mutating
    // one field at a time reaches the code behind it.
    return 'example' in schema ? fc.oneof({ weight: 2, arbitrary: fc.constant(schema.example) }, { weight: 3, arbitrary: generated }) : generated;
  }

  private generated(schema: JsonSchema): fc.Arbitrary<unknown> {
    const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
    if (alternatives) return fc.oneof(...alternatives.map((s) => this.valid(s)));
    if (schema.allOf) return this.valid(mergeAll(schema.allOf as JsonSchema[], (s) => this.resolve(s)));
    if ('const' in schema) return fc.constant(schema.const);
    if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
    const type = schema.type;
    if (Array.isArray(type)) return fc.oneof(...type.map((t) => this.valid({ ...schema, type: t })));
    switch (type) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
        return integerIn(schema);
      case 'number':
        return fc.oneof(integerIn(schema), fc.double({ min: bound(schema, 'minimum', -1e6), max: bound(schema, 'maximum', 1e6), noNaN: true, noDefaultInfinity: true }));
      case 'string':
        return stringFor(schema);
      case 'array':
        return fc.array(this.valid((schema.items as JsonSchema) ?? {}), {
          minLength: Number(schema.minItems ?? 0),
          maxLength: Math.min(Number(schema.maxItems ?? 4), 4),
        });
      case 'object':
        return this.object(schema);
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  private object(schema: JsonSchema): fc.Arbitrary<unknown> {
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    const required = (schema.required ?? []) as string[];
    const shape = Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, this.valid(value)]));
    return fc.record(shape, { requiredKeys: required.filter((key) => key in shape) });
  }
}

function mergeAll(parts: JsonSchema[], resolve: (s: JsonSchema) => JsonSchema): JsonSchema {
  const merged: JsonSchema = { type: 'object', properties: {}, required: [] };
  for (const part of parts.map(resolve)) {
    Object.assign(merged.properties as object, part.properties ?? {});
    (merged.required as string[]).push(...((part.required as string[]) ?? []));
  }
  return merged;
}

function bound(schema: JsonSchema, key: 'minimum' | 'maximum', fallback: number): number {
  return typeof schema[key] === 'number' ? (schema[key] as number) : fallback;
}

function integerIn(schema: JsonSchema): fc.Arbitrary<number> {
  const min = Math.max(bound(schema, 'minimum', -INT32), typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + 1 : -Infinity);
  const max = Math.min(bound(schema, 'maximum', INT32), typeof schema.exclusiveMaximum === 'number' ? schema.exclusiveMaximum - 1 : Infinity);
  // Boundaries are where bugs live; fast-check biases towards them too.
  return fc.oneof(fc.constantFrom(min, max), fc.integer({ min: Math.max(min, -Number.MAX_SAFE_INTEGER), max: Math.min(max, Number.MAX_SAFE_INTEGER) }));
}

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = Number(schema.minLength ?? 0);
  const maxLength = Math.min(Number(schema.maxLength ?? 40), 300);
  const fits = (s: string) => s.length >= minLength && s.length <= Number(schema.maxLength ?? Infinity);
  switch (schema.format) {
    case 'email': {
      // fc.emailAddress() follows RFC 5322, which allows far more than any
      // real validator; most such addresses would only ever be refused.
      const word = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split('')) });
      return fc.oneof(fc.tuple(word, word).map(([local, domain]) => `${local}@${domain}.test`), fc.emailAddress()).filter(fits);
    }
    case 'uri':
      return fc.webUrl();
    case 'date-time':
      return fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString());
    case 'uuid':
      return fc.uuid();
    default:
      break;
  }
  if (typeof schema.pattern === 'string') return fc.stringMatching(new RegExp(schema.pattern)).filter(fits);
  return fc.string({ minLength, maxLength: Math.max(minLength, maxLength), unit: 'grapheme' });
}
