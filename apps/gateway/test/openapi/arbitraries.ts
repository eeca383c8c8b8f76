import fc from 'fast-check';

/** The subset of JSON Schema (2020-12, as OpenAPI 3.1 uses it) the gateway's schemas are written in. */
export interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  maxProperties?: number;
  propertyNames?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  if?: Schema;
  then?: Schema;
  else?: Schema;
}

/**
 * A fast-check arbitrary of values valid for `schema`, from the document's own schemas: strings
 * from their patterns and enums, objects with their required fields and some optional ones.
 * `resolve` follows `$ref`s into the document.
 */
export function valid(schema: Schema, resolve: (ref: string) => Schema): fc.Arbitrary<unknown> {
  if (schema.$ref) return valid(resolve(schema.$ref), resolve);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => valid(s, resolve)));
  // A choice by `if` (a recurring schedule: with `cron`, else an interval): each branch's values
  // decide `if` the way that branch expects, as the gateway's schemas are written.
  if (schema.then && schema.else) {
    return fc.oneof(valid(schema.then, resolve), valid(schema.else, resolve));
  }
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  // Untyped (amount: the mapper decides, so a float gets its own code): mostly what it describes.
  if (types.length === 0) {
    return fc.oneof(
      { arbitrary: fc.integer({ min: 1, max: 1_000_000 }), weight: 4 },
      { arbitrary: fc.jsonValue(), weight: 1 },
    );
  }
  return fc.oneof(...types.map((type) => ofType(type, schema, resolve)));
}

function ofType(
  type: string,
  schema: Schema,
  resolve: (ref: string) => Schema,
): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string': {
      const min = schema.minLength ?? 0;
      const max = schema.maxLength ?? 64;
      const base = schema.pattern
        ? fc.stringMatching(new RegExp(schema.pattern), { size: 'small' })
        : fc.string({ minLength: min, maxLength: Math.min(max, 80), unit: 'grapheme' });
      return base.filter((s) => [...s].length >= min && [...s].length <= max);
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = schema.items ? valid(schema.items, resolve) : fc.jsonValue();
      const constraints = {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      };
      return schema.uniqueItems
        ? fc.uniqueArray(items, { ...constraints, selector: (v) => JSON.stringify(v) })
        : fc.array(items, constraints);
    }
    case 'object': {
      const properties = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, sub] of Object.entries(properties)) record[name] = valid(sub, resolve);
      const known = fc.record(record, { requiredKeys: [...required].filter((k) => k in record) });
      if (typeof schema.additionalProperties === 'object') {
        const values = valid(schema.additionalProperties, resolve);
        const names = schema.propertyNames
          ? valid(schema.propertyNames, resolve)
          : fc.string({ minLength: 1, maxLength: 20 });
        return fc
          .tuple(
            known,
            fc.dictionary(names as fc.Arbitrary<string>, values, {
              maxKeys: Math.min(schema.maxProperties ?? 3, 3),
            }),
          )
          .map(([k, extra]) => ({ ...extra, ...k }));
      }
      return known;
    }
    default:
      return fc.jsonValue();
  }
}

/** Values a schema refuses, or at least questions: wrong types, strings past their limits. */
export function mutant(schema: Schema): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constant(null),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.string({ maxLength: 300 }),
    fc.constant('x'.repeat((schema.maxLength ?? 300) + 1)),
    fc.array(fc.jsonValue(), { maxLength: 2 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 2 }),
  );
}
