import { Group, NavLink as Tab } from '@mantine/core';
import { NavLink, Navigate, Route, Routes, useLocation } from 'react-router';
import { SignedIn } from '../../../auth/session';
import { DunningPage } from './DunningPage';
import { OpenForCaller } from './OpenForCaller';
import { QueuePage } from './QueuePage';
import { TicketSearch } from './TicketSearch';
import { TicketWorkspace } from './TicketWorkspace';

const SECTIONS = [
  { to: '/staff/helpdesk', label: 'Queue', exact: true },
  { to: '/staff/helpdesk/search', label: 'Find a ticket' },
  { to: '/staff/helpdesk/new', label: 'Open a ticket for a caller' },
  { to: '/staff/helpdesk/dunning', label: 'Dunning' },
];

/** The helpdesk console: the queue, a workspace per ticket, search, and a ticket opened for a caller. */
export function HelpdeskConsole({ user }: { user: SignedIn }) {
  const location = useLocation();
  return (
    <>
      <Group component="nav" aria-label="Helpdesk" gap={4} mb="md" wrap="wrap">
        {SECTIONS.map((s) => (
          <Tab
            key={s.to}
            component={NavLink}
            to={s.to}
            end={s.exact}
            label={s.label}
            active={s.exact ? location.pathname === s.to : location.pathname.startsWith(s.to)}
            variant="light"
            w="auto"
            style={{ borderRadius: 4 }}
          />
        ))}
      </Group>
      <Routes>
        <Route index element={<QueuePage />} />
        <Route path="search" element={<TicketSearch />} />
        <Route path="new" element={<OpenForCaller />} />
        <Route path="dunning" element={<DunningPage role={user.role} />} />
        <Route path="tickets/:ticketId" element={<TicketWorkspace />} />
        <Route path="*" element={<Navigate to="/staff/helpdesk" replace />} />
      </Routes>
    </>
  );
}
