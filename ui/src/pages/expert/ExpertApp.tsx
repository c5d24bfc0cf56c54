import { Route, Routes } from 'react-router';
import { SignedIn } from '../../auth/session';
import { OpenVisits } from './OpenVisits';

/** The expert's app: open visits to propose for, their schedule, the visit at hand. */
export function ExpertApp({ user }: { user: SignedIn }) {
  return (
    <Routes>
      <Route index element={<OpenVisits user={user} />} />
    </Routes>
  );
}
