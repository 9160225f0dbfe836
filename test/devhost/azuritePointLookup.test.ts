/**
 * The lookup order the local host gives Azurite's LokiJS (devhost/azurite.ts POINT_LOOKUP): the
 * same entity is found, by the PartitionKey index, without comparing every row that shares its
 * RowKey. Counted in comparisons, not timed.
 */
import path from 'node:path';
import { POINT_LOOKUP } from '../../devhost/azurite';

interface LokiCollection {
  insert(doc: Record<string, unknown>): void;
  findOne(query: Record<string, unknown>): Record<string, unknown> | null;
}
interface LokiModule {
  new (name: string): { addCollection(name: string, options: { indices: string[] }): LokiCollection };
  LokiOps: { $eq: (a: unknown, b: unknown) => boolean };
}

const azuriteMain = path.join(
  path.dirname(require.resolve('azurite/package.json')),
  'dist',
  'src',
  'azurite.js',
);
const Loki = require(require.resolve('lokijs', { paths: [path.dirname(azuriteMain)] })) as LokiModule;

/** A task hub's Instances table, as Azurite keeps it: one row per instance, every RowKey ''. */
function instancesTable(rows: number): LokiCollection {
  const table = new Loki('t').addCollection('Instances', { indices: ['PartitionKey', 'RowKey'] });
  for (let i = 0; i < rows; i++) table.insert({ PartitionKey: `i${i}`, RowKey: '', n: i });
  return table;
}

/** One publisher's offers in its partition: every PartitionKey the same, a RowKey each. */
function publisherTable(rows: number): LokiCollection {
  const table = new Loki('t').addCollection('Offers', { indices: ['PartitionKey', 'RowKey'] });
  for (let i = 0; i < rows; i++) table.insert({ PartitionKey: 'contoso', RowKey: `o${i}`, n: i });
  return table;
}

/** Runs a point lookup the way Azurite asks it, counting LokiJS's equality tests. */
function lookUp(table: LokiCollection, partitionKey: string, rowKey = '') {
  const ops = Loki.LokiOps;
  const eq = ops.$eq;
  let comparisons = 0;
  ops.$eq = (a, b) => {
    comparisons++;
    return eq(a, b);
  };
  try {
    const found = table.findOne({ RowKey: rowKey, PartitionKey: partitionKey });
    return { found, comparisons };
  } finally {
    ops.$eq = eq;
  }
}

it('finds the same entity without comparing every row that shares its RowKey', () => {
  const table = instancesTable(2000);
  const publisher = publisherTable(2000);
  const before = lookUp(table, 'i1234');
  const publisherBefore = lookUp(publisher, 'contoso', 'o1234');
  // POINT_LOOKUP as Azurite's process runs it: argv[1] names Azurite's main module.
  const argv1 = process.argv[1];
  process.argv[1] = azuriteMain;
  try {
    new Function('require', POINT_LOOKUP)(require);
  } finally {
    process.argv[1] = argv1 ?? '';
  }
  const after = lookUp(table, 'i1234');
  expect(after.found).toMatchObject({ PartitionKey: 'i1234', RowKey: '', n: 1234 });
  expect(after.found).toBe(before.found);
  expect(table.findOne({ RowKey: 'x', PartitionKey: 'i1234' })).toBeNull();
  expect(before.comparisons).toBeGreaterThanOrEqual(2000);
  expect(after.comparisons).toBeLessThan(10);
  // A partition of many rows: its RowKey index narrows it, as before.
  const publisherAfter = lookUp(publisher, 'contoso', 'o1234');
  expect(publisherAfter.found).toBe(publisherBefore.found);
  expect(publisherAfter.found).toMatchObject({ RowKey: 'o1234', n: 1234 });
  expect(publisherAfter.comparisons).toBeLessThan(10);
  expect(lookUp(publisher, 'contoso', 'nope').found).toBeNull();
});
