/**
 * The Node side of the oracle: loads registration modules through the local host's
 * `@azure/functions-core` stand-in (so the worker's conversions are the library's own) and answers
 * the .NET shims over loopback HTTP: POST /orchestrator/{name} with the extension's context JSON
 * returns the SDK's state JSON; POST /activity/{name} with the input JSON returns the result JSON.
 * A scenario may replace an activity's behaviour (a scripted result, a failure, a delay).
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expandGlob } from '../devhost/appFiles';
import { startBridge } from '../devhost/durable/extension';
import { createFunctionsCore, installFunctionsCore } from '../devhost/functionsCore';
import type { FunctionRegistration } from '../devhost/types';

/**
 * What the oracle loads (built files, relative to the repository): the conformance fixture, and
 * the app's orchestrators with every activity they call. The shims are generated from what these
 * register, so an activity module left out here has no shim, and the extension never runs it
 * (every publishing scenario then stopped after its first episode).
 */
export const ORACLE_MODULES = [
  'dist/test/fixtures/hostapp/conformanceApp.js',
  'dist/{orchestrators,activities}/*.js',
];

export type ActivityBehaviour = (name: string, input: unknown) => Promise<{ result: unknown } | undefined>;

export interface Bridge {
  url: string;
  /** Replaces activity behaviour for the scenario that runs next (undefined: the registered handler). */
  setActivities(behaviour: ActivityBehaviour | undefined): void;
  /** What the loaded modules registered (the shims are generated from it). */
  registrations(): FunctionRegistration[];
  /** A registered orchestrator, called through the worker's invocation model as the host calls it. */
  orchestrator(name: string): (trigger: Record<string, unknown>) => Promise<unknown>;
  close(): Promise<void>;
}

/** `modules`: globs as package.json `main` writes them, relative to `root`. */
export async function startOracleBridge(root: string, modules: string[]): Promise<Bridge> {
  const core = createFunctionsCore(() => undefined);
  installFunctionsCore(core.api);
  for (const file of modules.flatMap((m) => expandGlob(root, m))) require(path.resolve(root, file));
  await core.appStart(root);
  let behaviour: ActivityBehaviour | undefined;

  async function answer(kind: string, name: string, value: unknown): Promise<unknown> {
    if (process.env.ORACLE_VERBOSE)
      console.log(`bridge ${kind} ${name}: ${JSON.stringify(value).slice(0, 300)}`);
    if (kind === 'orchestrator') return core.invoker.invoke(name, value);
    const scripted = behaviour ? await behaviour(name, value) : undefined;
    return scripted ? scripted.result : core.invoker.invoke(name, value);
  }

  const server = await startBridge(answer);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setActivities: (b) => (behaviour = b),
    registrations: () => core.invoker.list(),
    orchestrator: (name) => (trigger) => core.invoker.invoke(name, trigger),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
