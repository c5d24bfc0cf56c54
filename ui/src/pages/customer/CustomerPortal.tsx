import { Route, Routes } from 'react-router';
import { SignedIn } from '../../auth/session';
import { MyTickets } from './MyTickets';
import { NewTicket } from './NewTicket';
import { TicketPage } from './TicketPage';

/** The customer's app: their tickets, opening a new one, one ticket with its visits and messages. */
export function CustomerPortal({ user }: { user: SignedIn }) {
  return (
    <Routes>
      <Route index element={<MyTickets user={user} />} />
      <Route path="new" element={<NewTicket />} />
      <Route path="tickets/:ticketId" element={<TicketPage />} />
    </Routes>
  );
}
