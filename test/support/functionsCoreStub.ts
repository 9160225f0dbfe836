/**
 * Handler tests import registration modules; outside a worker @azure/functions would warn
 * "Skipping call to register function" for each. This stand-in accepts and ignores the
 * registrations: handler tests call the exported factories, not the registered callbacks.
 */
const disposable = { dispose: () => undefined };

export const setProgrammingModel = (): void => undefined;
export const registerFunction = () => disposable;
export const registerHook = () => disposable;
export const log = (): void => undefined;
