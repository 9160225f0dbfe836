import type { Services } from '../services';

/**
 * The workflow's time, which stamps every webhook event: the step changes carry the orchestration's
 * time, and an endpoint takes the events from its registration on this clock. In Azure it is the
 * system clock; locally it is the local host's, which its clock advance moves (a route stamping
 * with real time there would make its events older than a newly registered endpoint).
 */
export async function workflowNow(
  services: Pick<Services, 'clockFor'>,
  client: object | undefined,
): Promise<Date> {
  // df.DurableClient names its task hub; a handler test's recorder of the client does not.
  const taskHub = (client as { taskHubName?: unknown } | undefined)?.taskHubName;
  return services.clockFor(typeof taskHub === 'string' ? taskHub : undefined).now();
}
