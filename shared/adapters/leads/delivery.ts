import type { DeliveryResult, Lead } from '../../domain/leads';
import type { LeadDestination } from '../../domain/offer';
import type { OutboundPolicy } from '../outbound';
import { deliverToAzureTable } from './azureTable';
import { deliverToHttps } from './https';

export type LeadDelivery = (destination: LeadDestination, lead: Lead) => Promise<DeliveryResult>;

export interface LeadDeliveryOptions {
  timeoutMs: number;
  maxAttempts?: number;
  backoffMs?: number;
  /** The outbound policy (shared/adapters/outbound.ts): loopback and http only off Azure. */
  policy: OutboundPolicy;
  /**
   * This app's own storage (connection strings or service URLs): an azureTable destination may not
   * name it, or a publisher could write into the app's own tables (StepHistory, Offers...).
   */
  ownStorage?: string[];
}

/** Sends a lead to whichever destination the offer configured. */
export function createLeadDelivery(options: LeadDeliveryOptions): LeadDelivery {
  return async (destination, lead) => {
    if (destination.type === 'azureTable')
      return deliverToAzureTable(destination, lead, {
        timeoutMs: options.timeoutMs,
        policy: options.policy,
        ownStorage: options.ownStorage ?? [],
      });
    return deliverToHttps(destination, lead, options);
  };
}
