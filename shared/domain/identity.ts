export const ROLES = ['Publisher', 'MarketingReviewer', 'TechnicalReviewer', 'Admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as App Service Authentication describes them. */
export interface Caller {
  name: string;
  roles: Role[];
  publisherId?: string;
}

export function hasRole(caller: Caller, role: Role): boolean {
  return caller.roles.includes(role);
}

export function isAdmin(caller: Caller): boolean {
  return hasRole(caller, 'Admin');
}

export function isReviewer(caller: Caller): boolean {
  return hasRole(caller, 'MarketingReviewer') || hasRole(caller, 'TechnicalReviewer');
}

/** The owner of an offer is the publisher whose publisher_id matches; Admin acts as owner too. */
export function actsAsOwner(caller: Caller, offerPublisherId: string): boolean {
  return isAdmin(caller) || isPublisherOf(caller, offerPublisherId);
}

/** The publisher who owns the offer, Admin or not (where api.md names "the owner" beside Admin). */
export function isPublisherOf(caller: Caller, offerPublisherId: string): boolean {
  return hasRole(caller, 'Publisher') && caller.publisherId === offerPublisherId;
}

/** Reviewers and Admin see every offer; a publisher sees their own. */
export function canRead(caller: Caller, offerPublisherId: string): boolean {
  return actsAsOwner(caller, offerPublisherId) || isReviewer(caller);
}

export function reviewerRoleFor(area: 'marketing' | 'technical'): Role {
  return area === 'marketing' ? 'MarketingReviewer' : 'TechnicalReviewer';
}
