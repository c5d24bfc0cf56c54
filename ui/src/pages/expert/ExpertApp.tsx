import { useEffect } from 'react';
import { Route, Routes, useLocation } from 'react-router';
import { SignedIn } from '../../auth/session';
import { OfflineProvider } from '../../offline/OfflineProvider';
import { ArticlePage, KnowledgeSearch } from './Knowledge';
import { MySchedule } from './MySchedule';
import { OpenVisits } from './OpenVisits';
import { ErrorBoundary } from './ErrorBoundary';
import { SyncStatus } from './SyncStatus';
import { preloadMap, VisitAtHand } from './VisitAtHand';

/**
 * The expert's app, made for a phone in the field and for working offline: open visits to
 * propose for, their schedule by day or week, the visit at hand step by step, the knowledge base.
 * Above every page: offline or not, the actions waiting to sync and those the server refused.
 */
export function ExpertApp({ user }: { user: SignedIn }) {
  const { pathname } = useLocation();
  useEffect(() => {
    // Once the first page is up, the map's code too: a visit opened offline later has it.
    const idle = window.requestIdleCallback?.(preloadMap) ?? window.setTimeout(preloadMap, 2000);
    return () => (window.cancelIdleCallback ? window.cancelIdleCallback(idle) : window.clearTimeout(idle));
  }, []);
  return (
    <OfflineProvider user={user}>
      <SyncStatus />
      <ErrorBoundary what="This page" resetKey={pathname}>
        <Routes>
          <Route index element={<OpenVisits user={user} />} />
          <Route path="schedule" element={<MySchedule user={user} />} />
          <Route path="visits/:visitId" element={<VisitAtHand />} />
          <Route path="kb" element={<KnowledgeSearch />} />
          <Route path="kb/:articleId" element={<ArticlePage />} />
        </Routes>
      </ErrorBoundary>
    </OfflineProvider>
  );
}
