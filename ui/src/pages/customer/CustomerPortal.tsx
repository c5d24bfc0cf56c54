import { Route, Routes } from 'react-router';
import { SignedIn } from '../../auth/session';
import { BillingPage } from './BillingPage';
import { MyTickets } from './MyTickets';
import { NewTicket } from './NewTicket';
import { PaymentMethodPage } from './PaymentMethodPage';
import { PlansPage } from './PlansPage';
import { StatementPage } from './StatementPage';
import { TicketPage } from './TicketPage';

/** The customer's app: their tickets, opening a new one, one ticket with its visits and messages; support plans, the card on file, billing history. */
export function CustomerPortal({ user }: { user: SignedIn }) {
  return (
    <Routes>
      <Route index element={<MyTickets user={user} />} />
      <Route path="new" element={<NewTicket />} />
      <Route path="tickets/:ticketId" element={<TicketPage />} />
      <Route path="plans" element={<PlansPage />} />
      <Route path="payment" element={<PaymentMethodPage />} />
      <Route path="billing" element={<BillingPage />} />
      <Route path="billing/:period" element={<StatementPage />} />
    </Routes>
  );
}
