import { lazy, ReactNode, Suspense } from 'react';
import { Loader } from '@mantine/core';
import { Navigate, Route, Routes } from 'react-router';
import { Role, SignedIn } from '../../auth/session';
import { StaffHome } from './StaffHome';

// One chunk per console: a helpdesk user never downloads the manager's charts.
const HelpdeskConsole = lazy(() => import('./helpdesk/HelpdeskConsole').then((m) => ({ default: m.HelpdeskConsole })));
const DispatchBoard = lazy(() => import('./helpdesk/DispatchBoard').then((m) => ({ default: m.DispatchBoard })));
const AdminConsole = lazy(() => import('./admin/AdminConsole').then((m) => ({ default: m.AdminConsole })));
const ManagerDashboards = lazy(() => import('./manager/ManagerDashboards').then((m) => ({ default: m.ManagerDashboards })));
const BillingConsole = lazy(() => import('./billing/BillingConsole').then((m) => ({ default: m.BillingConsole })));
const OpsPage = lazy(() => import('./ops/OpsPage').then((m) => ({ default: m.OpsPage })));

/** The staff consoles, each for the roles whose work it is (the API checks every call as well). */
export function StaffApp({ user }: { user: SignedIn }) {
  const only = (roles: readonly Role[], page: ReactNode) => (roles.includes(user.role) ? <Suspense fallback={<Loader aria-label="Loading" />}>{page}</Suspense> : <Navigate to="/staff" replace />);
  return (
    <Routes>
      <Route index element={<StaffHome user={user} />} />
      <Route path="helpdesk/*" element={only(['helpdesk', 'admin', 'manager'], <HelpdeskConsole user={user} />)} />
      <Route path="dispatch" element={only(['helpdesk', 'admin', 'manager'], <DispatchBoard user={user} />)} />
      <Route path="admin/*" element={only(['admin'], <AdminConsole user={user} />)} />
      <Route path="reports/*" element={only(['manager', 'admin'], <ManagerDashboards user={user} />)} />
      <Route path="billing/*" element={only(['admin', 'helpdesk'], <BillingConsole user={user} />)} />
      <Route path="ops" element={only(['admin'], <OpsPage user={user} />)} />
      <Route path="*" element={<Navigate to="/staff" replace />} />
    </Routes>
  );
}
