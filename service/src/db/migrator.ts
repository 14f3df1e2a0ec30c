import { Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import { migrations } from './migrations';
import { MigrationContext, MigrationSettings } from './migrations/context';

export type { MigrationSettings };

export function createMigrator(sequelize: Sequelize, settings: MigrationSettings, log?: (msg: string) => void) {
  const context: MigrationContext = { sequelize, queryInterface: sequelize.getQueryInterface(), settings };
  return new Umzug<MigrationContext>({
    migrations: migrations.map(({ name, up, down }) => ({ name, up, down })),
    context,
    storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
    logger: log ? { info: (e) => log(JSON.stringify(e)), warn: (e) => log(JSON.stringify(e)), error: (e) => log(JSON.stringify(e)), debug: () => undefined } : undefined,
  });
}

/** Applies every pending migration. */
export async function migrate(sequelize: Sequelize, settings: MigrationSettings, log?: (msg: string) => void): Promise<string[]> {
  const applied = await createMigrator(sequelize, settings, log).up();
  return applied.map((m) => m.name);
}
