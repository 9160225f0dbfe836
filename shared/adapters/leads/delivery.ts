import type { DeliveryResult, Lead } from '../../domain/leads';
import type { LeadDestination } from '../../domain/offer';
import { deliverToAzureTable } from './azureTable';
import { deliverToHttps } from './https';

export type LeadDelivery = (destination: LeadDestination, lead: Lead) => Promise<DeliveryResult>;

export interface LeadDeliveryOptions {
  timeoutMs: number;
  maxAttempts?: number;
  backoffMs?: number;
  /** Off the cloud only: lets Azurite and local http servers stand in for the publisher's https destinations. */
  allowInsecure?: boolean;
}

/** Sends a lead to whichever destination the offer configured. */
export function createLeadDelivery(options: LeadDeliveryOptions): LeadDelivery {
  return async (destination, lead) => {
    if (destination.type === 'azureTable')
      return deliverToAzureTable(destination, lead, {
        timeoutMs: options.timeoutMs,
        allowInsecureConnection: options.allowInsecure,
      });
    if (!options.allowInsecure && new URL(destination.url).protocol !== 'https:')
      return { delivered: false, attempts: 0, problem: 'The lead endpoint must be an https URL.' };
    return deliverToHttps(destination, lead, options);
  };
}
