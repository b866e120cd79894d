import type { Knex } from 'knex';

/** One migration set for SQLite and PostgreSQL; times are epoch milliseconds in bigint columns. */
const migrations: Record<string, { up(db: Knex): Promise<void>; down(db: Knex): Promise<void> }> = {
  '001_installations': {
    async up(db) {
      await db.schema.createTable('installations', (t) => {
        t.string('oauth_id', 100).primary();
        t.bigInteger('group_id').notNullable();
        t.string('group_name', 200);
        t.bigInteger('room_id');
        t.string('capabilities_url', 2000).notNullable();
        t.string('api_url', 2000).notNullable();
        t.string('token_url', 2000).notNullable();
        t.string('homepage_url', 2000);
        t.text('oauth_secret_sealed').notNullable();
        t.string('state', 20).notNullable().defaultTo('active');
        t.bigInteger('created_at').notNullable();
        t.bigInteger('updated_at').notNullable();
        t.index(['group_id']);
      });
    },
    async down(db) {
      await db.schema.dropTable('installations');
    },
  },
};

export const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    return Object.keys(migrations).sort();
  },
  getMigrationName(name) {
    return name;
  },
  async getMigration(name) {
    const migration = migrations[name];
    if (!migration) throw new Error(`Unknown migration ${name}`);
    return migration;
  },
};
