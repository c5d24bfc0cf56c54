/** Who may call what: the role groups the route table uses. */
export const ALL_ROLES = ['customer', 'expert', 'helpdesk', 'admin', 'manager'] as const;
/** Penultimate's own staff (the back office), as opposed to customers and field experts. */
export const STAFF = ['helpdesk', 'admin', 'manager'] as const;
