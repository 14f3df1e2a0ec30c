import { loadMigrationConfig } from '../../src/api/config';
import { ConfigError } from '../../src/shared/config';
import { grantIfRoleExists, MigrationQuery } from '../../src/shared/db/migration-context';

const base = { DATABASE_URL: 'postgres://owner:secret@db:5432/books' };

describe('roles the migrations grant to', () => {
  it('come from DB_APP_ROLE and DB_CDC_ROLE through the configuration, with the bootstrap defaults', () => {
    expect(loadMigrationConfig(base).roles).toEqual({ app: 'book_app', cdc: 'book_cdc' });
    expect(loadMigrationConfig({ ...base, DB_APP_ROLE: 'App-Role', DB_CDC_ROLE: 'cdc' }).roles).toEqual({ app: 'App-Role', cdc: 'cdc' });
  });

  it('are validated together with the rest of the configuration', () => {
    let error: unknown;
    try {
      loadMigrationConfig({ ...base, PORT: 'x', DB_APP_ROLE: 'a'.repeat(64), DB_CDC_ROLE: 'bad\nrole' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(/^PORT/),
      expect.stringMatching(/^DB_APP_ROLE must be a role name/),
      expect.stringMatching(/^DB_CDC_ROLE must be a role name/),
    ]);
  });

  it('are bound in the lookup and quoted as identifiers in the GRANT, never pasted into SQL', async () => {
    const role = `app"; DROP TABLE books; --'`;
    const calls: Array<[string, Record<string, unknown> | undefined]> = [];
    const query = (async (sql: string, bind?: Record<string, unknown>) => {
      calls.push([sql, bind]);
      return [{ '?column?': 1 }];
    }) as MigrationQuery;
    await grantIfRoleExists(query, role, 'GRANT SELECT ON books');
    expect(calls).toEqual([
      ['SELECT 1 FROM pg_roles WHERE rolname = $role', { role }],
      [`GRANT SELECT ON books TO "app""; DROP TABLE books; --'"`, undefined],
    ]);
  });

  it('grant nothing when the role does not exist', async () => {
    const calls: string[] = [];
    const query = (async (sql: string) => {
      calls.push(sql);
      return [];
    }) as MigrationQuery;
    await grantIfRoleExists(query, 'absent', 'GRANT SELECT ON books');
    expect(calls).toHaveLength(1);
  });
});
