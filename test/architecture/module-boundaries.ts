/**
 * The rules of the house, read from the source: which module imports which, which tables each one
 * writes, where SQL and repositories appear. Used by module-boundaries.test.ts (and runnable alone:
 * `node test/architecture/module-boundaries.ts` prints what it finds).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = path.join(ROOT, 'src');
const MODULES = path.join(SRC, 'modules');

export interface SourceFile {
  /** path from the repository root, e.g. src/modules/orders/orders.service.ts */
  file: string;
  /** the module folder it is in, or null outside src/modules */
  module: string | null;
  text: string;
}

export interface Violation {
  rule: 'repository-import' | 'foreign-write' | 'unowned-write' | 'module-cycle' | 'route-sql' | 'public-repository' | 'unowned-table';
  file: string;
  detail: string;
}

/** A known exception to one rule: each must say why, and must still be needed (stale entries fail). */
export interface AllowEntry {
  rule: Violation['rule'];
  file: string;
  /** the table, or the module imported, the entry is about */
  subject: string;
  reason: string;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : name.endsWith('.ts') ? [full] : [];
  });
}

/** Production source: tests and migrations (which create the tables) are not scanned. */
export function sourceFiles(): SourceFile[] {
  return walk(SRC)
    .filter((f) => !f.endsWith('.test.ts') && !f.includes(`${path.sep}migrations${path.sep}`))
    .map((full) => {
      const rel = path.relative(MODULES, full);
      const module = rel.startsWith('..') ? null : rel.split(path.sep)[0]!;
      return { file: path.relative(ROOT, full), module, text: readFileSync(full, 'utf8') };
    });
}

/** "What each module owns" in docs/architecture.md: module → the tables it writes. */
export function ownershipTable(docText: string): Map<string, Set<string>> {
  const section = docText.split(/^## /m).find((s) => s.startsWith('What each module owns'));
  if (!section) throw new Error('docs/architecture.md has no "What each module owns" section');
  const owners = new Map<string, Set<string>>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || !/^`?[a-z][a-z-]*`?$/.test(cells[1]!) || cells[1] === 'module') continue;
    const module = cells[1]!.replaceAll('`', '');
    owners.set(module, new Set([...cells[2]!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!)));
  }
  return owners;
}

/** The tables of the schema (the `DB` interface of platform/db/schema.ts). */
export function schemaTables(): string[] {
  const text = readFileSync(path.join(SRC, 'platform/db/schema.ts'), 'utf8');
  const body = /export interface DB \{([^}]*)\}/.exec(text)?.[1] ?? '';
  return [...body.matchAll(/^\s*([a-z_]+):/gm)].map((m) => m[1]!);
}

export interface ImportEdge {
  file: string;
  from: string;
  to: string;
  target: string;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

/** Imports from one module folder into another (type-only imports included: they couple too). */
export function moduleImports(files: SourceFile[]): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const f of files) {
    if (!f.module) continue;
    for (const m of f.text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!;
      if (!spec.startsWith('.')) continue;
      const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(f.file), spec));
      const inModules = path.relative(path.relative(ROOT, MODULES), target);
      if (inModules.startsWith('..')) continue;
      const to = inModules.split(path.sep)[0]!;
      if (to !== f.module) edges.push({ file: f.file, from: f.module, to, target });
    }
  }
  return edges;
}

/** Tables written by a file: Kysely's insertInto/updateTable/deleteFrom and raw SQL in sql`…`. */
export function writtenTables(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/\.(?:insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(\s*'([a-z_]+)(?:\s+as\s+\w+)?'/g)) found.add(m[1]!);
  for (const t of text.matchAll(/\bsql(?:<[^`]*?>)?`([^`]*)`/g)) {
    const q = t[1]!;
    for (const m of q.matchAll(/\b(?:insert\s+into|delete\s+from|truncate(?:\s+table)?|merge\s+into)\s+"?([a-z_]+)"?/gi)) found.add(m[1]!.toLowerCase());
    for (const m of q.matchAll(/\bupdate\s+"?([a-z_]+)"?\s+set\b/gi)) found.add(m[1]!.toLowerCase());
  }
  return [...found];
}

/** Cycles between modules (strongly connected components of more than one module). */
export function moduleCycles(edges: ImportEdge[]): string[][] {
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!graph.has(e.from)) graph.set(e.from, new Set());
    if (!graph.has(e.to)) graph.set(e.to, new Set());
    graph.get(e.from)!.add(e.to);
  }
  // Tarjan's algorithm.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const sccs: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) sccs.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return sccs;
}

/** Every rule, checked over the source; allowed exceptions removed (and returned if unused). */
export function checkBoundaries(files: SourceFile[], owners: Map<string, Set<string>>, allow: readonly AllowEntry[]): { violations: Violation[]; unusedAllowances: AllowEntry[] } {
  const found: Violation[] = [];
  const ownerOf = new Map<string, string>();
  for (const [module, tables] of owners) for (const t of tables) ownerOf.set(t, module);

  for (const table of schemaTables()) if (!ownerOf.has(table)) found.push({ rule: 'unowned-table', file: 'docs/architecture.md', detail: `table ${table} is in the schema but no module owns it in "What each module owns"` });

  const edges = moduleImports(files);
  for (const e of edges) {
    if (/\.repository\.ts$/.test(e.target)) found.push({ rule: 'repository-import', file: e.file, detail: `${e.from} imports ${e.to}'s repository (${e.target}): call ${e.to}'s service instead` });
  }
  for (const cycle of moduleCycles(edges)) {
    const lines = edges.filter((e) => cycle.includes(e.from) && cycle.includes(e.to)).map((e) => `${e.file} → ${e.target}`);
    found.push({ rule: 'module-cycle', file: lines[0]?.split(' → ')[0] ?? '', detail: `modules ${cycle.join(' ↔ ')} import each other:\n      ${lines.join('\n      ')}` });
  }

  for (const f of files) {
    for (const table of writtenTables(f.text)) {
      const owner = ownerOf.get(table);
      if (!owner) continue; // pg-boss's own tables and the like
      if (!f.module) found.push({ rule: 'unowned-write', file: f.file, detail: `writes ${table} (owned by ${owner}) from outside the modules` });
      else if (f.module !== owner) found.push({ rule: 'foreign-write', file: f.file, detail: `${f.module} writes ${table}, which ${owner} owns: call ${owner}'s service instead` });
    }
    if (f.module && /\.(routes|views)\.ts$/.test(f.file)) {
      if (/new\s+\w+Repository\s*\(/.test(f.text)) found.push({ rule: 'route-sql', file: f.file, detail: 'a route or view builds a repository' });
      if (/\.(selectFrom|insertInto|updateTable|deleteFrom)\(|\bsql(?:<[^`]*?>)?`/.test(f.text)) found.push({ rule: 'route-sql', file: f.file, detail: 'a route or view holds SQL' });
    }
    if (f.module && /\.service\.ts$/.test(f.file) && /^\s*(?:public\s+)?readonly\s+(?:repo|repository)\b|^\s*(?:public\s+)?get\s+(?:repo|repository)\s*\(/m.test(f.text)) {
      found.push({ rule: 'public-repository', file: f.file, detail: 'a service exposes its repository (keep it in a #private field)' });
    }
  }

  const used = new Set<AllowEntry>();
  const violations = found.filter((v) => {
    const entry = allow.find((a) => a.rule === v.rule && a.file === v.file && v.detail.includes(a.subject));
    if (entry) used.add(entry);
    return !entry;
  });
  return { violations, unusedAllowances: allow.filter((a) => !used.has(a)) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = sourceFiles();
  const edges = moduleImports(files);
  const graph = new Map<string, Set<string>>();
  for (const e of edges) graph.set(e.from, (graph.get(e.from) ?? new Set()).add(e.to));
  for (const [m, to] of [...graph].sort()) process.stdout.write(`${m} → ${[...to].sort().join(', ')}\n`);
}
