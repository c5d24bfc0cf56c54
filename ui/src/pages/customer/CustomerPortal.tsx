import { Routes, Route } from 'react-router';
import { SignedIn } from '../../auth/session';
import { MyTickets } from './MyTickets';

/** The customer's app: their tickets, opening a new one, their messages. */
export function CustomerPortal({ user }: { user: SignedIn }) {
  return (
    <Routes>
      <Route index element={<MyTickets user={user} />} />
    </Routes>
  );
}
