import { DomainError, ErrorCode } from '../domain/errors';

/**
 * The part of the durable client the HTTP layer uses. `df.DurableClient` satisfies it; handler
 * tests pass a recorder of their own, so they need no durable engine.
 */
export interface OrchestrationClient {
  startNew(name: string, options: { instanceId: string; input: unknown }): Promise<string>;
  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void>;
  /** The instance's runtime status; throws (as the SDK does on HTTP 404) when there is no instance. */
  getStatus(instanceId: string): Promise<{ runtimeStatus?: string }>;
}

/** Runtime statuses of an instance that still takes events (a suspended one keeps them for later). */
const ALIVE = new Set(['Pending', 'Running', 'ContinuedAsNew', 'Suspended']);

/** The SDK reports an unknown instance as an Error whose message names HTTP 404. */
function isNotFound(error: unknown): boolean {
  return error instanceof Error && /\b404\b/.test(error.message);
}

/**
 * Whether the instance behind a submission can still act on an event. The SDK's raiseEvent treats
 * the extension's 410 (instance completed, failed or terminated) as success, so an event raised to
 * a dead instance vanishes: the routes ask first. Any other failure to read the status throws.
 */
export async function orchestrationAlive(client: OrchestrationClient, instanceId: string): Promise<boolean> {
  try {
    const status = await client.getStatus(instanceId);
    return ALIVE.has(status.runtimeStatus ?? '');
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/**
 * Refuses an action whose submission's instance is gone (terminated, failed, completed, or never
 * started) although the status still says it waits: 409 with the route's own state code, since
 * the submission is in effect no longer at that point and repeating cannot help. The reconciler
 * ends such a submission Failed (design.md "Nothing stays stuck"), after which Publish works.
 */
export async function assertAlive(
  client: OrchestrationClient,
  instanceId: string,
  code: ErrorCode,
  what: string,
): Promise<void> {
  if (await orchestrationAlive(client, instanceId)) return;
  throw new DomainError(
    code,
    `The workflow of this submission is no longer running, so it cannot take ${what}; it will be ended as failed, and Publish then starts a new submission.`,
  );
}
