import { Role } from '../auth/session';

export interface NavItem {
  to: string;
  label: string;
  /** Active only on this exact path (a home page whose sub-pages have their own items). */
  exact?: boolean;
}

/** What each role's navigation offers. */
export function navigationOf(role: Role): NavItem[] {
  switch (role) {
    case 'customer':
      return [
        { to: '/portal', label: 'My tickets', exact: true },
        { to: '/portal/new', label: 'Open a ticket' },
        { to: '/portal/plans', label: 'Support plans' },
        { to: '/portal/payment', label: 'Payment method' },
        { to: '/portal/billing', label: 'Billing history' },
      ];
    case 'expert':
      return [
        { to: '/field', label: 'Open visits', exact: true },
        { to: '/field/schedule', label: 'My schedule' },
        { to: '/field/kb', label: 'Knowledge base' },
      ];
    case 'helpdesk':
      return [
        { to: '/staff', label: 'Overview', exact: true },
        { to: '/staff/helpdesk', label: 'Helpdesk queue' },
        { to: '/staff/dispatch', label: 'Dispatch board' },
        { to: '/staff/billing', label: 'Customer billing' },
      ];
    case 'admin':
      return [
        { to: '/staff', label: 'Overview', exact: true },
        { to: '/staff/admin', label: 'Administration' },
        { to: '/staff/helpdesk', label: 'Helpdesk queue' },
        { to: '/staff/dispatch', label: 'Dispatch board' },
        { to: '/staff/reports', label: 'Dashboards' },
        { to: '/staff/billing', label: 'Customer billing' },
        { to: '/staff/ops', label: 'Operations' },
      ];
    case 'manager':
      return [
        { to: '/staff', label: 'Overview', exact: true },
        { to: '/staff/reports', label: 'Dashboards' },
        { to: '/staff/dispatch', label: 'Dispatch board' },
        { to: '/staff/helpdesk', label: 'Helpdesk queue' },
      ];
  }
}
