/**
 * npm run check:real-apps -- DIR: runs the package validation over every .app under DIR (real
 * AL-compiler output, e.g. a project's .alpackages) and prints each report, with what the symbol
 * reader made of the app. Versions of one app id found together are also compared in order, each
 * with the one before as its live version (the breaking-change baseline of step 2).
 *
 * Optional and offline: nothing is stored and no storage is needed. The files stay where they are;
 * the project keeps no copy of anyone's app (tests build equivalent packages instead).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { FileSource, fileSource, readPackage, validatePackage } from '../shared/adapters/package';
import { PackageReport, SymbolObject, compareVersions } from '../shared/domain/package';

const NOW = new Date().toISOString();

interface Checked {
  file: string;
  report: PackageReport;
}

async function appFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.app$/i.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

async function withFile<T>(file: string, use: (source: FileSource) => Promise<T>): Promise<T> {
  const source = await fileSource(file);
  try {
    return await use(source);
  } finally {
    await source.close();
  }
}

/** What the reader found: objects per kind, how many carry a namespace or an obsolete mark. */
async function symbolSummary(file: string): Promise<string> {
  const objects: SymbolObject[] = [];
  const reading = await withFile(file, (source) =>
    readPackage(source, file, { visit: (o) => objects.push(o) }),
  );
  const symbols = reading.symbols;
  if (!symbols) return 'symbols: none read';
  if ('problem' in symbols) return `symbols: ${symbols.problem}`;
  const kinds = new Map<string, number>();
  for (const o of objects) kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
  const count = (test: (o: SymbolObject) => boolean) => objects.filter(test).length;
  const namespaces = new Set(objects.map((o) => o.namespace).filter((n) => n !== undefined));
  return [
    `symbols: ${objects.length} objects (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'})`,
    `  in a namespace: ${count((o) => !!o.namespace)} (${namespaces.size} namespaces)`,
    `  obsolete objects: ${count((o) => !!o.obsolete)}, fields: ${objects.reduce((n, o) => n + o.fields.filter((f) => f.obsolete).length, 0)}, procedures: ${objects.reduce((n, o) => n + o.methods.filter((m) => m.obsolete).length, 0)}`,
    `  controls added by page extensions: ${objects.reduce((n, o) => n + (o.controls?.length ?? 0), 0)}`,
  ].join('\n');
}

function printReport(title: string, report: PackageReport): void {
  const m = report.manifest;
  console.log(`\n== ${title}`);
  if (m) console.log(`app: ${m.name ?? '?'} by ${m.publisher ?? '?'} ${m.version ?? '?'} (${m.id ?? '?'})`);
  console.log(`state: ${report.state}, ${report.findings.length} finding(s)`);
  for (const f of report.findings) {
    console.log(`  ${f.severity} ${f.rule}${f.path ? ` at ${f.path}` : ''}\n    ${f.message}`);
  }
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: npm run check:real-apps -- DIR');
    process.exitCode = 2;
    return;
  }
  const files = await appFiles(dir);
  const checked: Checked[] = [];
  for (const file of files) {
    const report = await withFile(file, (source) => validatePackage(source, {}, path.basename(file), NOW));
    printReport(path.relative(dir, file), report);
    console.log(await symbolSummary(file));
    checked.push({ file, report });
  }
  await checkUpdates(dir, checked);
  const failed = checked.filter((c) => c.report.state !== 'Passed').length;
  console.log(`\n${checked.length} package(s), ${checked.length - failed} passed, ${failed} failed`);
}

/** Each later version of one app id, validated as an update of the version before it. */
async function checkUpdates(dir: string, checked: Checked[]): Promise<void> {
  const byApp = new Map<string, Checked[]>();
  for (const c of checked) {
    const id = c.report.manifest?.id?.toLowerCase();
    const version = c.report.manifest?.version;
    if (!id || !version) continue;
    const versions = byApp.get(id) ?? [];
    if (!versions.some((v) => v.report.manifest?.version === version)) versions.push(c);
    byApp.set(id, versions);
  }
  for (const versions of byApp.values()) {
    versions.sort((a, b) =>
      compareVersions(a.report.manifest?.version ?? '', b.report.manifest?.version ?? ''),
    );
    for (let i = 1; i < versions.length; i++) {
      const [live, next] = [versions[i - 1], versions[i]];
      if (!live || !next) continue;
      const liveSource = await fileSource(live.file);
      try {
        const report = await withFile(next.file, (source) =>
          validatePackage(
            source,
            { lastLiveVersion: live.report.manifest?.version ?? '' },
            path.basename(next.file),
            NOW,
            { baseline: async () => ({ source: liveSource, name: path.basename(live.file) }) },
          ),
        );
        printReport(
          `${path.relative(dir, next.file)} as an update of ${path.relative(dir, live.file)}`,
          report,
        );
      } finally {
        await liveSource.close();
      }
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
