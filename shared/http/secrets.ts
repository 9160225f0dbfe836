import { DomainError } from '../domain/errors';
import { LeadDestination, MASK, Offer, OfferDraft } from '../domain/offer';

function storedSecret(stored: LeadDestination | undefined, incoming: LeadDestination): string | undefined {
  if (!stored || stored.type !== incoming.type) return undefined;
  return stored.type === 'azureTable' ? stored.connectionString : stored.secret;
}

/**
 * Reads show secrets as "***"; a client that sends such a read back keeps the stored secret,
 * so a read-modify-write round trip never wipes or corrupts it.
 */
export function restoreMaskedSecrets(draft: OfferDraft, stored: Offer | undefined): OfferDraft {
  const lead = draft.leadDestination;
  if (!lead) return draft;
  const sent = lead.type === 'azureTable' ? lead.connectionString : lead.secret;
  if (sent !== MASK) return draft;
  const secret = storedSecret(stored?.leadDestination, lead);
  const field = lead.type === 'azureTable' ? 'connectionString' : 'secret';
  if (secret === undefined) {
    throw new DomainError('invalid_request', 'The request is not valid; see details.', [
      {
        path: `leadDestination.${field}`,
        message: `"${MASK}" keeps a stored secret, but none is stored: send the value`,
      },
    ]);
  }
  return { ...draft, leadDestination: { ...lead, [field]: secret } as LeadDestination };
}
