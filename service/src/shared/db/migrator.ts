import { Sequelize, Transaction } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import { boundQuery, Migration, MigrationContext, MigrationSettings } from './migration-context';

export type { MigrationSettings };

const TABLE = 'schema_migrations';

/**
 * umzug's table of applied migrations (unchanged), whose record can also be written inside
 * a migration's transaction; umzug's own record after it is then a no-op.
 */
class MigrationTable extends SequelizeStorage {
  constructor(private readonly db: Sequelize) {
    super({ sequelize: db, tableName: TABLE });
  }

  async record(name: string, transaction?: Transaction): Promise<void> {
    await this.db.query(`INSERT INTO "${TABLE}" ("${this.columnName}") VALUES ($name) ON CONFLICT DO NOTHING`, {
      bind: { name },
      transaction,
    });
  }

  override async logMigration({ name }: { name: string }): Promise<void> {
    await this.syncModel();
    await this.record(name);
  }
}

/**
 * Each migration's `up` runs in a transaction that also records it as applied: it is all
 * or nothing, and a retry after any failure starts from a clean state instead of failing
 * on what the failed run left ("relation already exists"), which hid the real error.
 * A migration's `afterCommit` steps (not possible in a transaction) run after the commit;
 * only then is it recorded (see migration-context.ts).
 */
export function createMigrator<S = MigrationSettings>(
  sequelize: Sequelize,
  migrations: Migration<S>[],
  settings: S,
  log?: (msg: string) => void,
) {
  const context: MigrationContext<S> = { sequelize, queryInterface: sequelize.getQueryInterface(), settings, query: boundQuery(sequelize) };
  const storage = new MigrationTable(sequelize);
  const run = (m: Migration<S>) => async ({ context: ctx }: { context: MigrationContext<S> }) => {
    // umzug has created the table (executed() runs before any migration), so the record can join the transaction.
    await sequelize.transaction(async (transaction) => {
      await m.up({ context: { ...ctx, transaction, query: boundQuery(sequelize, transaction) } });
      if (!m.afterCommit) await storage.record(m.name, transaction);
    });
    await m.afterCommit?.({ context: ctx });
  };
  return new Umzug<MigrationContext<S>>({
    migrations: migrations.map((m) => ({ name: m.name, up: run(m), down: m.down })),
    context,
    storage,
    logger: log ? { info: (e) => log(JSON.stringify(e)), warn: (e) => log(JSON.stringify(e)), error: (e) => log(JSON.stringify(e)), debug: () => undefined } : undefined,
  });
}

/** Applies every pending migration of `migrations` (a program's own list, in order). */
export async function migrate<S = MigrationSettings>(
  sequelize: Sequelize,
  migrations: Migration<S>[],
  settings: S,
  log?: (msg: string) => void,
): Promise<string[]> {
  const applied = await createMigrator(sequelize, migrations, settings, log).up();
  return applied.map((m) => m.name);
}
