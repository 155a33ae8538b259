import { sql, type Kysely } from 'kysely';

/**
 * Archives of instances (the archives module): one row per verified archive file held by the
 * ArchiveStore. A row exists only once its file is complete, verified, fsynced and renamed to its
 * final key: a crash never leaves a visible partial archive.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table archives (
    id bigserial primary key,
    instance_id bigint not null references instances(id),
    name text not null check (length(name) between 1 and 80),
    store_key text not null unique,
    size_bytes bigint not null check (size_bytes >= 0),
    sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    origin text not null check (origin in ('created', 'imported', 'automatic', 'before_restore', 'final')),
    state text not null check (state in ('ready', 'restoring')),
    diacamma_version text not null,
    migrations integer not null check (migrations >= 0),
    created_by bigint references users(id),
    created_at timestamptz not null,
    expires_at timestamptz
  )`.execute(db);
  await sql`create index archives_instance_idx on archives (instance_id, created_at desc)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table archives`.execute(db);
}
