/**
 * Issue 29, "two imports to straighten": no module of the app imports itself back through others
 * (shared/http/openapi.ts and openapiIngestion.ts did). A cycle makes load order matter: a value
 * read at module load can be undefined depending on which module loads first.
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const SOURCES = ['shared', 'functions', 'activities', 'orchestrators', 'reconcile', 'devhost'];

function tsFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Relative imports and re-exports of a file, type-only ones included, resolved to files. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const targets = [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) =>
    path.resolve(path.dirname(file), m[1]!),
  );
  return targets.flatMap((t) =>
    [`${t}.ts`, path.join(t, 'index.ts')].filter((f) => fs.existsSync(f)).slice(0, 1),
  );
}

function cycles(files: string[]): string[] {
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const found: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open')
        found.push(
          [...stack.slice(stack.indexOf(next)), next].map((f) => path.relative(ROOT, f)).join(' -> '),
        );
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return found;
}

describe('imports', () => {
  const files = SOURCES.flatMap((dir) => tsFiles(path.join(ROOT, dir)));

  it('are read from the app sources', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.some((f) => f.endsWith(path.join('shared', 'http', 'openapi.ts')))).toBe(true);
  });

  it('form no cycle', () => {
    expect(cycles(files)).toEqual([]);
  });
});
