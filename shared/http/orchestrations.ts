/**
 * The part of the durable client the HTTP layer uses. `df.DurableClient` satisfies it; handler
 * tests pass a recorder of their own, so they need no durable engine.
 */
export interface OrchestrationClient {
  startNew(name: string, options: { instanceId: string; input: unknown }): Promise<string>;
  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void>;
}
