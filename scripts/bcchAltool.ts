/**
 * A stand-in for the AL tool's `GetPackageManifest <file.app>` (npm run check:bcch installs it where
 * BcContainerHelper looks for the AL Language extension, which cannot be downloaded offline): it
 * reads the .app with this app's own package reader and prints its manifest as app.json.
 */
import { fileSource, readPackage } from '../shared/adapters/package';
import { parseManifest } from '../shared/domain/package';

async function main(): Promise<void> {
  const [command, file] = process.argv.slice(2);
  if (command !== 'GetPackageManifest' || !file)
    throw new Error('usage: altool GetPackageManifest <file.app>');
  const reading = await readPackage(await fileSource(file), file);
  if (!reading.manifest) throw new Error(`${file}: no manifest`);
  const parsed = parseManifest(reading.format, reading.manifest);
  if ('finding' in parsed) throw new Error(parsed.finding.message);
  const m = parsed.manifest;
  const json = {
    id: m.id,
    name: m.name,
    publisher: m.publisher,
    version: m.version,
    description: m.description ?? '',
    dependencies: m.dependencies.map((d) => ({
      id: d.id,
      name: d.name,
      publisher: d.publisher,
      version: d.version,
    })),
  };
  process.stdout.write(JSON.stringify(json));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
