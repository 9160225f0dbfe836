import type { DurableEngine, FunctionInvoker } from './types';

/** Extra input bindings the host supplies, by function name: today the durable client. */
export type ExtraInputsFor = (functionName: string) => Record<string, unknown>;

/**
 * Any trigger (HTTP, blob) may declare a durable client input; the Durable extension fills it
 * with the client's binding data, and so does the host.
 */
export function durableClientInputs(
  invoker: FunctionInvoker,
  engine: Pick<DurableEngine, 'clientBindingData'> | undefined,
): ExtraInputsFor {
  return (functionName) => {
    const registration = invoker.get(functionName);
    const wantsClient = Object.values(registration?.bindings ?? {}).some(
      (b) => b.type === 'durableClient' || b.type === 'orchestrationClient',
    );
    if (!wantsClient || !engine) return {};
    const data = engine.clientBindingData();
    return { durableClient: data, orchestrationClient: data };
  };
}
