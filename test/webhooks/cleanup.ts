import { ADMIN_OWNER } from '../../shared/domain/webhooks';
import { testServices } from '../steps/helpers';

/**
 * Admin's endpoints cover every offer of the marketplace, and the run's Azurite is shared by every
 * test file: an Admin endpoint left behind (its receiver closed) would get the events of every
 * later suite's offers. Each webhook test file that registers one removes Admin's endpoints last.
 */
export async function removeAdminEndpoints(): Promise<void> {
  const services = testServices();
  for (const endpoint of await services.webhooks.list(ADMIN_OWNER))
    await services.webhooks.remove(ADMIN_OWNER, endpoint.webhookId);
}
