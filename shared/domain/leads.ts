import type { LeadDestination } from './offer';

/**
 * Step 4, lead management: the test lead, its documented schema, and the receipt kept in the
 * product's Leads table.
 *
 * Lead schema (JSON body for `https` destinations; entity properties for `azureTable` ones):
 *
 * | field          | meaning                                        | test lead value                          |
 * |----------------|------------------------------------------------|------------------------------------------|
 * | `leadId`       | stable id of the lead; also `x-lead-id` header | `TEST_{offerId}_{submissionId}`           |
 * | `offerId`      | the offer the lead is about                    | the offer id                              |
 * | `submissionId` | the submission that sent it (test leads only)  | the submission id                         |
 * | `isTest`       | true for the test lead of a submission         | `true`                                    |
 * | `createdAt`    | ISO 8601 UTC                                   | the step's time                           |
 * | `company`      | customer's company                             | `TEST_Company_{submissionId}`             |
 * | `name`         | contact's name                                 | `TEST_Contact_{submissionId}`             |
 * | `email`        | contact's email                                | `TEST_{submissionId}@example.invalid`     |
 * | `phone`        | contact's phone                                | `TEST_+1-555-0100_{submissionId}`         |
 * | `country`      | contact's country (ISO 3166 alpha-2)           | `TEST_US_{submissionId}`                  |
 * | `title`        | contact's job title                            | `TEST_Title_{submissionId}`               |
 * | `offer`        | the offer's display name                       | `TEST_{offer name}_{submissionId}`        |
 * | `leadSource`   | where the lead came from                       | `TEST_AppSource_{submissionId}`           |
 * | `action`       | what the customer did                          | `TEST_ContactMe_{submissionId}`           |
 *
 * Every contact field of a test lead carries `TEST_` and the submission id, so the publisher
 * can find (and delete) it in their CRM or table by searching for either.
 *
 * HTTPS delivery: `POST` with `content-type: application/json`, header `x-lead-id` (the same for
 * every attempt of one lead: receivers use it to drop duplicates) and, when the destination has a
 * secret, `x-signature-sha256` = hex HMAC-SHA256 of the exact body bytes with that secret.
 * A 2xx answer is a delivery; 5xx, 429 and network errors are retried with backoff; any other
 * status and a timeout end the delivery as failed.
 *
 * Azure Table delivery: table `tableName` (default `MarketplaceLeads`, created if missing), one
 * entity per lead, PartitionKey = offerId, RowKey = leadId, inserted only if absent.
 */

export const LEAD_DELIVERY_FAILED = 'lead_delivery_failed';
export const DEFAULT_LEAD_TABLE = 'MarketplaceLeads';

export interface Lead {
  leadId: string;
  offerId: string;
  submissionId: string;
  isTest: boolean;
  createdAt: string;
  company: string;
  name: string;
  email: string;
  phone: string;
  country: string;
  title: string;
  offer: string;
  leadSource: string;
  action: string;
}

/** Derived from (offer, submission) only, so a retried activity sends the same lead again, never a second one. */
export function testLeadId(offerId: string, submissionId: string): string {
  return `TEST_${offerId}_${submissionId}`;
}

export function testLead(input: {
  offerId: string;
  submissionId: string;
  offerName?: string;
  at: string;
}): Lead {
  const sub = input.submissionId;
  const mark = (value: string) => `TEST_${value}_${sub}`;
  return {
    leadId: testLeadId(input.offerId, sub),
    offerId: input.offerId,
    submissionId: sub,
    isTest: true,
    createdAt: input.at,
    company: mark('Company'),
    name: mark('Contact'),
    email: `TEST_${sub}@example.invalid`,
    phone: mark('+1-555-0100'),
    country: mark('US'),
    title: mark('Title'),
    offer: mark(input.offerName ?? input.offerId),
    leadSource: mark('AppSource'),
    action: mark('ContactMe'),
  };
}

/** What a destination did with one lead (the receipt a publisher can look at). */
export interface DeliveryResult {
  delivered: boolean;
  attempts: number;
  /** HTTPS destinations: the last HTTP status, if any answer came. */
  httpStatus?: number;
  /** Azure Table destinations: `Created`, or `AlreadyExists` when a retry found the lead there. */
  tableResult?: 'Created' | 'AlreadyExists';
  /** For a failure: what went wrong and what to fix (never a secret). */
  problem?: string;
}

export type LeadState = 'Delivering' | 'Delivered' | 'Failed';

/** A row of the product's Leads table: every lead sent, test or real, with its delivery outcome. */
export interface LeadRecord {
  offerId: string;
  leadId: string;
  state: LeadState;
  /** `azureTable:{tableName}` or the endpoint's origin and path (no query, no secrets). */
  destination: string;
  lead: Lead;
  result?: DeliveryResult;
  startedAt: string;
  completedAt?: string;
}

/** Names a destination without secrets: the table name, or the URL without query or credentials. */
export function describeDestination(destination: LeadDestination): string {
  if (destination.type === 'azureTable') return `azureTable:${destination.tableName ?? DEFAULT_LEAD_TABLE}`;
  const url = new URL(destination.url);
  return `${url.origin}${url.pathname}`;
}
