import { Route, Routes } from 'react-router';
import { SignedIn } from '../../auth/session';
import { OpenVisits } from './OpenVisits';
import { MySchedule } from './MySchedule';
import { VisitAtHand } from './VisitAtHand';

/** The expert's app: open visits to propose for, their schedule, the visit at hand. */
export function ExpertApp({ user }: { user: SignedIn }) {
  return (
    <Routes>
      <Route index element={<OpenVisits user={user} />} />
      <Route path="schedule" element={<MySchedule />} />
      <Route path="visits/:visitId" element={<VisitAtHand />} />
    </Routes>
  );
}
