import { QueryInterface, Sequelize } from 'sequelize';

export interface MigrationSettings {
  publication: string;
  slot: string;
  /** Roles granted what they need when they exist (see bootstrap-cli). */
  appRole: string;
  cdcRole: string;
}

export interface MigrationContext {
  sequelize: Sequelize;
  queryInterface: QueryInterface;
  settings: MigrationSettings;
}

/** Runs a GRANT only if the role exists, so a single-role development database migrates too. */
export async function grantIfRoleExists(sequelize: Sequelize, role: string, grant: string): Promise<void> {
  await sequelize.query(
    `DO $$ BEGIN
       IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN
         ${grant} TO "${role}";
       END IF;
     END $$`,
  );
}
