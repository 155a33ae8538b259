import { sql, type Kysely } from 'kysely';

/** An instance has one provisioning action, whatever the races between retries and restarts. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create unique index hosting_actions_one_provision on hosting_actions (instance_id) where kind = 'provision'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index hosting_actions_one_provision`.execute(db);
}
