/**
 * What the Functions host reads from the app folder: package.json `main` (a glob of the
 * registration modules), host.json (task hub, route prefix) and local.settings.json (Values).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Expands `{a,b}` alternatives and `*` within one path segment (what package.json `main` uses). */
export function expandGlob(root: string, pattern: string): string[] {
  const found = new Set<string>();
  for (const alternative of expandBraces(pattern)) {
    for (const file of matchSegments(
      root,
      alternative.split('/').filter((s) => s !== '' && s !== '.'),
    )) {
      found.add(file);
    }
  }
  return [...found].sort();
}

export function expandBraces(pattern: string): string[] {
  const match = /\{([^{}]*)\}/.exec(pattern);
  if (!match) return [pattern];
  const before = pattern.slice(0, match.index);
  const after = pattern.slice(match.index + match[0].length);
  return (match[1] ?? '').split(',').flatMap((choice) => expandBraces(before + choice + after));
}

function matchSegments(dir: string, segments: string[]): string[] {
  const [segment, ...rest] = segments;
  if (segment === undefined) return [];
  const candidates = segment.includes('*') ? listMatching(dir, segment) : [segment];
  return candidates.flatMap((name) => {
    const full = path.join(dir, name);
    if (rest.length === 0) return isFile(full) ? [full] : [];
    return isDirectory(full) ? matchSegments(full, rest) : [];
  });
}

function listMatching(dir: string, segment: string): string[] {
  if (!isDirectory(dir)) return [];
  const regex = new RegExp(
    '^' +
      segment
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*') +
      '$',
  );
  return fs.readdirSync(dir).filter((name) => regex.test(name));
}

function isFile(file: string): boolean {
  return fs.statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

function isDirectory(dir: string): boolean {
  return fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function readJson(file: string): unknown {
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

export interface HostSettings {
  taskHub: string;
  routePrefix: string;
  /** Activities run at once by this host (durableTask.maxConcurrentActivityFunctions). */
  maxConcurrentActivityFunctions: number;
}

/**
 * host.json's settings the local host uses. As the Functions host does, an app setting
 * `AzureFunctionsJobHost__<path>` (`__` between names) overrides a host.json value.
 */
export function readHostJson(root: string, env: NodeJS.ProcessEnv = {}): HostSettings {
  const host = readJson(path.join(root, 'host.json')) as
    | {
        extensions?: {
          durableTask?: { hubName?: string; maxConcurrentActivityFunctions?: unknown };
          http?: { routePrefix?: string };
        };
      }
    | undefined;
  const durable = host?.extensions?.durableTask;
  const activities = Number(
    env.AzureFunctionsJobHost__extensions__durableTask__maxConcurrentActivityFunctions ??
      durable?.maxConcurrentActivityFunctions,
  );
  return {
    taskHub: durable?.hubName ?? 'TestHubName',
    routePrefix: host?.extensions?.http?.routePrefix ?? 'api',
    // The extension's default outside the Consumption plan: 10 per processor.
    maxConcurrentActivityFunctions:
      Number.isInteger(activities) && activities > 0 ? activities : 10 * os.availableParallelism(),
  };
}

export function readMainPattern(root: string): string {
  const pkg = readJson(path.join(root, 'package.json')) as { main?: string } | undefined;
  if (!pkg?.main)
    throw new Error('package.json has no "main": it names the modules that register functions.');
  return pkg.main;
}

/**
 * The Event Grid subscriptions of the local storage account (local.eventgrid.json), in the shape of
 * an Azure event subscription: which function gets which events, filtered by subject prefix. In
 * Azure they are infrastructure (Bicep); locally the host delivers matching blob events itself.
 */
export interface EventSubscription {
  name: string;
  function: string;
  includedEventTypes: string[];
  subjectBeginsWith: string;
}

export const EVENT_SUBSCRIPTIONS_FILE = 'local.eventgrid.json';

export function readEventSubscriptions(root: string): EventSubscription[] {
  const file = readJson(path.join(root, EVENT_SUBSCRIPTIONS_FILE)) as { subscriptions?: unknown } | undefined;
  const list = Array.isArray(file?.subscriptions) ? (file.subscriptions as Record<string, unknown>[]) : [];
  return list
    .filter((s) => typeof s.function === 'string' && typeof s.subjectBeginsWith === 'string')
    .map((s) => ({
      name: typeof s.name === 'string' ? s.name : String(s.function),
      function: String(s.function),
      includedEventTypes: Array.isArray(s.includedEventTypes) ? s.includedEventTypes.map(String) : [],
      subjectBeginsWith: String(s.subjectBeginsWith),
    }));
}

/** local.settings.json Values, added to `env` without overriding what the environment already sets. */
export function applyLocalSettings(root: string, env: NodeJS.ProcessEnv): string[] {
  const settings = readJson(path.join(root, 'local.settings.json')) as
    | { Values?: Record<string, unknown> }
    | undefined;
  const applied: string[] = [];
  for (const [name, value] of Object.entries(settings?.Values ?? {})) {
    if (env[name] !== undefined || value === undefined || value === null) continue;
    env[name] = String(value);
    applied.push(name);
  }
  return applied;
}
