// The migrated database matches prisma/schema.prisma and the client generated
// from it, and keeps the invariants only the SQL migration can express.
//
// Prisma 7's generated client exports no DMMF: at runtime it only carries a
// reduced data model (model and field names, kinds, db names) with neither
// `isRequired` nor enum values. Those two come from the schema text and from
// the generated `$Enums`; the schema's field list is checked against the
// client's, so a stale client cannot hide drift.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, DatabaseError } from 'pg';
import { config } from '../../src/config';
import { $Enums, Prisma } from '../../src/generated/prisma/client';
import { db } from '../../src/lib/db';

interface RuntimeField {
  name: string;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  type: string;
  dbName?: string | null;
}
interface RuntimeModel {
  fields: RuntimeField[];
  dbName: string | null;
}

interface SchemaBlocks {
  /** model name -> field name -> required (no `?`) */
  models: Map<string, Map<string, boolean>>;
  /** model name -> columns of its `Unsupported(...)` fields (the client has no field for them) */
  unsupported: Map<string, string[]>;
  /** enum name -> values in declaration order */
  enums: Map<string, string[]>;
}

const SCHEMA_PATH = path.resolve(__dirname, '../../prisma/schema.prisma');

/** Just enough of the Prisma schema language for field optionality and enum values. */
function parseSchema(text: string): SchemaBlocks {
  const models = new Map<string, Map<string, boolean>>();
  const unsupported = new Map<string, string[]>();
  const enums = new Map<string, string[]>();
  // A block ends at the `}` that starts a line (a default such as @default("{}") has braces too).
  for (const [, kind, name, body] of text.matchAll(/^(model|enum)\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    const lines = body!
      .split('\n')
      .map((line) => line.replace(/\/\/.*$/, '').trim())
      .filter((line) => line && !line.startsWith('@@'));
    if (kind === 'enum') {
      enums.set(name!, lines.map((line) => line.split(/\s+/)[0]!));
      continue;
    }
    const fields = new Map<string, boolean>();
    const unknownToClient: string[] = [];
    for (const line of lines) {
      const opaque = /^(\w+)\s+Unsupported\(/.exec(line);
      if (opaque) {
        unknownToClient.push(/@map\("([^"]+)"\)/.exec(line)?.[1] ?? opaque[1]!);
        continue;
      }
      const match = /^(\w+)\s+\w+(\?|\[\])?/.exec(line);
      if (match) fields.set(match[1]!, match[2] !== '?');
    }
    models.set(name!, fields);
    unsupported.set(name!, unknownToClient);
  }
  return { models, unsupported, enums };
}

interface ColumnRow {
  table_name: string;
  column_name: string;
  is_nullable: 'YES' | 'NO';
  udt_name: string;
}

const runtimeModels = (): Record<string, RuntimeModel> =>
  (db() as unknown as { _runtimeDataModel: { models: Record<string, RuntimeModel> } })._runtimeDataModel.models;
const columnFields = (model: RuntimeModel) => model.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum');
const columnName = (field: RuntimeField) => field.dbName ?? field.name;

let pg: Client;
let columns: ColumnRow[];
const schema = parseSchema(readFileSync(SCHEMA_PATH, 'utf8'));

beforeAll(async () => {
  pg = new Client({ connectionString: config.database.url });
  await pg.connect();
  ({ rows: columns } = await pg.query<ColumnRow>(
    `SELECT table_name, column_name, is_nullable, udt_name FROM information_schema.columns WHERE table_schema = 'public'`,
  ));
});

afterAll(async () => {
  await pg.end();
});

function tableColumns(table: string): Map<string, ColumnRow> {
  return new Map(columns.filter((c) => c.table_name === table).map((c) => [c.column_name, c]));
}

describe('the generated client', () => {
  it('knows exactly the models and fields declared in prisma/schema.prisma', () => {
    const models = runtimeModels();

    expect(Object.keys(models).sort()).toEqual(Object.values(Prisma.ModelName).sort());
    expect(Object.keys(models).sort()).toEqual([...schema.models.keys()].sort());
    for (const [name, model] of Object.entries(models)) {
      expect({ model: name, fields: model.fields.map((f) => f.name).sort() }).toEqual({
        model: name,
        fields: [...schema.models.get(name)!.keys()].sort(),
      });
    }
    expect(Object.keys($Enums).sort()).toEqual([...schema.enums.keys()].sort());
  });
});

describe('the migrated database', () => {
  const modelNames = Object.values(Prisma.ModelName);

  it.each(modelNames)('has a column for every field of %s, nullable exactly where the schema says optional', (name) => {
    const model = runtimeModels()[name]!;
    const table = model.dbName ?? name;
    const actual = tableColumns(table);

    const expected = columnFields(model).map((field) => ({
      column: columnName(field),
      nullable: schema.models.get(name)!.get(field.name) ? 'NO' : 'YES',
    }));

    expect(actual.size).toBeGreaterThan(0);
    expect(expected.map(({ column }) => ({ column, nullable: actual.get(column)?.is_nullable ?? 'missing' }))).toEqual(expected);
  });

  it.each(modelNames)('has no column in the table of %s that the client does not know', (name) => {
    const model = runtimeModels()[name]!;

    // Unsupported(...) fields (a generated tsvector) are declared in the schema, yet have no client field.
    const unknown = [...tableColumns(model.dbName ?? name).keys()].filter(
      (column) => !columnFields(model).some((field) => columnName(field) === column) && !schema.unsupported.get(name)!.includes(column),
    );

    expect(unknown).toEqual([]);
  });

  it('stores every enum field in a PostgreSQL enum with exactly the schema values, in order', async () => {
    const enumFields = Object.entries(runtimeModels()).flatMap(([name, model]) =>
      model.fields.filter((f) => f.kind === 'enum').map((field) => ({ table: model.dbName ?? name, field })),
    );
    expect(enumFields.length).toBeGreaterThan(0);

    for (const { table, field } of enumFields) {
      const pgType = tableColumns(table).get(columnName(field))?.udt_name;
      const { rows } = await pg.query<{ enumlabel: string }>(
        `SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = $1 ORDER BY e.enumsortorder`,
        [pgType],
      );
      const values = Object.values(($Enums as Record<string, Record<string, string>>)[field.type]!);
      expect({ table, column: columnName(field), labels: rows.map((r) => r.enumlabel) }).toEqual({
        table,
        column: columnName(field),
        labels: values,
      });
      expect(values).toEqual(schema.enums.get(field.type));
    }
  });
});

describe('invariants that only the SQL migration holds', () => {
  async function sqlError(sql: string, params: unknown[]): Promise<DatabaseError> {
    const error = await pg.query(sql, params).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseError);
    return error as DatabaseError;
  }

  const insertUser = `INSERT INTO users (username, email, password_hash, updated_at) VALUES ($1, $2, 'x', now())`;

  it('refuses a product with negative stock', async () => {
    const error = await sqlError(
      `INSERT INTO products (name, price, stock, updated_at) VALUES ('Widget', 9.99, $1, now())`,
      [-1],
    );

    expect(error).toMatchObject({ code: '23514', constraint: 'products_stock_not_negative' });
    expect(await db().product.count()).toBe(0);
  });

  it('accepts a product with zero stock', async () => {
    await pg.query(`INSERT INTO products (name, price, stock, updated_at) VALUES ('Widget', 9.99, 0, now())`);

    expect(await db().product.count()).toBe(1);
  });

  it('refuses a cancel reason on an order that is not cancelled, and takes one on a cancelled order', async () => {
    const insertOrder = `INSERT INTO orders (status, cancel_reason, total, updated_at) VALUES ($1, $2, 10, now())`;

    const error = await sqlError(insertOrder, ['pending', 'expired']);
    await pg.query(insertOrder, ['cancelled', 'expired']);

    expect(error).toMatchObject({ code: '23514', constraint: 'orders_cancel_reason_only_when_cancelled' });
    expect(await db().order.count()).toBe(1);
  });

  it('refuses a second user whose email differs only in case', async () => {
    await pg.query(insertUser, ['alice', 'Alice@Example.com']);

    const error = await sqlError(insertUser, ['alice2', 'alice@example.COM']);

    expect(error).toMatchObject({ code: '23505', constraint: 'users_email_lower_key' });
    expect(await db().user.count()).toBe(1);
  });

  it('refuses a username that differs from another only in case', async () => {
    await pg.query(insertUser, ['boss', 'boss@example.com']);

    const error = await sqlError(insertUser, ['BOSS', 'other@example.com']);

    expect(error).toMatchObject({ code: '23505', constraint: 'users_username_lower_key' });
    expect(await db().user.count()).toBe(1);
  });

  it.each([
    ['a username that is another account\'s email', ['Jack@Example.com', 'x@example.com'], 'users_username_login_name_key'],
    ['an email that is another account\'s username', ['other', 'JACK'], 'users_email_login_name_key'],
  ])('refuses %s, on insert and on update, naming the column that brought it', async (_case, [username, email], constraint) => {
    await pg.query(insertUser, ['jack', 'jack@example.com']);
    await pg.query(insertUser, ['kate', 'kate@example.com']);

    const inserted = await sqlError(insertUser, [username, email]);
    const updated = await sqlError(`UPDATE users SET username = $1, email = $2 WHERE username = 'kate'`, [username, email]);

    expect(inserted).toMatchObject({ code: '23505', constraint });
    expect(updated).toMatchObject({ code: '23505', constraint });
    expect((await db().user.findMany({ orderBy: { id: 'asc' } })).map((u) => [u.username, u.email])).toEqual([
      ['jack', 'jack@example.com'],
      ['kate', 'kate@example.com'],
    ]);
  });

  it('keeps user_login_names in step with users: every name, lowercased, once', async () => {
    await pg.query(insertUser, ['Lena', 'Lena@Example.com']);
    await pg.query(insertUser, ['mo@example.com', 'MO@example.com']);
    await pg.query(`UPDATE users SET email = 'lena@example.org' WHERE username = 'Lena'`);

    const { rows } = await pg.query(`SELECT n.name, u.username FROM user_login_names n JOIN users u ON u.id = n.user_id ORDER BY n.name`);

    expect(rows).toEqual([
      { name: 'lena', username: 'Lena' },
      { name: 'lena@example.org', username: 'Lena' },
      { name: 'mo@example.com', username: 'mo@example.com' },
    ]);
  });

  it('refuses the same through the Prisma client with a P2002 unique violation', async () => {
    await db().user.create({ data: { username: 'bob', email: 'Bob@Example.com', passwordHash: 'x' } });

    const attempt = db().user.create({ data: { username: 'bob2', email: 'BOB@example.com', passwordHash: 'x' } });

    await expect(attempt).rejects.toMatchObject({ code: 'P2002' });
    expect(await db().user.count()).toBe(1);
  });
});
