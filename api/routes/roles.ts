/** Who may call what: the role groups the route table uses. */
export const ALL_ROLES = ['customer', 'expert', 'helpdesk', 'admin', 'manager'] as const;
// The staff group is the domain's, which its deciders check too.
export { STAFF } from '../../domain/decider';
